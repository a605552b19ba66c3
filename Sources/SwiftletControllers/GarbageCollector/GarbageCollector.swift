import Logging
import SwiftletAPI
import SwiftletClient

/// Deletes objects whose owners are gone (background cascade), and honours the `orphan` and
/// `foregroundDeletion` finalizers the API server adds for `--cascade=orphan|foreground` —
/// upstream's garbage collector for the kinds Swiftlet's controllers own.
public final class GarbageCollector: Sendable {
    let tracked: [String: TrackedResource]
    let queue = WorkQueue<String>()
    let logger: Logger
    let informers: SharedInformerFactory

    public init(transport: any APITransport, informers: SharedInformerFactory, logger: Logger) {
        let resources: [TrackedResource] = [
            .make(Pod.self, informers: informers, transport: transport),
            .make(ReplicaSet.self, informers: informers, transport: transport),
            .make(Deployment.self, informers: informers, transport: transport),
            .make(ReplicationController.self, informers: informers, transport: transport),
            .make(StatefulSet.self, informers: informers, transport: transport),
            .make(DaemonSet.self, informers: informers, transport: transport),
            .make(Job.self, informers: informers, transport: transport),
            .make(CronJob.self, informers: informers, transport: transport),
            .make(ControllerRevision.self, informers: informers, transport: transport),
            .make(PersistentVolumeClaim.self, informers: informers, transport: transport),
            .make(ConfigMap.self, informers: informers, transport: transport),
            .make(Secret.self, informers: informers, transport: transport),
            .make(Service.self, informers: informers, transport: transport),
        ]
        var byKind: [String: TrackedResource] = [:]
        for r in resources { byKind["\(r.apiVersion)/\(r.kind)"] = r }
        self.tracked = byKind
        self.informers = informers
        self.logger = logger
    }

    static func item(_ r: TrackedResource, _ key: String) -> String { "\(r.apiVersion)/\(r.kind)|\(key)" }

    public func run() async {
        for r in tracked.values {
            registerHandlers(r)
        }
        guard await informers.waitForCacheSync() else { return }
        await queue.runWorkers(4, logger: logger, what: "garbage collection") { [self] key in try await self.process(key) }
    }

    private func registerHandlers(_ r: TrackedResource) {
        let queue = self.queue
        let tracked = self.tracked
        let enqueueDependents: @Sendable (ObjectMeta?) -> Void = { meta in
            guard let uid = meta?.uid else { return }
            for dependent in tracked.values {
                for key in dependent.dependents(uid) { queue.add(Self.item(dependent, key)) }
            }
        }
        r.addHandlers({ meta in
            guard let meta else { return }
            let key = ObjectKey.make(namespace: meta.namespace, name: meta.name ?? "")
            if !(meta.ownerReferences ?? []).isEmpty || (meta.deletionTimestamp != nil && !(meta.finalizers ?? []).isEmpty) {
                queue.add(Self.item(r, key))
            }
            if meta.deletionTimestamp != nil { enqueueDependents(meta) }
        }, { meta in
            enqueueDependents(meta)
        })
    }

    /// Looks at one object: its owners (is it garbage?) and, if it is being deleted, its dependents.
    func process(_ item: String) async throws {
        guard let bar = item.firstIndex(of: "|") else { return }
        let kindKey = String(item[..<bar]), key = String(item[item.index(after: bar)...])
        guard let r = tracked[kindKey], let meta = r.metadata(key) else { return }
        if meta.deletionTimestamp != nil {
            let finalizers = meta.finalizers ?? []
            if finalizers.contains("orphan") { try await orphanDependents(r, key: key, meta: meta); return }
            if finalizers.contains("foregroundDeletion") { try await deleteDependentsInForeground(r, key: key, meta: meta); return }
        }
        try await collectIfOrphaned(r, key: key, meta: meta)
    }

