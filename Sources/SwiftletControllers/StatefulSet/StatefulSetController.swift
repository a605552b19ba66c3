import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Runs StatefulSets: pods `<set>-<ordinal>` with stable identities and claims, created and deleted in order
/// (or in parallel), rolled to new templates from the highest ordinal down, with ControllerRevisions as the
/// history — upstream's statefulset controller (v1.32): handlers that only enqueue set keys and one `sync(key)`.
/// No expectations are needed: pod names are deterministic, so a lagging cache can only cause a create that
/// fails with AlreadyExists, never a second pod.
public final class StatefulSetController: Sendable {
    let sets: ResourceClient<StatefulSet>
    let pods: ResourceClient<Pod>
    let revisions: ResourceClient<ControllerRevision>
    let setInformer: Informer<StatefulSet>
    let podInformer: Informer<Pod>
    let revisionInformer: Informer<ControllerRevision>
    let claimInformer: Informer<PersistentVolumeClaim>
    let podControl: StatefulPodControl
    let queue = WorkQueue<String>()
    let events: EventRecorder
    let logger: Logger
    let workers: Int

    public init(transport: any APITransport, informers: SharedInformerFactory, workers: Int = 5, logger: Logger) {
        self.sets = ResourceClient<StatefulSet>(transport: transport)
        self.pods = ResourceClient<Pod>(transport: transport)
        self.revisions = ResourceClient<ControllerRevision>(transport: transport)
        self.setInformer = informers.informer(for: StatefulSet.self)
        self.podInformer = informers.informer(for: Pod.self)
        self.revisionInformer = informers.informer(for: ControllerRevision.self)
        self.claimInformer = informers.informer(for: PersistentVolumeClaim.self)
        let events = EventRecorder(transport: transport, component: "statefulset-controller", logger: logger)
        self.events = events
        self.podControl = StatefulPodControl(pods: pods, claims: ResourceClient<PersistentVolumeClaim>(transport: transport),
                                             claimCache: claimInformer.indexer, events: events)
        self.logger = logger
        self.workers = workers
    }

