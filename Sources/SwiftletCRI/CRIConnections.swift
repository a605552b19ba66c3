import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// The client's connections to the runtime's socket, each replaced before containerd's pings add up to what
/// swift-nio-http2 tolerates.
///
/// containerd's gRPC server sends an HTTP/2 PING with nearly every call, and swift-nio-http2 closes a connection
/// that receives more than 200 control frames in 30 s, failing the calls in flight on it (a StartContainer cut
/// off that way may or may not have happened). grpc-swift's transport does not expose that limit, so a
/// connection that has carried `callBudget` calls within the window is retired: new calls go to a fresh
/// connection, and the old one shuts down gracefully once its last call returned.
final class CRIConnections: Sendable {
    typealias Transport = HTTP2ClientTransport.Posix

    /// One HTTP/2 connection with its two CRI services.
    final class Connection: Sendable {
        let grpc: GRPCClient<Transport>
        let runtime: Runtime_V1_RuntimeService.Client<Transport>
        let images: Runtime_V1_ImageService.Client<Transport>

        init(grpc: GRPCClient<Transport>) {
            self.grpc = grpc
            runtime = Runtime_V1_RuntimeService.Client(wrapping: grpc)
            images = Runtime_V1_ImageService.Client(wrapping: grpc)
        }
    }

    private struct State {
        var current: Connection
        /// When the calls on `current` started, within the last `window`.
        var recentCalls: [ContinuousClock.Instant] = []
        /// Calls in flight per connection.
        var inFlight: [ObjectIdentifier: Int] = [:]
        /// Connections no longer handed out, waiting for their last call.
        var retiring: [ObjectIdentifier: Connection] = [:]
        var shutDown = false
    }

    /// Calls one connection may start within `window` (containerd's pings stay well under swift-nio-http2's 200).
    static let callBudget = 120
    static let window = Duration.seconds(30)

    private let makeTransport: @Sendable () throws -> Transport
    private let state: Mutex<State>
    private let opened: AsyncStream<Connection>
    private let openedContinuation: AsyncStream<Connection>.Continuation
    private let rotations = Atomic<Int>(0)

    init(makeTransport: @escaping @Sendable () throws -> Transport) throws {
        self.makeTransport = makeTransport
        let first = Connection(grpc: GRPCClient(transport: try makeTransport()))
        state = Mutex(State(current: first))
        (opened, openedContinuation) = AsyncStream.makeStream(of: Connection.self)
        openedContinuation.yield(first)
    }

    /// How many times a connection was replaced.
    var replacements: Int { rotations.load(ordering: .relaxed) }

    /// Runs every connection opened, until `shutDown()` and their last calls.
    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for await connection in opened {
                group.addTask {
                    do {
                        try await connection.grpc.runConnections()
                    } catch let error as RuntimeError where error.code == .clientIsStopped {
                        // Retired before it ever ran: nothing to run.
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Stops handing out connections and closes them all once their calls returned.
    func shutDown() {
        let connections = state.withLock { state -> [Connection] in
            state.shutDown = true
            return [state.current] + Array(state.retiring.values)
        }
        openedContinuation.finish()
        for connection in connections { connection.grpc.beginGracefulShutdown() }
    }

    /// Runs `body` with a connection that stays open until it returns.
    func withConnection<Result: Sendable>(_ body: (Connection) async throws -> Result) async throws -> Result {
        let connection = acquire()
        defer { release(connection) }
        return try await body(connection)
    }

    private func acquire() -> Connection {
        let now = ContinuousClock.now
        let spent = state.withLock { state -> Bool in
            state.recentCalls.removeAll { now - $0 > Self.window }
            return !state.shutDown && state.recentCalls.count >= Self.callBudget
        }
        // The fresh transport is made outside the lock; it only connects once `run()` runs its client.
        let fresh = spent ? try? Connection(grpc: GRPCClient(transport: makeTransport())) : nil
        var retired: Connection?
        let connection = state.withLock { state -> Connection in
            // Unless another call replaced the connection meanwhile (then `fresh` is dropped unused).
            if let fresh, !state.shutDown, state.recentCalls.count >= Self.callBudget {
                let old = state.current
                let id = ObjectIdentifier(old)
                if (state.inFlight[id] ?? 0) == 0 { retired = old } else { state.retiring[id] = old }
                state.current = fresh
                state.recentCalls = []
                openedContinuation.yield(fresh)
                rotations.add(1, ordering: .relaxed)
            }
            state.recentCalls.append(now)
            state.inFlight[ObjectIdentifier(state.current), default: 0] += 1
            return state.current
        }
        retired?.grpc.beginGracefulShutdown()
        return connection
    }

    private func release(_ connection: Connection) {
        let id = ObjectIdentifier(connection)
        let close = state.withLock { state -> Bool in
            let remaining = (state.inFlight[id] ?? 1) - 1
            state.inFlight[id] = remaining > 0 ? remaining : nil
            guard remaining <= 0, state.retiring[id] != nil else { return false }
            state.retiring[id] = nil
            return true
        }
        if close { connection.grpc.beginGracefulShutdown() }
    }
}
