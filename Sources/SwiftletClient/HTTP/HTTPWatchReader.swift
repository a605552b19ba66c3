import NIOCore
import NIOHTTP1
import SwiftletAPI

/// Turns a watch response's parts into events until the response ends or the consumer stops.
enum HTTPWatchReader {
    static func run(parts: AsyncThrowingStream<HTTPClientResponsePart, any Error>,
                    events: AsyncThrowingStream<WatchEvent, any Error>.Continuation,
                    ready: CheckedContinuation<Result<Void, any Error>, Never>) async {
        var ready: CheckedContinuation<Result<Void, any Error>, Never>? = ready
        var decoder = WatchLineDecoder()
        var status = 0
        var errorBody: [UInt8] = []
        do {
            for try await part in parts {
                switch part {
                case .head(let head):
                    status = Int(head.status.code)
                    if (200..<300).contains(status) {
                        ready?.resume(returning: .success(()))
                        ready = nil
                    }
                case .body(let buffer):
                    if ready != nil {
                        errorBody += buffer.readableBytesView
                    } else {
                        for event in try decoder.feed(buffer.readableBytesView) { events.yield(event) }
                    }
                case .end:
                    break
                }
            }
            if let ready {
                let error: any Error = status == 0
                    ? APIError.internalError("the API server answered a watch without a response head")
                    : APIResponse.error(status: status, body: errorBody)
                ready.resume(returning: .failure(error))
                events.finish(throwing: error)
                return
            }
            if let last = try decoder.finish() { events.yield(last) }
            events.finish()
        } catch {
            let reported: any Error = error is HTTPConnectionClosed || error is HTTPRequestNotSent
                ? APIError(.serviceUnavailable, "the watch connection to the API server failed: \(error)") : error
            ready?.resume(returning: .failure(reported))
            events.finish(throwing: reported)
        }
    }
}
