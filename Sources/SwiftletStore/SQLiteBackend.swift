import Foundation
import GRDB
import Logging
import Synchronization

/// The embedded store: a log-structured SQLite table (WAL, `synchronous=FULL`) with group commit.
///
/// Every acknowledged write is durable. Concurrent writes share one transaction and one fsync.
/// Only one `SQLiteBackend` may write a database file at a time (one server per data dir).
public final class SQLiteBackend: StoreBackend {
    /// The database file.
    public let path: String
    private let pool: DatabasePool
    private let queue = WriteQueue()
    private let broadcaster: WatchBroadcaster
    private let revisions: RevisionTracker
    private let checkpointer: WALCheckpointer
    private let tasks = Mutex<(committer: Task<Void, Never>?, checkpointer: Task<Void, Never>?)>((nil, nil))
    private let closed = Atomic<Bool>(false)
    private let logger: Logger

    /// Revisions compacted per transaction, so a large compaction never holds up writes for long.
    private static let compactionStep: Int64 = 2_000

    /// Opens (creating when missing, with its parent directories) the database at `path` and starts its writer.
    public static func open(
        path: String,
        options: StoreOptions = StoreOptions(),
        logger: Logger = Logger(label: "swiftlet.store.sqlite")
    ) async throws -> SQLiteBackend {
        let pool: DatabasePool
        let checkpointer: WALCheckpointer
        let revisions: (current: Int64, compacted: Int64)
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
                )
            }
            pool = try SQLiteSchema.openPool(path: path)
            checkpointer = try WALCheckpointer(path: path, interval: .milliseconds(200), logger: logger)
            revisions = try await pool.read { db in try SQLiteLog.revisions(db) }
        } catch {
            throw StoreError.internal("cannot open the SQLite store at \(path): \(error)")
        }
        let backend = SQLiteBackend(
            path: path, pool: pool, checkpointer: checkpointer, revisions: revisions, options: options, logger: logger
        )
        backend.startTasks(options: options)
        logger.info(
            "Opened the SQLite store",
            metadata: ["path": "\(path)", "revision": "\(revisions.current)", "compacted": "\(revisions.compacted)"]
        )
        return backend
    }

    private init(
        path: String,
        pool: DatabasePool,
        checkpointer: WALCheckpointer,
        revisions: (current: Int64, compacted: Int64),
        options: StoreOptions,
        logger: Logger
    ) {
        self.path = path
        self.pool = pool
        self.checkpointer = checkpointer
        self.revisions = RevisionTracker(current: revisions.current, compacted: revisions.compacted)
        self.broadcaster = WatchBroadcaster(revision: revisions.current, options: options, logger: logger)
        self.logger = logger
    }

    deinit {
        // Lets the background tasks end if the backend is dropped without `close()`.
        queue.close()
        checkpointer.stop()
    }

    private func startTasks(options: StoreOptions) {
        // Neither task references the backend, so dropping the backend ends them (see deinit).
        let committer = GroupCommitter(
            pool: pool, path: path, queue: queue, broadcaster: broadcaster,
            revisions: revisions, checkpointer: checkpointer, options: options, logger: logger
        )
        let checkpointer = self.checkpointer
        tasks.withLock {
            $0 = (Task { await committer.run() }, Task { await checkpointer.run() })
        }
    }

    // MARK: Reads

    public func get(_ key: String) async throws -> KeyValue? {
        try await read { db in try SQLiteLog.get(db, key: key) }
    }

    public func list(prefix: String, startAfter: String?, limit: Int?, atRevision: Int64?) async throws -> ListResult {
        let limit = limit.flatMap { $0 > 0 ? $0 : nil }
        return try await read { db in
            try SQLiteLog.list(db, prefix: prefix, startAfter: startAfter, limit: limit, atRevision: atRevision)
        }
    }

    public func count(prefix: String) async throws -> Int64 {
        try await read { db in try SQLiteLog.count(db, prefix: prefix) }
    }

    public func currentRevision() async throws -> Int64 {
        try checkOpen()
        return revisions.current
    }

    public func compactedRevision() async throws -> Int64 {
        try checkOpen()
        return revisions.compacted
    }

    // MARK: Writes

    public func create(_ key: String, value: [UInt8]) async throws -> KeyValue {
        try checkOpen()
        return try await queue.submit(.create(key: key, value: value))
    }

    public func update(_ key: String, value: [UInt8], expectedRevision: Int64) async throws -> KeyValue {
        try checkOpen()
        return try await queue.submit(.update(key: key, value: value, expectedRevision: expectedRevision))
    }

    public func delete(_ key: String, expectedRevision: Int64?) async throws -> KeyValue {
        try checkOpen()
        return try await queue.submit(.delete(key: key, expectedRevision: expectedRevision))
    }

    // MARK: Watch and compaction

    public func watch(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<[StoreEvent], any Error> {
        try checkOpen()
        let fromRevision = max(0, fromRevision)
        let compacted = revisions.compacted
        if fromRevision < compacted {
            throw StoreError.compacted(requested: fromRevision, compactRevision: compacted)
        }
        let pool = self.pool
        let path = self.path
        return try broadcaster.subscribe(prefix: prefix, after: fromRevision) { prefix, after, through, limit in
            try await Self.mapErrors(path: path) {
                try await pool.read { db in
                    try SQLiteLog.events(db, prefix: prefix, after: after, through: through, limit: limit)
                }
            }
        }
    }

    public func compact(revision target: Int64) async throws {
        try checkOpen()
        let current = revisions.current
        if target > current {
            throw StoreError.futureRevision(requested: target, current: current)
        }
        guard target > revisions.compacted else { return }
        var removed = 0
        var compacted: Int64 = 0
        while compacted < target {
            let step = try await write { db in
                try SQLiteLog.compactStep(db, target: target, maxRevisions: Self.compactionStep)
            }
            revisions.compacted(through: step.compacted)
            compacted = step.compacted
            removed += step.removed
        }
        var freedPages = 0
        while removed > 0 {
            // In steps, so that writes get the lock in between.
            let freed = try await Self.mapErrors(path: path) {
                try await pool.writeWithoutTransaction { db in try SQLiteLog.reclaimSpaceStep(db, maxPages: 2_048) }
            }
            if freed == 0 { break }
            freedPages += freed
        }
        logger.info(
            "Compacted the SQLite store",
            metadata: ["revision": "\(target)", "rowsRemoved": "\(removed)", "pagesFreed": "\(freedPages)"]
        )
    }

    public func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        queue.close()
        let tasks = self.tasks.withLock { $0 }
        await tasks.committer?.value
        checkpointer.stop()
        await tasks.checkpointer?.value
        broadcaster.close()
        do {
            try pool.close()
        } catch {
            logger.warning("Closing the SQLite store failed", metadata: ["path": "\(path)", "error": "\(error)"])
        }
        logger.info("Closed the SQLite store", metadata: ["path": "\(path)"])
    }

    // MARK: Introspection

    /// The number of open watches.
    public var watcherCount: Int { broadcaster.watcherCount }

    /// The number of rows in the log (live versions, superseded versions and tombstones).
    public func rowCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM kv") ?? 0 }
    }

    // MARK: Internals

    private func checkOpen() throws {
        if closed.load(ordering: .acquiring) { throw StoreError.closed }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        return try await Self.mapErrors(path: path) { try await self.pool.read(body) }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        return try await Self.mapErrors(path: path) { try await self.pool.write(body) }
    }

    /// Passes store errors and cancellation through; wraps database failures with the path.
    private static func mapErrors<T>(path: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw StoreError.internal("SQLite store at \(path): \(error)")
        }
    }
}

extension SQLiteBackend {
    /// The writer connection's value of `PRAGMA name` (for diagnostics and tests).
    func writerPragma(_ name: String) async throws -> String? {
        try await Self.mapErrors(path: path) {
            try await pool.writeWithoutTransaction { db -> String? in
                switch try DatabaseValue.fetchOne(db, sql: "PRAGMA \(name)")?.storage {
                case .int64(let value): return String(value)
                case .string(let value): return value
                default: return nil
                }
            }
        }
    }
}
