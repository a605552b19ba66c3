import Collections
import SwiftletAPI

/// One watch event as delivered to a watcher: the type upstream names and the object.
public struct WatchDelivery: Sendable {
    public var type: String
    public var object: CachedObject
}

/// The in-memory state of one resource plus its recent history, serving LIST and WATCH without touching the store.
///
/// Fed in revision order by the `CacheDispatcher`; like the kube-apiserver's cacher, it keeps a window of
/// recent events so that watches can resume from a resourceVersion, and answers 410 for older ones.
public actor WatchCache {
    public let resource: APIResourceInfo
    private var objects: [String: CachedObject] = [:]
    private var sortedKeysCache: [String]?
    private var history: Deque<CacheEvent> = []
    private let historyCapacity: Int
    /// Watches may start from any revision at or after this one.
    private var oldestRevision: Int64 = 0
    private var watchers: [Int: Watcher] = [:]
    private var nextWatcherID = 0
    private let watcherBuffer: Int

    private struct Watcher {
        var filter: WatchFilter
        var continuation: AsyncStream<WatchDelivery>.Continuation
    }

    public init(resource: APIResourceInfo, historyCapacity: Int = 10_000, watcherBuffer: Int = 10_000) {
        self.resource = resource
        self.historyCapacity = historyCapacity
        self.watcherBuffer = watcherBuffer
    }

    /// Replaces the whole state, as after the initial list of the store at `revision`.
    public func reset(objects list: [CachedObject], revision: Int64) {
        objects = Dictionary(list.map { ($0.key, $0) }, uniquingKeysWith: { _, b in b })
        sortedKeysCache = nil
        history.removeAll()
        oldestRevision = revision
        for (_, w) in watchers { w.continuation.finish() }
        watchers.removeAll()
    }

    /// Applies store changes in revision order, working out added/modified from what the cache holds.
    public func apply(_ changes: [StoreChange]) {
        var events: [CacheEvent] = []
        events.reserveCapacity(changes.count)
        for change in changes {
            switch change {
            case .put(let object):
                let previous = objects[object.key]
                events.append(CacheEvent(kind: previous == nil ? .added : .modified, object: object, previous: previous))
                apply(events.last!)
            case .delete(let key, let revision, let lastValue):
                let previous = objects[key]
                guard let last = previous?.object ?? lastValue else { continue }
                events.append(CacheEvent(kind: .deleted, object: CachedObject(key: key, object: last, revision: revision), previous: previous))
                apply(events.last!)
            }
        }
    }

    private func apply(_ event: CacheEvent) {
        do {
            switch event.kind {
            case .added, .modified:
                if objects.updateValue(event.object, forKey: event.object.key) == nil { sortedKeysCache = nil }
            case .deleted:
                if objects.removeValue(forKey: event.object.key) != nil { sortedKeysCache = nil }
            }
            history.append(event)
            if history.count > historyCapacity, let evicted = history.popFirst() {
                oldestRevision = evicted.revision
            }
            if !watchers.isEmpty { dispatch(event) }
        }
    }

    private func dispatch(_ event: CacheEvent) {
        var slow: [Int] = []
        for (id, watcher) in watchers {
            guard let delivery = Self.delivery(for: event, filter: watcher.filter) else { continue }
            if case .dropped = watcher.continuation.yield(delivery) { slow.append(id) }
        }
        for id in slow {
            watchers.removeValue(forKey: id)?.continuation.finish()
        }
    }

    private static func delivery(for event: CacheEvent, filter: WatchFilter) -> WatchDelivery? {
        let current = filter.matches(event.object)
        switch event.kind {
        case .added:
            return current ? WatchDelivery(type: "ADDED", object: event.object) : nil
        case .deleted:
            return current ? WatchDelivery(type: "DELETED", object: event.object) : nil
        case .modified:
            let before = event.previous.map { filter.matches($0) } ?? false
            switch (before, current) {
            case (true, true): return WatchDelivery(type: "MODIFIED", object: event.object)
            case (false, true): return WatchDelivery(type: "ADDED", object: event.object)
            case (true, false):
                let previous = event.previous!
                let gone = CachedObject(key: previous.key, object: previous.object, revision: event.revision)
                return WatchDelivery(type: "DELETED", object: gone)
            case (false, false): return nil
            }
        }
    }

    /// The objects matching `filter`, sorted by key, starting after `startAfter`, at most `limit`.
    /// Returns whether more remain and how many.
    public func list(filter: WatchFilter, startAfter: String? = nil, limit: Int? = nil) -> (items: [CachedObject], remaining: Int) {
        if let name = filter.name {
            let key = resource.storageKey(namespace: filter.namespace, name: name)
            if let o = objects[key], filter.matches(o) { return ([o], 0) }
            return ([], 0)
        }
        if sortedKeysCache == nil { sortedKeysCache = objects.keys.sorted() }
        let keys = sortedKeysCache!
        var start = 0
        let prefix = filter.namespace.map { resource.storagePrefix + $0 + "/" }
        if let startAfter {
            start = lowerBound(keys, startAfter)
            if start < keys.count, keys[start] == startAfter { start += 1 }
        } else if let prefix {
            start = lowerBound(keys, prefix)
        }
        var items: [CachedObject] = []
        var remaining = 0
        var i = start
        while i < keys.count {
            let key = keys[i]
            i += 1
            if let prefix, !key.hasPrefix(prefix) { break }
            guard let o = objects[key], filter.matches(o) else { continue }
            if let limit, items.count >= limit {
                remaining += 1
                continue
            }
            items.append(o)
        }
        return (items, remaining)
    }

    private func lowerBound(_ keys: [String], _ value: String) -> Int {
        var lo = 0, hi = keys.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if keys[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    public func get(key: String) -> CachedObject? { objects[key] }

    public var count: Int { objects.count }

    /// Starts a watch. From `nil` (or 0): synthetic ADDED events for what exists, then live changes.
    /// From a revision: every matching change after it, or `expired` when the history no longer reaches back.
    public func watch(filter: WatchFilter, from revision: Int64?, currentRevision: Int64) throws(APIError) -> (stream: AsyncStream<WatchDelivery>, initialEvents: Int) {
        var initial: [WatchDelivery] = []
        if let revision, revision > 0 {
            if revision < oldestRevision {
                throw APIError.expired("too old resource version: \(revision) (\(oldestRevision))")
            }
            for event in history where event.revision > revision {
                if let d = Self.delivery(for: event, filter: filter) { initial.append(d) }
            }
        } else {
            initial = list(filter: filter).items.map { WatchDelivery(type: "ADDED", object: $0) }
        }
        let (stream, continuation) = AsyncStream.makeStream(of: WatchDelivery.self,
                                                            bufferingPolicy: .bufferingOldest(watcherBuffer + initial.count))
        for d in initial { continuation.yield(d) }
        let id = nextWatcherID
        nextWatcherID += 1
        watchers[id] = Watcher(filter: filter, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.removeWatcher(id) }
        }
        return (stream, revision == nil || revision == 0 ? initial.count : 0)
    }

    private func removeWatcher(_ id: Int) {
        watchers.removeValue(forKey: id)
    }

    public var watcherCount: Int { watchers.count }

    /// Ends every watch, as when the server stops.
    public func closeAll() {
        for (_, w) in watchers { w.continuation.finish() }
        watchers.removeAll()
    }
}
