import GRDB
import Logging
import Synchronization

/// The current and compacted revisions of an SQLite store, as last committed.
final class RevisionTracker: Sendable {
    private struct State {
        var current: Int64
        var compacted: Int64
    }

    private let state: Mutex<State>

    init(current: Int64, compacted: Int64) {
        state = Mutex(State(current: current, compacted: compacted))
    }

    var current: Int64 { state.withLock { $0.current } }
    var compacted: Int64 { state.withLock { $0.compacted } }

    func advance(to revision: Int64) {
        state.withLock { $0.current = max($0.current, revision) }
    }

    func compacted(through revision: Int64) {
        state.withLock { $0.compacted = max($0.compacted, revision) }
    }
}

/// The single writer of an SQLite store: takes every waiting write, applies them in one
/// transaction (one fsync), publishes the committed events to watchers, then acknowledges each.
struct GroupCommitter: Sendable {
    let pool: DatabasePool
    let path: String
    let queue: WriteQueue
    let broadcaster: WatchBroadcaster
    let revisions: RevisionTracker
    let checkpointer: WALCheckpointer
    let options: StoreOptions
    let logger: Logger

    /// Runs until the queue is closed and drained.
    func run() async {
        while let batch = await queue.nextBatch(limit: options.maxWriteBatch) {
            let applied = await commit(batch.map(\.op))
            if let last = applied.events.last {
                checkpointer.commitHappened()
                revisions.advance(to: last.revision)
                broadcaster.publish(applied.events)
            }
            for (pending, result) in zip(batch, applied.results) {
                pending.continuation.resume(with: result)
            }
        }
    }

    private func commit(_ ops: [SQLiteLog.WriteOp]) async -> SQLiteLog.AppliedBatch {
        do {
            return try await pool.write { db in try SQLiteLog.apply(ops, in: db) }
        } catch {
            // Checks never throw; only the database does. Retry alone so one bad write fails alone.
            logger.error(
                "Group commit failed",
                metadata: ["path": "\(path)", "writes": "\(ops.count)", "error": "\(error)"]
            )
            guard ops.count > 1 else {
                return SQLiteLog.AppliedBatch(results: [.failure(.internal("writing to \(path) failed: \(error)"))])
            }
            var combined = SQLiteLog.AppliedBatch()
            for op in ops {
                do {
                    let one = try await pool.write { db in try SQLiteLog.apply([op], in: db) }
                    combined.results += one.results
                    combined.events += one.events
                } catch {
                    combined.results.append(.failure(.internal("writing to \(path) failed: \(error)")))
                }
            }
            return combined
        }
    }
}
