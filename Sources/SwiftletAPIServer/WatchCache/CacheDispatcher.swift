import Logging
import SwiftletAPI
import SwiftletStore

/// Keeps every resource's `WatchCache` in step with the store: one initial list, then one watch of
/// the whole registry, routing each change to the cache of its resource in revision order.
public final class CacheDispatcher: Sendable {
    public let store: any StoreBackend
    public let progress = RevisionProgress()
    /// Objects this server is writing right now, so the cache need not parse their bytes back.
    public let writeHints = WriteHints()
    private let caches: [String: WatchCache]
    private let logger: Logger

    public init(store: any StoreBackend, resources: [APIResourceInfo], logger: Logger) {
        self.store = store
        self.logger = logger
        var caches: [String: WatchCache] = [:]
        for r in resources { caches[r.storagePrefix] = WatchCache(resource: r) }
        self.caches = caches
    }

    public func cache(for resource: APIResourceInfo) -> WatchCache? { caches[resource.storagePrefix] }

    private func cache(forKey key: String) -> WatchCache? {
        // Prefixes look like /registry/<plural>/ or /registry/<group>/<plural>/.
        let parts = key.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: true)
        guard parts.count >= 2 else { return nil }
        if let c = caches["/registry/\(parts[1])/"] { return c }
        if parts.count >= 3, let c = caches["/registry/\(parts[1])/\(parts[2])/"] { return c }
        return nil
    }

    static func parse(_ kv: KeyValue) -> JSONValue? {
        try? JSONParser.parse(kv.value)
    }

    /// Loads the current state into every cache; returns the revision it was read at.
    public func prime() async throws -> Int64 {
        let result = try await store.list(prefix: "/registry/", startAfter: nil, limit: nil, atRevision: nil)
        var grouped: [ObjectIdentifier: (WatchCache, [CachedObject])] = [:]
        for kv in result.kvs {
            guard let cache = cache(forKey: kv.key), let value = Self.parse(kv) else { continue }
            let id = ObjectIdentifier(cache)
            grouped[id, default: (cache, [])].1.append(CachedObject(key: kv.key, object: value, revision: kv.modRevision,
                                                                    storedBytes: kv.value))
        }
        for cache in caches.values {
            let objects = grouped[ObjectIdentifier(cache)]?.1 ?? []
            await cache.reset(objects: objects, revision: result.revision)
        }
        progress.advance(to: result.revision)
        return result.revision
    }

    /// Follows the store until cancelled; on a broken or compacted watch it re-primes and resumes.
    public func run(from start: Int64) async {
        var revision = start
        while !Task.isCancelled {
            do {
                let stream = try await store.watch(prefix: "/registry/", fromRevision: revision)
                for try await batch in stream {
                    try await apply(batch)
                    if let last = batch.last { revision = last.kv.modRevision }
                }
                if Task.isCancelled { break }
                logger.warning("store watch ended; resuming", metadata: ["revision": "\(revision)"])
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                logger.warning("store watch failed; re-listing", metadata: ["error": "\(error)"])
                do {
                    try await Task.sleep(for: .milliseconds(100))
                    revision = try await prime()
                } catch {
                    if Task.isCancelled { break }
                }
            }
        }
        for cache in caches.values { await cache.closeAll() }
    }

    private func apply(_ batch: [StoreEvent]) async throws {
        var perCache: [ObjectIdentifier: (WatchCache, [StoreEvent])] = [:]
        var order: [ObjectIdentifier] = []
        for event in batch {
            guard let cache = cache(forKey: event.kv.key) else { continue }
            let id = ObjectIdentifier(cache)
            if perCache[id] == nil { order.append(id); perCache[id] = (cache, []) }
            perCache[id]!.1.append(event)
        }
        for id in order {
            let (cache, events) = perCache[id]!
            var changes: [StoreChange] = []
            changes.reserveCapacity(events.count)
            for event in events {
                switch event.type {
                case .put:
                    guard let value = writeHints.object(for: event.kv.key, bytes: event.kv.value) ?? Self.parse(event.kv) else { continue }
                    changes.append(.put(CachedObject(key: event.kv.key, object: value, revision: event.kv.modRevision,
                                                     storedBytes: event.kv.value)))
                case .delete:
                    changes.append(.delete(key: event.kv.key, revision: event.kv.modRevision,
                                           lastValue: event.prevKV.flatMap(Self.parse) ?? Self.parse(event.kv)))
                }
            }
            await cache.apply(changes)
        }
        if let last = batch.last { progress.advance(to: last.kv.modRevision) }
    }
}