    /// Whether the owner a reference names still exists (with the same uid). Untracked kinds count as present.
    private func ownerExists(_ ref: OwnerReference, dependentNamespace: String?) async throws -> Bool {
        guard let owner = tracked["\(ref.apiVersion ?? "")/\(ref.kind ?? "")"] else { return true }
        let key = ObjectKey.make(namespace: owner.namespaced ? dependentNamespace : nil, name: ref.name ?? "")
        if let cached = owner.metadata(key), cached.uid == ref.uid { return true }
        // The cache may lag: confirm with the API before calling it gone.
        guard let live = try await owner.get(key) else { return false }
        return live.uid == ref.uid
    }

    private func collectIfOrphaned(_ r: TrackedResource, key: String, meta: ObjectMeta) async throws {
        let refs = meta.ownerReferences ?? []
        guard !refs.isEmpty, meta.deletionTimestamp == nil else { return }
        var missing: [OwnerReference] = []
        for ref in refs where try await !ownerExists(ref, dependentNamespace: meta.namespace) { missing.append(ref) }
        if missing.isEmpty { return }
        if missing.count == refs.count {
            logger.debug("deleting object whose owners are gone", metadata: ["kind": "\(r.kind)", "key": "\(key)"])
            do {
                try await r.delete(key, "Background", meta.uid)
            } catch let error as APIError where error.reason == .notFound || error.reason == .conflict {
                return
            }
        } else {
            let removals: [JSONValue] = missing.map { ["$patch": "delete", "uid": .string($0.uid ?? "")] }
            try await r.patch(key, ["metadata": ["ownerReferences": .array(removals)]])
        }
    }

    /// `--cascade=orphan`: drop the owner from every dependent, then the finalizer from the owner.
    private func orphanDependents(_ r: TrackedResource, key: String, meta: ObjectMeta) async throws {
        let uid = meta.uid ?? ""
        for dependent in tracked.values {
            for dependentKey in dependent.dependents(uid) {
                do {
                    try await dependent.patch(dependentKey, ["metadata": ["ownerReferences": [["$patch": "delete", "uid": .string(uid)]]]])
                } catch let error as APIError where error.reason == .notFound {
                    continue
                }
            }
        }
        try await removeFinalizer(r, key: key, meta: meta, finalizer: "orphan")
    }

    /// `--cascade=foreground`: delete the dependents first; the owner goes when none that block remain.
    private func deleteDependentsInForeground(_ r: TrackedResource, key: String, meta: ObjectMeta) async throws {
        let uid = meta.uid ?? ""
        var blocking = 0
        for dependent in tracked.values {
            for dependentKey in dependent.dependents(uid) {
                guard let d = dependent.metadata(dependentKey) else { continue }
                let ref = d.ownerReferences?.first { $0.uid == uid }
                if ref?.blockOwnerDeletion == true { blocking += 1 }
                if d.deletionTimestamp == nil {
                    do {
                        try await dependent.delete(dependentKey, "Foreground", d.uid)
                    } catch let error as APIError where error.reason == .notFound {
                        continue
                    }
                }
            }
        }
        if blocking > 0 {
            queue.addAfter(Self.item(r, key), delay: .seconds(1))
            return
        }
        try await removeFinalizer(r, key: key, meta: meta, finalizer: "foregroundDeletion")
    }

    private func removeFinalizer(_ r: TrackedResource, key: String, meta: ObjectMeta, finalizer: String) async throws {
        let remaining = (meta.finalizers ?? []).filter { $0 != finalizer }
        // The resourceVersion makes this a compare-and-swap, so a finalizer added meanwhile is not lost.
        let body: JSONValue = ["metadata": ["$setElementOrder/finalizers": .array(remaining.map { .string($0) }),
                                            "$deleteFromPrimitiveList/finalizers": [.string(finalizer)],
                                            "resourceVersion": .string(meta.resourceVersion ?? "")]]
        do {
            try await r.patch(key, body)
        } catch let error as APIError where error.reason == .notFound {
            return
        }
    }
}
