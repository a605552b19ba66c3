import Foundation
import Logging
import SwiftletAPI
import SwiftletStore

/// The generic REST storage of one resource: reads from the watch cache, writes to the store with
/// compare-and-swap, and runs the kind's strategy on every write (upstream's `registry/generic/registry.Store`).
public final class ResourceStorage: Sendable {
    public let resource: APIResourceInfo
    public let strategy: any ResourceStrategy
    public let nameRule: ObjectMetaValidation.NameRule
    let store: any StoreBackend
    let cache: WatchCache
    let progress: RevisionProgress
    let writeHints: WriteHints
    /// Admission that needs state beyond the object, such as allocating a service's cluster IP.
    let createAdmission: (@Sendable (inout JSONValue) async throws(APIError) -> Void)?
    /// Checks a namespace exists and is not terminating before something is created in it.
    let namespaceCheck: @Sendable (String, APIResourceInfo, String) async throws -> Void

    init(resource: APIResourceInfo, strategy: any ResourceStrategy, nameRule: ObjectMetaValidation.NameRule,
         store: any StoreBackend, cache: WatchCache, progress: RevisionProgress, writeHints: WriteHints = WriteHints(),
         createAdmission: (@Sendable (inout JSONValue) async throws(APIError) -> Void)? = nil,
         namespaceCheck: @escaping @Sendable (String, APIResourceInfo, String) async throws -> Void) {
        self.resource = resource
        self.strategy = strategy
        self.nameRule = nameRule
        self.store = store
        self.cache = cache
        self.progress = progress
        self.writeHints = writeHints
        self.namespaceCheck = namespaceCheck
        self.createAdmission = createAdmission
    }

    func key(_ namespace: String?, _ name: String) -> String {
        resource.storageKey(namespace: namespace, name: name)
    }

    func notFound(_ name: String) -> APIError {
        APIError.notFound(resource: resource.plural, group: resource.group, name: name)
    }

    /// Waits until the cache reflects the store as of now: upstream's consistent read from cache.
    func waitForConsistency() async throws(APIError) -> Int64 {
        let current: Int64
        do { current = try await store.currentRevision() } catch { throw StorageErrors.map(error, self, name: "") }
        try await waitFor(revision: current)
        return current
    }

    func waitFor(revision: Int64) async throws(APIError) {
        if await !progress.wait(for: revision) {
            throw APIError(.timeout, "Timeout: Too large resource version: \(revision), current: \(progress.revision)", retryAfterSeconds: 1)
        }
    }

    static func parseResourceVersion(_ s: String?) throws(APIError) -> Int64? {
        guard let s, !s.isEmpty else { return nil }
        guard let v = Int64(s), v >= 0 else {
            throw APIError(.badRequest, "invalid resource version: \(s)")
        }
        return v
    }

    // MARK: reads

    /// GET of one object; `resourceVersion=0` may be served from the cache as is, anything else is a consistent read.
    public func get(namespace: String?, name: String, resourceVersion: String? = nil) async throws(APIError) -> CachedObject {
        let rv = try Self.parseResourceVersion(resourceVersion)
        if rv == nil {
            _ = try await waitForConsistency()
        } else if let rv, rv > 0 {
            try await waitFor(revision: rv)
        }
        guard let object = await cache.get(key: key(namespace, name)) else { throw notFound(name) }
        return object
    }

    public func filter(namespace: String?, name: String? = nil, options: ListOptions) -> WatchFilter {
        let strategy = self.strategy
        return WatchFilter(namespace: namespace, name: name, labelSelector: options.labelSelector,
                           fieldSelector: options.fieldSelector, fields: { strategy.fields(of: $0) })
    }

    /// Checks the field selector names fields this kind supports (400 otherwise, as upstream).
    public func checkFieldSelector(_ selector: FieldSelector) throws(APIError) {
        for r in selector.requirements {
            if r.field == "metadata.name" || r.field == "metadata.namespace" { continue }
            if !strategy.selectableFields.contains(r.field) {
                throw APIError(.badRequest, "field label not supported: \(r.field)")
            }
        }
    }

    public struct ListPage: Sendable {
        public var items: [CachedObject]
        public var revision: Int64
        public var continueToken: String?
        public var remaining: Int64?
    }

