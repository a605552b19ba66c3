import NIOCore
import NIOHTTP1
import SwiftletAPI

/// One request handed to a connection's pipeline, with where its response parts go.
struct HTTPExchange: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    var responseParts: AsyncThrowingStream<HTTPClientResponsePart, any Error>.Continuation
}

/// Writes one `HTTPExchange` at a time and forwards the response parts to it, so async code can drive a
/// plain NIO channel without owning its lifetime in a scope (connections outlive single requests in the pool).
final class HTTPExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPExchange
    typealias OutboundOut = HTTPClientRequestPart

    private var current: AsyncThrowingStream<HTTPClientResponsePart, any Error>.Continuation?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        if let previous = current {
            previous.finish(throwing: APIError.internalError("a second request was written before the first response ended"))
        }
        current = exchange.responseParts
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let body = exchange.body {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        guard let current else { return }
        current.yield(part)
        if case .end = part {
            current.finish()
            self.current = nil
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        current?.finish(throwing: APIError.internalError("connection to the API server failed: \(error)"))
        current = nil
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        current?.finish(throwing: HTTPConnectionClosed())
        current = nil
        context.fireChannelInactive()
    }
}

/// The server closed the connection before the response ended.
struct HTTPConnectionClosed: Error, CustomStringConvertible {
    var description: String { "the API server closed the connection" }
}

/// Writing the request failed (the connection was already closed), so the server never saw it.
struct HTTPRequestNotSent: Error, CustomStringConvertible {
    var underlying: String
    var description: String { "cannot send the request to the API server: \(underlying)" }
}
