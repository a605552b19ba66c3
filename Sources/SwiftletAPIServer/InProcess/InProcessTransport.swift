import HTTPTypes
import Hummingbird
import NIOCore
import SwiftletAPI
import SwiftletClient

/// Reaches the API server of this process without a socket: each request is built as a Hummingbird
/// `Request` and answered by the server's own `APIRequestHandler`, so it passes the same decoding,
/// validation, admission and resourceVersion checks as one over HTTP. Watch bodies stream line by line.
public struct InProcessTransport: APITransport {
    public let handler: APIRequestHandler
    public let identity: ClientIdentity

    public init(handler: APIRequestHandler, identity: ClientIdentity) {
        self.handler = handler
        self.identity = identity
    }

    public func send(_ request: APIRequest) async throws -> APIResponse {
        let response = await handler.respond(to: makeRequest(request))
        let collector = ByteCollector()
        try await response.body.write(CollectingWriter(collector: collector))
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else { throw APIResponse.error(status: status, body: collector.bytes) }
        return APIResponse(status: status, headers: Self.headers(of: response), body: collector.bytes)
    }

    public func watch(_ request: APIRequest) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        let response = await handler.respond(to: makeRequest(request))
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let collector = ByteCollector()
            try await response.body.write(CollectingWriter(collector: collector))
            throw APIResponse.error(status: status, body: collector.bytes)
        }
        let (events, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        // The body writes for as long as the watch lasts, so it runs in a task of its own that the stream's
        // consumer ends by going away.
        let body = response.body
        let task = Task {
            let decoder = WatchEventWriter.Decoder()
            do {
                try await body.write(WatchEventWriter(decoder: decoder, events: continuation))
                if let last = try decoder.finish() { continuation.yield(last) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return events
    }

    private func makeRequest(_ request: APIRequest) -> Request {
        var fields = HTTPFields()
        fields[.userAgent] = identity.userAgent
        fields[.accept] = "application/json"
        if let body = request.body {
            fields[.contentType] = request.contentType ?? "application/json"
            fields[.contentLength] = String(body.count)
        }
        for (name, value) in request.headers {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        let head = HTTPRequest(method: HTTPRequest.Method(request.method.rawValue) ?? .get, scheme: "http", authority: "in-process",
                               path: request.target, headerFields: fields)
        return Request(head: head, body: RequestBody(buffer: ByteBuffer(bytes: request.body ?? [])))
    }

    private static func headers(of response: Response) -> [String: String] {
        var headers: [String: String] = [:]
        for field in response.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        return headers
    }
}

extension APIServer {
    /// A transport into this server for an in-process component, once `run()` has built the handler.
    public func inProcessTransport(identity: ClientIdentity) -> InProcessTransport? {
        requestHandler.map { InProcessTransport(handler: $0, identity: identity) }
    }
}

/// Gathers a response body; lives only inside one `send`.
private final class ByteCollector {
    var bytes: [UInt8] = []
}

private struct CollectingWriter: ResponseBodyWriter {
    let collector: ByteCollector

    mutating func write(_ buffer: ByteBuffer) async throws {
        collector.bytes += buffer.readableBytesView
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}

/// Turns a watch body into events as the server writes it; stops the server's writer once nobody listens.
private struct WatchEventWriter: ResponseBodyWriter {
    /// The line state, shared between the writer (which the body consumes) and the task that finishes it.
    final class Decoder {
        var lines = WatchLineDecoder()
        func finish() throws -> WatchEvent? { try lines.finish() }
    }

    let decoder: Decoder
    let events: AsyncThrowingStream<WatchEvent, any Error>.Continuation

    mutating func write(_ buffer: ByteBuffer) async throws {
        for event in try decoder.lines.feed(buffer.readableBytesView) {
            if case .terminated = events.yield(event) { throw CancellationError() }
        }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
