import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftletAPI

/// One HTTP/1.1 connection to the API server, carrying one request at a time.
struct HTTPConnection: Sendable {
    let channel: any Channel

    static func connect(host: String, port: Int) async throws -> HTTPConnection {
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(HTTPExchangeHandler())
                }
            }
        do {
            return HTTPConnection(channel: try await bootstrap.connect(host: host, port: port).get())
        } catch {
            throw APIError(.serviceUnavailable, "cannot connect to the API server at \(host):\(port): \(error)")
        }
    }

    var isActive: Bool { channel.isActive }

    /// Writes a request; its response parts arrive on the returned stream, which ends with the response.
    func start(_ head: HTTPRequestHead, body: ByteBuffer?) -> AsyncThrowingStream<HTTPClientResponsePart, any Error> {
        let (parts, continuation) = AsyncThrowingStream.makeStream(of: HTTPClientResponsePart.self)
        let exchange = HTTPExchange(head: head, body: body, responseParts: continuation)
        channel.writeAndFlush(exchange).whenFailure { error in
            continuation.finish(throwing: HTTPRequestNotSent(underlying: "\(error)"))
        }
        return parts
    }

    func close() {
        channel.close(promise: nil)
    }
}
