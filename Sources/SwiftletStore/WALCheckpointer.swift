import GRDB
import Logging
import Synchronization

/// Copies the WAL back into the database file from its own connection, so that the writer's
/// commits only append to the WAL and fsync it, instead of stopping every few megabytes to
/// checkpoint (SQLite's automatic checkpoint runs inside the committing transaction).
/// A PASSIVE checkpoint takes no writer lock, so it overlaps with the next commits.
final class WALCheckpointer: Sendable {
    private struct State {
        var pendingFrames = false
        var waiter: CheckedContinuation<Void, Never>?
        var stopped = false
    }

    private let connection: DatabaseQueue
    private let path: String
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())

    init(path: String, interval: Duration, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "swiftlet.store.checkpointer"
        configuration.busyMode = .timeout(10)
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.path = path
        self.interval = interval
        self.logger = logger
    }

    /// Called after each commit: there is something to checkpoint.
    func commitHappened() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.pendingFrames = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Checkpoints at most once per `interval` while commits keep coming, until `stop()`.
    func run() async {
        while await nextRound() {
            do {
                try await connection.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
                }
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["path": "\(path)", "error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
        do {
            try connection.close()
        } catch {
            logger.warning("Closing the checkpoint connection failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    func stop() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.stopped = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Waits for a commit since the last round; false once stopped.
    private func nextRound() async -> Bool {
        while true {
            let ready = state.withLock { state -> Bool? in
                if state.stopped { return false }
                if state.pendingFrames {
                    state.pendingFrames = false
                    return true
                }
                return nil
            }
            if let ready { return ready }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.stopped || state.pendingFrames { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
