import Foundation
import GRDB

/// The log-structured table behind `SQLiteBackend`, after k3s-io/kine: one row per revision.
///
/// A put or delete appends a row; the latest row of a name is its current state (a tombstone
/// when `deleted`). `prev_revision` links a row to the row it replaced, and the unique
/// `(name, prev_revision)` index makes a second write from the same predecessor fail, so
/// compare-and-swap holds even if two writers ever raced. Names are `BLOB`s so that ranges and
/// ordering are by UTF-8 bytes, like etcd.
enum SQLiteLog {
    static let schema = """
        CREATE TABLE kv (
            id INTEGER PRIMARY KEY,              -- the revision
            name BLOB NOT NULL,
            created INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            create_revision INTEGER NOT NULL,
            prev_revision INTEGER NOT NULL,      -- 0 when nothing was replaced
            value BLOB NOT NULL                  -- for a tombstone, the last value
        );
        CREATE UNIQUE INDEX kv_name_prev_revision ON kv (name, prev_revision);
        CREATE INDEX kv_name_id ON kv (name, id);
        CREATE TABLE store_meta (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO store_meta (name, value) VALUES ('compact_revision', 0);
        """

    /// One write waiting for the group commit.
    enum WriteOp: Sendable {
        case create(key: String, value: [UInt8])
        case update(key: String, value: [UInt8], expectedRevision: Int64)
        case delete(key: String, expectedRevision: Int64?)
    }

    /// The outcome of a group commit, one result per write, and the events of those that succeeded.
    struct AppliedBatch: Sendable {
        var results: [Result<KeyValue, StoreError>] = []
        var events: [StoreEvent] = []
    }

    /// The current and compacted revisions as seen by this transaction.
    static func revisions(_ db: Database) throws -> (current: Int64, compacted: Int64) {
        let maxID = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM kv") ?? 0
        let compacted = try compactRevision(db)
        // A compaction may remove the newest row (a tombstone), and the revision must never go back.
        return (max(1, maxID, compacted), compacted)
    }

    static func compactRevision(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM store_meta WHERE name = 'compact_revision'") ?? 0
    }

    // MARK: Writes

