/// A revisioned key-value store with etcd semantics.
///
/// Every write (create, update, delete) gets the next value of one global revision. Keys are
/// ordered and prefix-matched as UTF-8 bytes. History is kept until `compact(revision:)`, so
/// reads at an older revision and watches from an older revision work until then. A fresh store
/// is at revision 1, so the first write gets revision 2 (as etcd); revision 0 never names data.
public protocol StoreBackend: Sendable {
    /// The latest live version of `key`, or nil.
    func get(_ key: String) async throws -> KeyValue?

    /// Live keys starting with `prefix`, strictly after `startAfter`, in UTF-8 byte order, at most `limit`.
    ///
    /// `atRevision` nil reads the latest revision. Throws `compacted` for a revision older than the
    /// compacted one and `futureRevision` for one not yet written.
    func list(prefix: String, startAfter: String?, limit: Int?, atRevision: Int64?) async throws -> ListResult

    /// The number of live keys starting with `prefix` at the latest revision.
    func count(prefix: String) async throws -> Int64

    /// Creates `key`; throws `keyExists` when it is live. Returns the new version.
    func create(_ key: String, value: [UInt8]) async throws -> KeyValue

    /// Replaces the value of `key` if its mod revision is `expectedRevision`.
    ///
    /// Throws `notFound` when the key is not live and `conflict` (with the current version) when the
    /// revision differs. Returns the new version.
    func update(_ key: String, value: [UInt8], expectedRevision: Int64) async throws -> KeyValue

    /// Deletes `key`, if `expectedRevision` is given only when its mod revision matches.
    ///
    /// Returns the deleted key with its last value and the delete's revision in `modRevision`.
    /// Throws `notFound` or `conflict` like `update`.
    func delete(_ key: String, expectedRevision: Int64?) async throws -> KeyValue

    /// The revision of the last acknowledged write (1 for a fresh store).
    func currentRevision() async throws -> Int64

    /// The revision the store was last compacted at (0 when never).
    func compactedRevision() async throws -> Int64

    /// Every event under `prefix` with a revision greater than `fromRevision`, in revision order, in batches.
    ///
    /// History is replayed first, then live events follow. Throws `compacted` when revision
    /// `fromRevision + 1` may have been compacted away. The stream ends when the consuming task is
    /// cancelled or the store closes, and fails with `watcherTooSlow` when the consumer falls too
    /// far behind (it should re-list) or `compacted` when compaction overtakes a replay in progress.
    /// A `fromRevision` in the future is allowed: events start once the store gets there.
    func watch(prefix: String, fromRevision: Int64) async throws -> AsyncThrowingStream<[StoreEvent], any Error>

    /// Drops history superseded at or before `revision` (and deleted keys' tombstones), so that
    /// reads and watches below `revision` fail with `compacted`.
    ///
    /// A revision at or below the current compacted one does nothing; one above the current
    /// revision throws `futureRevision`.
    func compact(revision: Int64) async throws

    /// Finishes pending writes, ends all watches and releases the backend; later calls throw `closed`.
    func close() async
}

/// Tuning shared by the backends.
public struct StoreOptions: Sendable {
    /// Events a watcher may have waiting before it is ended with `watcherTooSlow`.
    public var watchBufferLimit: Int
    /// Events handed to a watcher per batch while replaying history.
    public var replayBatchSize: Int
    /// The most writes one group commit applies in a transaction (SQLite).
    public var maxWriteBatch: Int

    public init(watchBufferLimit: Int = 10_000, replayBatchSize: Int = 1_000, maxWriteBatch: Int = 1_000) {
        self.watchBufferLimit = watchBufferLimit
        self.replayBatchSize = replayBatchSize
        self.maxWriteBatch = maxWriteBatch
    }
}
