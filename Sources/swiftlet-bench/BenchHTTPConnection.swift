import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive HTTP/1.1 connection to the API server, used by one benchmark worker at a time.
///
/// Written on NIO directly because the benchmark needs to see watch events the moment their bytes
/// arrive, which a collect-the-whole-body client cannot show.
struct BenchHTTPConnection {
    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    let host: String

    /// Opens a connection and runs `body` with it, closing it afterwards.
    static func with<T: Sendable>(host: String, port: Int, _ body: (inout BenchHTTPConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = BenchHTTPConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound, host: host)
            return try await body(&connection)
        }
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]?) async throws {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Accept", value: "application/json")
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.count))
        }
        try await outbound.write(.head(head))
        if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        try await outbound.write(.end(nil))
    }

    /// Sends a request and reads the whole response.
    mutating func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> (status: Int, body: [UInt8]) {
        try await send(method, path, body: body)
        var status = 0
        var bytes: [UInt8] = []
        while let part = try await inbound.next() {
            switch part {
            case .head(let head): status = Int(head.status.code)
            case .body(let buffer): bytes += buffer.readableBytesView
            case .end: return (status, bytes)
            }
        }
        throw BenchError("connection closed mid-response")
    }

    /// Sends a streaming request (a watch) and hands each newline-terminated line to `onLine` as it arrives.
    mutating func stream(_ path: String, onLine: ([UInt8]) -> Bool) async throws {
        try await send(.GET, path, body: nil)
        var pending: [UInt8] = []
        while let part = try await inbound.next() {
            switch part {
            case .head: continue
            case .body(let buffer):
                pending += buffer.readableBytesView
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if !onLine(line) { return }
                }
            case .end: return
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