    /// Runs the workers until cancelled.
    public func run() async {
        _ = setInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] s in queue.add(s.key) },
            onUpdate: { [queue] _, s in queue.add(s.key) },
            onDelete: { [queue] deleted in queue.add(deleted.object.key) }))
        _ = podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] pod in self?.podAdded(pod) },
            onUpdate: { [weak self] old, new in self?.podUpdated(old, new) },
            onDelete: { [weak self] deleted in self?.podDeleted(deleted.object) }))
        // A pod waiting for a stale claim (scaled away under whenScaled=Delete) is created once the claim is gone.
        _ = claimInformer.addEventHandler(ResourceEventHandler(
            onDelete: { [weak self] deleted in self?.claimDeleted(deleted.object) }))
        guard await setInformer.waitForSync(), await podInformer.waitForSync(), await revisionInformer.waitForSync(),
              await claimInformer.waitForSync() else { return }
        await queue.runWorkers(workers, logger: logger, what: "statefulset sync") { [self] key in try await self.sync(key) }
    }

    // MARK: handlers

    /// The key of the set that controls `pod`, if it exists with that uid.
    private func controllerKey(of pod: Pod) -> String? {
        guard let ref = pod.controllerRef, ref.kind == "StatefulSet" else { return nil }
        let key = ObjectKey.make(namespace: pod.metadata?.namespace, name: ref.name ?? "")
        guard let owner = setInformer.indexer.get(key: key), owner.metadata?.uid == ref.uid else { return nil }
        return key
    }

    /// Sets in the pod's namespace whose selector matches it (candidates to adopt an orphan).
    private func matchingSets(_ pod: Pod) -> [StatefulSet] {
        let labels = pod.metadata?.labels ?? [:]
        return Lister(indexer: setInformer.indexer).list(namespace: pod.metadata?.namespace ?? "").filter {
            let selector = LabelSelector.from($0.spec?.selector)
            return !selector.isEmpty && selector.matches(labels)
        }
    }

    private func podAdded(_ pod: Pod) {
        if let key = controllerKey(of: pod) {
            queue.add(key)
        } else if pod.controllerRef == nil {
            for s in matchingSets(pod) { queue.add(s.key) }
        }
    }

    private func podUpdated(_ old: Pod, _ new: Pod) {
        if old.metadata?.resourceVersion == new.metadata?.resourceVersion { return }
        let oldKey = controllerKey(of: old), newKey = controllerKey(of: new)
        if let oldKey, oldKey != newKey { queue.add(oldKey) }
        if let newKey {
            queue.add(newKey)
            // A pod that becomes ready is available only after minReadySeconds.
            if !old.isReady && new.isReady, let s = setInformer.indexer.get(key: newKey), s.minReadySecondsValue > 0 {
                queue.addAfter(newKey, delay: .seconds(Int(s.minReadySecondsValue) + 1))
            }
        } else if new.controllerRef == nil, old.metadata?.labels != new.metadata?.labels || old.controllerRef != nil {
            for s in matchingSets(new) { queue.add(s.key) }
        }
    }

    private func podDeleted(_ pod: Pod) {
        guard let ref = pod.controllerRef, ref.kind == "StatefulSet" else { return }
        queue.add(ObjectKey.make(namespace: pod.metadata?.namespace, name: ref.name ?? ""))
    }

    private func claimDeleted(_ claim: PersistentVolumeClaim) {
        let labels = claim.metadata?.labels ?? [:]
        for set in Lister(indexer: setInformer.indexer).list(namespace: claim.metadata?.namespace ?? "") {
            let selector = LabelSelector.from(set.spec?.selector)
            if !selector.isEmpty && selector.matches(labels) && !(set.spec?.volumeClaimTemplates ?? []).isEmpty { queue.add(set.key) }
        }
    }

    // MARK: sync

    /// Reconciles one set's revisions, claims and pods, and writes its status.
    func sync(_ key: String) async throws {
        guard let set = setInformer.indexer.get(key: key) else { return }
        let selector = LabelSelector.from(set.spec?.selector)
        let revisions = try await claimRevisions(set, selector: selector)
        let pods = await claimPods(set, selector: selector)
        try await updateStatefulSet(set, pods: pods, revisions: revisions)
    }

    /// The set's pods by name: adopts matching orphans named like its pods and releases owned pods that stop
    /// matching (upstream's ControllerRefManager with the `isMemberOf` filter).
    private func claimPods(_ set: StatefulSet, selector: LabelSelector) async -> [Pod] {
        await ControllerRefManager(set, client: pods).claim(Lister(indexer: podInformer.indexer).list(namespace: set.metadata?.namespace ?? "")) {
            selector.matches($0.metadata?.labels ?? [:]) && StatefulPodIdentity.isMember($0, of: set)
        }
    }

    /// The set's ControllerRevisions, adopting orphans its selector matches (upstream's `adoptOrphanRevisions`).
    private func claimRevisions(_ set: StatefulSet, selector: LabelSelector) async throws -> [ControllerRevision] {
        let uid = set.metadata?.uid ?? ""
        var owned: [ControllerRevision] = []
        for revision in Lister(indexer: revisionInformer.indexer).list(namespace: set.metadata?.namespace ?? "", selector: selector) {
            if let ref = revision.metadata?.ownerReferences?.first(where: { $0.controller == true }) {
                if ref.uid == uid { owned.append(revision) }
                continue
            }
            guard set.metadata?.deletionTimestamp == nil else { continue }
            let patch: JSONValue = ["metadata": ["ownerReferences": [ownerJSON(set)], "uid": .string(revision.metadata?.uid ?? "")]]
            owned.append(try await revisions.patch(revision.metadata?.name ?? "", namespace: revision.metadata?.namespace, type: .strategicMerge,
                                                   body: patch))
        }
        return owned
    }

    private func ownerJSON(_ set: StatefulSet) -> JSONValue {
        ["apiVersion": .string(StatefulSet.groupVersionKind.apiVersion), "kind": "StatefulSet", "name": .string(set.metadata?.name ?? ""),
         "uid": .string(set.metadata?.uid ?? ""), "controller": true, "blockOwnerDeletion": true]
    }
}
