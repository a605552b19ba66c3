import NIOCore
import NIOHTTP1
import SwiftletAPI

/// Reaches the API server over HTTP/1.1: a small pool of keep-alive connections for requests, and a
/// connection of its own for each watch.
///
/// Plain `http://` only for now; `https://` with the kubeconfig's CA and token comes with authentication
/// (see `connect` below, the one place that will change).
public final class HTTPTransport: APITransport {
    /// The server's scheme, host and port, as given.
    public let server: String
    public let identity: ClientIdentity
    private let host: String
    private let port: Int
    private let pathPrefix: String
    private let pool: HTTPConnectionPool

    /// A transport to `server` (`http://host:port`, optionally with a path prefix).
    ///
    /// Throws `APIError` (bad request) for a URL it cannot use.
    public init(server: String, identity: ClientIdentity, maxConnections: Int = 8) throws {
        let url = try ServerURL(server)
        self.server = server
        self.identity = identity
        self.host = url.host
        self.port = url.port
        self.pathPrefix = url.pathPrefix
        self.pool = HTTPConnectionPool(host: url.host, port: url.port, maxConnections: maxConnections)
    }

    /// A transport to the current context's server of a kubeconfig file.
    public convenience init(kubeconfigPath: String, identity: ClientIdentity, maxConnections: Int = 8) throws {
        let config = try KubeconfigFile.load(path: kubeconfigPath)
        // TLS and bearer tokens (config.certificateAuthorityData, config.token) plug in here once the server serves https.
        try self.init(server: config.server, identity: identity, maxConnections: maxConnections)
    }

    /// Closes idle connections; requests started afterwards fail. Open watches end when their consumers stop.
    public func shutdown() async {
        await pool.shutdown()
    }

    /// How many pooled connections are open, and how many are idle.
    var connectionCounts: (open: Int, idle: Int) {
        get async { await pool.counts }
    }

    public func send(_ request: APIRequest) async throws -> APIResponse {
        let idempotent = request.method == .get || request.method == .put || request.method == .delete
        var attempt = 0
        while true {
            attempt += 1
            let (connection, reused) = try await pool.acquire()
            let response: RawResponse
            do {
                response = try await exchange(request, on: connection)
            } catch let notSent as HTTPRequestNotSent {
                await pool.release(connection, reusable: false)
                // Nothing reached the server, so even a create can go again on a fresh connection.
                if reused && attempt == 1 { continue }
                throw APIError(.serviceUnavailable, "\(notSent)")
            } catch let closed as HTTPConnectionClosed {
                await pool.release(connection, reusable: false)
                // Most likely a kept-alive connection the server closed while it sat idle; an idempotent request
                // is safe to send again either way.
                if reused && idempotent && attempt == 1 { continue }
                throw APIError(.serviceUnavailable, "\(closed)")
            } catch {
                await pool.release(connection, reusable: false)
                throw error
            }
            await pool.release(connection, reusable: response.keepAlive)
            return try response.result()
        }
    }

    public func watch(_ request: APIRequest) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        let connection = try await pool.dedicated()
        let parts = connection.start(head(for: request), body: body(for: request))
        let (events, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        // One task reads the whole response: it reports the head (so that a refused watch throws from this
        // call, as `send` would), then turns body lines into events until the response or the consumer ends.
        let started: Result<Void, any Error> = await withTaskCancellationHandler {
            await withCheckedContinuation { ready in
                let task = Task { await HTTPWatchReader.run(parts: parts, events: continuation, ready: ready) }
                continuation.onTermination = { _ in
                    task.cancel()
                    connection.close()
                }
            }
        } onCancel: {
            connection.close()
        }
        if case .failure(let error) = started {
            connection.close()
            throw error
        }
        return events
    }

    // MARK: one exchange

    private struct RawResponse {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var keepAlive: Bool

        func result() throws -> APIResponse {
            guard (200..<300).contains(status) else { throw APIResponse.error(status: status, body: body) }
            return APIResponse(status: status, headers: headers, body: body)
        }
    }

    private func exchange(_ request: APIRequest, on connection: HTTPConnection) async throws -> RawResponse {
        let parts = connection.start(head(for: request), body: body(for: request))
        return try await withTaskCancellationHandler {
            var response = RawResponse(status: 0, headers: [:], body: [], keepAlive: false)
            for try await part in parts {
                switch part {
                case .head(let head):
                    response.status = Int(head.status.code)
                    response.keepAlive = head.isKeepAlive
                    for field in head.headers {
                        let name = field.name.lowercased()
                        if let existing = response.headers[name] {
                            response.headers[name] = existing + ", " + field.value
                        } else {
                            response.headers[name] = field.value
                        }
                    }
                case .body(let buffer):
                    response.body += buffer.readableBytesView
                case .end:
                    break
                }
            }
            try Task.checkCancellation()
            if response.status == 0 { throw HTTPConnectionClosed() }
            return response
        } onCancel: {
            connection.close()
        }
    }

    private func head(for request: APIRequest) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method.rawValue),
                                   uri: pathPrefix + request.target)
        head.headers.add(name: "Host", value: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        head.headers.add(name: "User-Agent", value: identity.userAgent)
        if request.headers.keys.contains(where: { $0.lowercased() == "accept" }) == false {
            head.headers.add(name: "Accept", value: "application/json")
        }
        for (name, value) in request.headers.sorted(by: { $0.key < $1.key }) {
            head.headers.add(name: name, value: value)
        }
        if let body = request.body {
            head.headers.add(name: "Content-Type", value: request.contentType ?? "application/json")
            head.headers.add(name: "Content-Length", value: String(body.count))
        } else if request.method != .get {
            head.headers.add(name: "Content-Length", value: "0")
        }
        return head
    }

    private func body(for request: APIRequest) -> ByteBuffer? {
        request.body.map { ByteBuffer(bytes: $0) }
    }
}