    /// LIST with upstream's resourceVersion semantics; the first page comes from the cache, later pages
    /// from the store at the first page's revision so the pages form one consistent snapshot.
    public func list(namespace: String?, options: ListOptions) async throws(APIError) -> ListPage {
        try checkFieldSelector(options.fieldSelector)
        let filter = self.filter(namespace: namespace, options: options)
        if let token = options.continueToken, !token.isEmpty {
            guard let decoded = ContinueToken.decode(token) else {
                throw APIError(.badRequest, "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
            }
            return try await listFromStore(filter: filter, revision: decoded.revision, startAfter: decoded.startAfter, limit: options.limit)
        }
        let rv = try Self.parseResourceVersion(options.resourceVersion)
        if let match = options.resourceVersionMatch, !match.isEmpty {
            guard match == "NotOlderThan" || match == "Exact" else {
                throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "",
                                       errors: [.notSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan"])])
            }
            if rv == nil {
                throw APIError(.badRequest, "resourceVersionMatch is forbidden unless resourceVersion is provided")
            }
            if match == "Exact", let rv, rv > 0 {
                return try await listFromStore(filter: filter, revision: rv, startAfter: nil, limit: options.limit)
            }
        }
        let revision: Int64
        if let rv, rv > 0 {
            try await waitFor(revision: rv)
            revision = progress.revision
        } else if rv == 0 {
            revision = progress.revision
        } else {
            revision = try await waitForConsistency()
        }
        let limit = (options.limit ?? 0) > 0 ? options.limit : nil
        let (items, remaining) = await cache.list(filter: filter, limit: limit)
        var page = ListPage(items: items, revision: max(revision, progress.revision))
        if remaining > 0, let last = items.last {
            page.continueToken = ContinueToken(revision: page.revision, startAfter: last.key).encoded()
            page.remaining = Int64(remaining)
        }
        return page
    }

    private func listFromStore(filter: WatchFilter, revision: Int64, startAfter: String?, limit: Int?) async throws(APIError) -> ListPage {
        let prefix = filter.namespace.map { resource.storagePrefix + $0 + "/" } ?? resource.storagePrefix
        var items: [CachedObject] = []
        var cursor = startAfter
        var more = false
        var exhausted = false
        let want = (limit ?? 0) > 0 ? limit! : Int.max
        do {
            while items.count < want && !exhausted {
                let batch = try await store.list(prefix: prefix, startAfter: cursor, limit: want == Int.max ? 1000 : max(want - items.count, 50),
                                                 atRevision: revision)
                for kv in batch.kvs {
                    cursor = kv.key
                    guard let value = try? JSONParser.parse(kv.value) else { continue }
                    let o = CachedObject(key: kv.key, object: value, revision: kv.modRevision)
                    if filter.matches(o) {
                        if items.count < want { items.append(o) } else { more = true; break }
                    }
                }
                if more { break }
                exhausted = !batch.more
            }
            // A full page with keys left after it continues, as etcd's "more" says (even if none of them match).
            if !more && !exhausted && items.count >= want { more = true }
        } catch let error as StoreError {
            if case .compacted = error {
                throw APIError(.expired, "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
            }
            throw StorageErrors.map(error, self, name: "")
        } catch {
            throw StorageErrors.map(error, self, name: "")
        }
        var page = ListPage(items: items, revision: revision)
        if more, let last = items.last {
            page.continueToken = ContinueToken(revision: revision, startAfter: last.key).encoded()
        }
        return page
    }

    /// WATCH: from no revision or 0, synthetic ADDED events first; from N, every change after N.
    public func watch(namespace: String?, name: String?, options: ListOptions) async throws(APIError) -> (stream: AsyncStream<WatchDelivery>, initialEvents: Int) {
        try checkFieldSelector(options.fieldSelector)
        let filter = self.filter(namespace: namespace, name: name, options: options)
        var rv = try Self.parseResourceVersion(options.resourceVersion)
        if let send = options.sendInitialEvents {
            // The WatchList form (beta and on in v1.32): initial state, a bookmark marking its end, then changes.
            guard options.resourceVersionMatch == "NotOlderThan" else {
                throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", errors: [
                    .forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")])
            }
            if send {
                guard options.allowWatchBookmarks else {
                    throw APIError.invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", errors: [
                        .forbidden("allowWatchBookmarks", "allowWatchBookmarks must be set to true when sendInitialEvents is true")])
                }
                if let wanted = rv, wanted > 0 { try await waitFor(revision: wanted) }
                rv = nil
            }
        }
        if rv == nil {
            _ = try await waitForConsistency()
        } else if let rv, rv > 0 {
            try await waitFor(revision: rv)
        }
        return try await cache.watch(filter: filter, from: rv, currentRevision: progress.revision)
    }
}

/// Maps store errors to API errors for one resource.
enum StorageErrors {
    static func map(_ error: any Error, _ storage: ResourceStorage, name: String) -> APIError {
        if let e = error as? APIError { return e }
        let r = storage.resource
        if let e = error as? StoreError {
            switch e {
            case .keyExists: return .alreadyExists(resource: r.plural, group: r.group, name: name)
            case .notFound: return .notFound(resource: r.plural, group: r.group, name: name)
            case .conflict: return .modifiedConflict(resource: r.plural, group: r.group, name: name)
            case .compacted(let requested, let compacted):
                return .expired("too old resource version: \(requested) (\(compacted))")
            default: return .internalError("\(e)")
            }
        }
        return .internalError("\(error)")
    }
}