    /// Applies `ops` in order inside the caller's transaction, each with its own check, so a
    /// failed check fails only that write. Throws only for database errors.
    static func apply(_ ops: [WriteOp], in db: Database) throws -> AppliedBatch {
        var revision = try revisions(db).current
        var batch = AppliedBatch()
        batch.results.reserveCapacity(ops.count)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, value)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for op in ops {
            switch op {
            case .create(let key, let value):
                let name = Data(key.utf8)
                let latest = try latestRevision(db, name: name)
                if let latest, !latest.deleted {
                    batch.results.append(.failure(.keyExists(key: key)))
                    continue
                }
                revision += 1
                try insert.execute(arguments: [revision, name, true, false, revision, latest?.revision ?? 0, Data(value)])
                let kv = KeyValue(key: key, value: value, createRevision: revision, modRevision: revision)
                batch.results.append(.success(kv))
                batch.events.append(StoreEvent(type: .put, kv: kv, prevKV: nil))

            case .update(let key, let value, let expectedRevision):
                let name = Data(key.utf8)
                let current: KeyValue
                switch try liveVersion(db, name: name, key: key, expectedRevision: expectedRevision) {
                case .success(let kv): current = kv
                case .failure(let error):
                    batch.results.append(.failure(error))
                    continue
                }
                revision += 1
                try insert.execute(arguments: [revision, name, false, false, current.createRevision, current.modRevision, Data(value)])
                let kv = KeyValue(key: key, value: value, createRevision: current.createRevision, modRevision: revision)
                batch.results.append(.success(kv))
                batch.events.append(StoreEvent(type: .put, kv: kv, prevKV: current))

            case .delete(let key, let expectedRevision):
                let name = Data(key.utf8)
                let current: KeyValue
                switch try liveVersion(db, name: name, key: key, expectedRevision: expectedRevision) {
                case .success(let kv): current = kv
                case .failure(let error):
                    batch.results.append(.failure(error))
                    continue
                }
                revision += 1
                try insert.execute(arguments: [
                    revision, name, false, true, current.createRevision, current.modRevision, Data(current.value),
                ])
                let kv = KeyValue(key: key, value: current.value, createRevision: current.createRevision, modRevision: revision)
                batch.results.append(.success(kv))
                batch.events.append(StoreEvent(type: .delete, kv: kv, prevKV: current))
            }
        }
        return batch
    }

    private static func liveVersion(
        _ db: Database, name: Data, key: String, expectedRevision: Int64?
    ) throws -> Result<KeyValue, StoreError> {
        guard let latest = try latestRow(db, name: name, key: key), !latest.deleted else {
            return .failure(.notFound(key: key))
        }
        if let expectedRevision, expectedRevision != latest.kv.modRevision {
            return .failure(.conflict(key: key, current: latest.kv))
        }
        return .success(latest.kv)
    }

    /// The revision of the newest row of `name` and whether it is a tombstone, without reading its value.
    private static func latestRevision(_ db: Database, name: Data) throws -> (revision: Int64, deleted: Bool)? {
        // One integer (negative for a tombstone) is much cheaper to fetch than a row.
        let statement = try db.cachedStatement(sql: """
            SELECT CASE deleted WHEN 0 THEN id ELSE -id END FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1
            """)
        guard let signed = try Int64.fetchOne(statement, arguments: [name]) else { return nil }
        return (abs(signed), signed < 0)
    }

    /// The newest row of `name` (live or tombstone).
    private static func latestRow(_ db: Database, name: Data, key: String) throws -> (kv: KeyValue, deleted: Bool)? {
        let statement = try db.cachedStatement(sql: """
            SELECT id, deleted, create_revision, value FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1
            """)
        guard let row = try Row.fetchOne(statement, arguments: [name]) else { return nil }
        let kv = KeyValue(key: key, value: bytes(row[3]), createRevision: row[2], modRevision: row[0])
        return (kv, row[1])
    }

    // MARK: Reads

    static func get(_ db: Database, key: String) throws -> KeyValue? {
        guard let latest = try latestRow(db, name: Data(key.utf8), key: key), !latest.deleted else { return nil }
        return latest.kv
    }

    static func list(
        _ db: Database, prefix: String, startAfter: String?, limit: Int?, atRevision: Int64?
    ) throws -> ListResult {
        let (current, compacted) = try revisions(db)
        let readRevision = atRevision ?? current
        if readRevision < compacted {
            throw StoreError.compacted(requested: readRevision, compactRevision: compacted)
        }
        if readRevision > current {
            throw StoreError.futureRevision(requested: readRevision, current: current)
        }
        let range = NameRange(prefix: prefix, after: startAfter)
        var arguments = range.arguments
        arguments += [readRevision]
        // Walks the name index in order and stops at the limit, instead of grouping the whole range.
        var sql = """
            SELECT kv.id, kv.name, kv.create_revision, kv.value FROM kv
            WHERE \(range.conditions) kv.deleted = 0
            AND kv.id = (SELECT MAX(newer.id) FROM kv AS newer WHERE newer.name = kv.name AND newer.id <= ?)
            ORDER BY kv.name
            """
        if let limit {
            sql += " LIMIT ?"
            arguments += [limit + 1]
        }
        var kvs = try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            KeyValue(key: string(row[1]), value: bytes(row[3]), createRevision: row[2], modRevision: row[0])
        }
        var remaining: Int64 = 0
        if let limit, kvs.count > limit {
            kvs.removeLast(kvs.count - limit)
            let rest = NameRange(prefix: prefix, after: kvs.last?.key ?? startAfter)
            remaining = try countLive(db, range: rest, atRevision: readRevision)
        }
        return ListResult(kvs: kvs, revision: readRevision, more: remaining > 0, remaining: remaining)
    }

    static func count(_ db: Database, prefix: String) throws -> Int64 {
        try countLive(db, range: NameRange(prefix: prefix, after: nil), atRevision: revisions(db).current)
    }

    /// Live names in `range` at `revision`: the newest row per name from the covering index, minus tombstones.
    private static func countLive(_ db: Database, range: NameRange, atRevision revision: Int64) throws -> Int64 {
        let sql = """
            SELECT COUNT(*) FROM kv
            JOIN (SELECT MAX(id) AS id FROM kv WHERE \(range.conditions) id <= ? GROUP BY name) AS latest
            ON kv.id = latest.id
            WHERE kv.deleted = 0
            """
        return try Int64.fetchOne(db, sql: sql, arguments: range.arguments + [revision]) ?? 0
    }

    /// Events under `prefix` with revisions in `(after, through]`; throws `compacted` if some may be gone.
    static func events(_ db: Database, prefix: String, after: Int64, through: Int64, limit: Int) throws -> HistoryPage {
        let compacted = try compactRevision(db)
        if after < compacted {
            throw StoreError.compacted(requested: after, compactRevision: compacted)
        }
        let range = NameRange(prefix: prefix, after: nil, column: "r.name")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT r.id, r.name, r.created, r.deleted, r.create_revision, r.value, p.id, p.value
                FROM kv AS r LEFT JOIN kv AS p ON p.id = r.prev_revision AND r.created = 0
                WHERE \(range.conditions) r.id > ? AND r.id <= ?
                ORDER BY r.id LIMIT ?
                """,
            arguments: range.arguments + [after, through, limit]
        )
        let events = rows.map { row -> StoreEvent in
            let key = string(row[1])
            let createRevision: Int64 = row[4]
            let kv = KeyValue(key: key, value: bytes(row[5]), createRevision: createRevision, modRevision: row[0])
            var prevKV: KeyValue?
            if let prevID: Int64 = row[6] {
                prevKV = KeyValue(key: key, value: bytes(row[7]), createRevision: createRevision, modRevision: prevID)
            }
            let deleted: Bool = row[3]
            return StoreEvent(type: deleted ? .delete : .put, kv: kv, prevKV: prevKV)
        }
        let scanned = events.count == limit ? events[events.count - 1].revision : through
        return HistoryPage(events: events, scannedThrough: scanned)
    }

    // MARK: Compaction

    /// Compacts at most `maxRevisions` revisions past the recorded compact revision toward
    /// `target`, in the caller's transaction. Returns the revision now compacted and the rows removed.
    static func compactStep(_ db: Database, target: Int64, maxRevisions: Int64) throws -> (compacted: Int64, removed: Int) {
        let low = try compactRevision(db)
        guard low < target else { return (low, 0) }
        let high = min(target, low + maxRevisions)
        // Rows at or below `low` that something in (low, high] replaced, and (low, high]'s own replaced rows.
        try db.execute(
            sql: "DELETE FROM kv WHERE id IN (SELECT prev_revision FROM kv WHERE id > ? AND id <= ? AND prev_revision != 0)",
            arguments: [low, high]
        )
        var removed = db.changesCount
        try db.execute(sql: "DELETE FROM kv WHERE deleted = 1 AND id > ? AND id <= ?", arguments: [low, high])
        removed += db.changesCount
        try db.execute(sql: "UPDATE store_meta SET value = ? WHERE name = 'compact_revision'", arguments: [high])
        return (high, removed)
    }

    /// Returns up to `maxPages` free pages to the file system when compaction left much of the
    /// file empty; returns how many it released (0 when it is not worth it).
    static func reclaimSpaceStep(_ db: Database, maxPages: Int) throws -> Int {
        let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
        let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        // Freed pages are reused by later writes, so only give them back when it is a lot.
        guard free >= 256, free * 4 >= pages else { return 0 }
        let count = min(free, maxPages)
        try db.execute(sql: "PRAGMA incremental_vacuum(\(count))")
        return count
    }

    // MARK: Helpers

    private static func bytes(_ data: Data) -> [UInt8] {
        [UInt8](data)
    }

    private static func string(_ data: Data) -> String {
        String(decoding: data, as: UTF8.self)
    }
}

/// The `WHERE` conditions selecting names under a prefix and after a key, by bytes.
private struct NameRange {
    /// Conditions each followed by `AND`, so a final condition can be appended.
    var conditions = ""
    var arguments: StatementArguments = []

    init(prefix: String, after: String?, column: String = "kv.name") {
        let prefixBytes = Array(prefix.utf8)
        if !prefixBytes.isEmpty {
            conditions += "\(column) >= ? AND "
            arguments += [Data(prefixBytes)]
            if let end = KeyOrder.rangeEnd(ofPrefix: prefixBytes) {
                conditions += "\(column) < ? AND "
                arguments += [Data(end)]
            }
        }
        if let after {
            conditions += "\(column) > ? AND "
            arguments += [Data(after.utf8)]
        }
    }
}
