import Logging

/// An in-memory store with the same semantics as the SQLite one (history, compaction, watch),
/// for tests and simulation. Nothing survives the process.
public actor MemoryBackend: StoreBackend {
    /// One version of one key; a tombstone keeps the last value.
    private struct Version {
        var revision: Int64
        var createRevision: Int64
        var value: [UInt8]
        var deleted: Bool
    }

    /// Versions per key, ascending; a key whose history is compacted away is removed.
    private var history: [String: [Version]] = [:]
    /// Every event after the compacted revision, ascending: the source of watch replays.
    private var log: [StoreEvent] = []
    /// Keys of `history` in byte order; rebuilt lazily after new keys appear, since lists are rare.
    private var sortedKeys: [String]? = []
    private var revision: Int64 = 1
    private var compactRevision: Int64 = 0
    private var closed = false
    private let broadcaster: WatchBroadcaster
    private let options: StoreOptions

    public init(options: StoreOptions = StoreOptions(), logger: Logger = Logger(label: "swiftlet.store.memory")) {
        self.options = options
        self.broadcaster = WatchBroadcaster(revision: 1, options: options, logger: logger)
    }

    // MARK: Reads

    public func get(_ key: String) throws -> KeyValue? {
        try checkOpen()
        guard let last = history[key]?.last, !last.deleted else { return nil }
        return KeyValue(key: key, value: last.value, createRevision: last.createRevision, modRevision: last.revision)
    }

    public func list(prefix: String, startAfter: String?, limit: Int?, atRevision: Int64?) throws -> ListResult {
        try checkOpen()
        let readRevision = atRevision ?? revision
        if readRevision < compactRevision {
            throw StoreError.compacted(requested: readRevision, compactRevision: compactRevision)
        }
        if readRevision > revision {
            throw StoreError.futureRevision(requested: readRevision, current: revision)
        }
        let limit = limit.flatMap { $0 > 0 ? $0 : nil }
        let keys = orderedKeys()
        var index = firstIndex(in: keys, notBefore: prefix)
        if let startAfter {
            index = max(index, firstIndex(in: keys, after: startAfter))
        }
        var kvs: [KeyValue] = []
        var remaining: Int64 = 0
        while index < keys.count, KeyOrder.hasPrefix(keys[index], prefix) {
            let key = keys[index]
            index += 1
            guard let version = latest(of: key, atOrBefore: readRevision), !version.deleted else { continue }
            if let limit, kvs.count >= limit {
                remaining += 1
            } else {
                kvs.append(KeyValue(key: key, value: version.value, createRevision: version.createRevision, modRevision: version.revision))
            }
        }
        return ListResult(kvs: kvs, revision: readRevision, more: remaining > 0, remaining: remaining)
    }

    public func count(prefix: String) throws -> Int64 {
        try checkOpen()
        var count: Int64 = 0
        for (key, versions) in history where KeyOrder.hasPrefix(key, prefix) && versions.last?.deleted == false {
            count += 1
        }
        return count
    }

    public func currentRevision() throws -> Int64 {
        try checkOpen()
        return revision
    }

    public func compactedRevision() throws -> Int64 {
        try checkOpen()
        return compactRevision
    }

    // MARK: Writes

    public func create(_ key: String, value: [UInt8]) throws -> KeyValue {
        try checkOpen()
        if let last = history[key]?.last, !last.deleted {
            throw StoreError.keyExists(key: key)
        }
        let next = revision + 1
        let kv = KeyValue(key: key, value: value, createRevision: next, modRevision: next)
        commit(key: key, version: Version(revision: next, createRevision: next, value: value, deleted: false),
               event: StoreEvent(type: .put, kv: kv, prevKV: nil))
        return kv
    }

    public func update(_ key: String, value: [UInt8], expectedRevision: Int64) throws -> KeyValue {
        let current = try liveVersion(of: key, expectedRevision: expectedRevision)
        let next = revision + 1
        let kv = KeyValue(key: key, value: value, createRevision: current.createRevision, modRevision: next)
        commit(key: key, version: Version(revision: next, createRevision: current.createRevision, value: value, deleted: false),
               event: StoreEvent(type: .put, kv: kv, prevKV: current))
        return kv
    }

    public func delete(_ key: String, expectedRevision: Int64?) throws -> KeyValue {
        let current = try liveVersion(of: key, expectedRevision: expectedRevision)
        let next = revision + 1
        let kv = KeyValue(key: key, value: current.value, createRevision: current.createRevision, modRevision: next)
        commit(key: key, version: Version(revision: next, createRevision: current.createRevision, value: current.value, deleted: true),
               event: StoreEvent(type: .delete, kv: kv, prevKV: current))
        return kv
    }

    // MARK: Watch and compaction

    public func watch(prefix: String, fromRevision: Int64) throws -> AsyncThrowingStream<[StoreEvent], any Error> {
        try checkOpen()
        let fromRevision = max(0, fromRevision)
        if fromRevision < compactRevision {
            throw StoreError.compacted(requested: fromRevision, compactRevision: compactRevision)
        }
        return try broadcaster.subscribe(prefix: prefix, after: fromRevision) { [weak self] prefix, after, through, limit in
            guard let self else { throw StoreError.closed }
            return try await self.events(prefix: prefix, after: after, through: through, limit: limit)
        }
    }

    public func compact(revision target: Int64) throws {
        try checkOpen()
        if target > revision {
            throw StoreError.futureRevision(requested: target, current: revision)
        }
        guard target > compactRevision else { return }
        for (key, versions) in history {
            // Keep every version after the target, and the one in force at the target if it is live.
            let firstAfter = versions.firstIndex { $0.revision > target } ?? versions.count
            var kept = Array(versions[firstAfter...])
            if firstAfter > 0, !versions[firstAfter - 1].deleted {
                kept.insert(versions[firstAfter - 1], at: 0)
            }
            if kept.isEmpty {
                history[key] = nil
                sortedKeys = nil
            } else if kept.count != versions.count {
                history[key] = kept
            }
        }
        log.removeFirst(firstLogIndex(after: target))
        compactRevision = target
    }

    public func close() {
        closed = true
        broadcaster.close()
    }

    /// The number of open watches.
    public nonisolated var watcherCount: Int { broadcaster.watcherCount }

    /// The number of stored versions (live, superseded and tombstones), to observe compaction.
    public func versionCount() -> Int {
        history.values.reduce(0) { $0 + $1.count }
    }

    // MARK: Internals

    private func checkOpen() throws {
        if closed { throw StoreError.closed }
    }

    private func liveVersion(of key: String, expectedRevision: Int64?) throws -> KeyValue {
        try checkOpen()
        guard let last = history[key]?.last, !last.deleted else { throw StoreError.notFound(key: key) }
        let current = KeyValue(key: key, value: last.value, createRevision: last.createRevision, modRevision: last.revision)
        if let expectedRevision, expectedRevision != last.revision {
            throw StoreError.conflict(key: key, current: current)
        }
        return current
    }

    private func commit(key: String, version: Version, event: StoreEvent) {
        if history[key] == nil {
            history[key] = [version]
            sortedKeys = nil
        } else {
            history[key]!.append(version)
        }
        revision = version.revision
        log.append(event)
        broadcaster.publish([event])
    }

    private func latest(of key: String, atOrBefore target: Int64) -> Version? {
        history[key]?.last { $0.revision <= target }
    }

    private func orderedKeys() -> [String] {
        if let sortedKeys { return sortedKeys }
        let keys = history.keys.sorted(by: KeyOrder.precedes)
        sortedKeys = keys
        return keys
    }

    private func firstIndex(in keys: [String], notBefore bound: String) -> Int {
        partition(keys) { KeyOrder.precedes($0, bound) }
    }

    private func firstIndex(in keys: [String], after bound: String) -> Int {
        partition(keys) { !KeyOrder.precedes(bound, $0) }
    }

    /// The first index where `isBefore` turns false (it must be true for a prefix of `keys`).
    private func partition(_ keys: [String], isBefore: (String) -> Bool) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if isBefore(keys[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func firstLogIndex(after target: Int64) -> Int {
        var low = 0
        var high = log.count
        while low < high {
            let middle = (low + high) / 2
            if log[middle].revision <= target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func events(prefix: String, after: Int64, through: Int64, limit: Int) throws -> HistoryPage {
        try checkOpen()
        if after < compactRevision {
            throw StoreError.compacted(requested: after, compactRevision: compactRevision)
        }
        var events: [StoreEvent] = []
        var index = firstLogIndex(after: after)
        while index < log.count, log[index].revision <= through {
            let event = log[index]
            index += 1
            if KeyOrder.hasPrefix(event.kv.key, prefix) {
                events.append(event)
                if events.count == limit {
                    return HistoryPage(events: events, scannedThrough: event.revision)
                }
            }
        }
        return HistoryPage(events: events, scannedThrough: through)
    }
}
