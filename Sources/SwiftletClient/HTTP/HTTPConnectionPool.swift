import SwiftletAPI

/// A few keep-alive connections to one server, lent out one request at a time.
///
/// At most `maxConnections` are open for ordinary requests; further callers wait for one to come back.
/// Watches do not come from here: each holds its own connection for as long as it runs.
actor HTTPConnectionPool {
    private let host: String
    private let port: Int
    private let maxConnections: Int
    private var idle: [HTTPConnection] = []
    private var open = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var closed = false

    init(host: String, port: Int, maxConnections: Int) {
        self.host = host
        self.port = port
        self.maxConnections = max(1, maxConnections)
    }

    /// A connection for one request, and whether it was used before (a reused one may have been closed
    /// by the server meanwhile, which makes a failed idempotent request worth one retry).
    func acquire() async throws -> (connection: HTTPConnection, reused: Bool) {
        while true {
            if closed { throw APIError(.serviceUnavailable, "the API client was shut down") }
            if Task.isCancelled {
                // Pass on a wake-up this caller may have taken from another waiter.
                wakeOne()
                throw CancellationError()
            }
            while let connection = idle.popLast() {
                if connection.isActive { return (connection, true) }
                open -= 1
            }
            if open < maxConnections {
                open += 1
                do {
                    return (try await HTTPConnection.connect(host: host, port: port), false)
                } catch {
                    open -= 1
                    wakeOne()
                    throw error
                }
            }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    /// Returns a connection after its response ended; one not fit for reuse is closed.
    func release(_ connection: HTTPConnection, reusable: Bool) {
        if reusable && connection.isActive && !closed {
            idle.append(connection)
        } else {
            connection.close()
            open -= 1
        }
        wakeOne()
    }

    /// How many pooled connections are open (idle or lent out), and how many of them are idle.
    var counts: (open: Int, idle: Int) { (open, idle.count) }

    /// A new connection outside the pool's limit, for a watch.
    func dedicated() async throws -> HTTPConnection {
        try await HTTPConnection.connect(host: host, port: port)
    }

    /// Closes the idle connections; connections in use close when released.
    func shutdown() {
        closed = true
        for connection in idle { connection.close() }
        open -= idle.count
        idle.removeAll()
        let all = waiters
        waiters.removeAll()
        for w in all { w.resume() }
    }

    private func wakeOne() {
        if !waiters.isEmpty { waiters.removeFirst().resume() }
    }
}
