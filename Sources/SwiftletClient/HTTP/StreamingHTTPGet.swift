import NIOCore
import NIOHTTP1
import SwiftletAPI

/// A plain HTTP GET whose response body arrives as it is written — the API server's way to the agents'
/// endpoints (logs now; exec and port-forward use their own upgrades later).
public struct StreamingHTTPGet: Sendable {
    public let host: String
    public let port: Int
    /// Path and query, already percent-encoded.
    public let target: String

    public init(host: String, port: Int, target: String) {
        self.host = host
        self.port = port
        self.target = target
    }

    /// A response: its status, content type, and the body as chunks. Cancelling the consumer closes the connection.
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String?
        public var body: AsyncThrowingStream<[UInt8], any Error>
    }

    public func send() async throws -> Response {
        let connection = try await HTTPConnection.connect(host: host, port: port)
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        head.headers.add(name: "User-Agent", value: "swiftlet-apiserver")
        let parts = connection.start(head, body: nil)
        var iterator = parts.makeAsyncIterator()
        guard case .head(let responseHead)? = try await iterator.next() else {
            connection.close()
            throw APIError(.serviceUnavailable, "no response from \(host):\(port)")
        }
        let (body, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        let pump = Task {
            do {
                while let part = try await iterator.next() {
                    switch part {
                    case .body(let buffer): continuation.yield(Array(buffer.readableBytesView))
                    case .end: continuation.finish()
                    case .head: break
                    }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
            connection.close()
        }
        continuation.onTermination = { _ in
            pump.cancel()
            connection.close()
        }
        return Response(status: Int(responseHead.status.code), contentType: responseHead.headers.first(name: "Content-Type"), body: body)
    }
}
