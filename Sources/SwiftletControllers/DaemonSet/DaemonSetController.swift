import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Runs one pod of each DaemonSet on every node that should run it — upstream's daemon controller
/// (pkg/controller/daemon): pods are pinned to their node by required node affinity and bound by the
/// scheduler; failed pods are replaced with a per-node backoff; RollingUpdate and OnDelete updates are
/// driven by ControllerRevisions.
public final class DaemonSetController: Sendable {
    /// The pod and ControllerRevision label with the revision's hash (`apps.DefaultDaemonSetUniqueLabelKey`).
    public static let revisionHashLabel = "controller-revision-hash"
    /// The pod label with the DaemonSet's template generation (`extensions.DaemonSetTemplateGenerationKey`).
    public static let templateGenerationLabel = "pod-template-generation"
    /// Where the API server keeps a DaemonSet's template generation.
    public static let templateGenerationAnnotation = "deprecated.daemonset.template.generation"

    let daemonSets: ResourceClient<DaemonSet>
    let pods: ResourceClient<Pod>
    let revisions: ResourceClient<ControllerRevision>
    let daemonSetInformer: Informer<DaemonSet>
    let podInformer: Informer<Pod>
    let nodeInformer: Informer<Node>
    let revisionInformer: Informer<ControllerRevision>
    let queue = WorkQueue<String>()
    let expectations = ControllerExpectations()
    let failedPodsBackoff = FailedPodBackoff()
    let events: EventRecorder
    let logger: Logger
    let workers: Int
    /// At most this many pods are created or deleted per sync (upstream's `BurstReplicas`).
    let burstReplicas: Int

    public init(transport: any APITransport, informers: SharedInformerFactory, workers: Int = 2, burstReplicas: Int = 250,
                logger: Logger) {
        daemonSets = ResourceClient(transport: transport)
        pods = ResourceClient(transport: transport)
        revisions = ResourceClient(transport: transport)
        daemonSetInformer = informers.informer(for: DaemonSet.self)
        podInformer = informers.informer(for: Pod.self)
        nodeInformer = informers.informer(for: Node.self)
        revisionInformer = informers.informer(for: ControllerRevision.self)
        events = EventRecorder(transport: transport, component: "daemonset-controller", logger: logger)
        self.logger = logger
        self.workers = workers
        self.burstReplicas = burstReplicas
    }

    /// Runs the workers until cancelled.
    public func run() async {
        _ = daemonSetInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] in queue.add($0.key) },
            onUpdate: { [queue] _, new in queue.add(new.key) },
            onDelete: { [queue, expectations] deleted in
                expectations.deleteExpectations(deleted.object.key)
                queue.add(deleted.object.key)
            }))
        _ = podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] pod in self?.podAdded(pod) },
            onUpdate: { [weak self] old, new in self?.podUpdated(old, new) },
            onDelete: { [weak self] deleted in self?.podDeleted(deleted.object) }))
        _ = nodeInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] _ in self?.enqueueAll() },
            onUpdate: { [weak self] old, new in
                // Only what decides placement matters; heartbeats and status changes do not.
                if old.metadata?.labels != new.metadata?.labels || old.spec?.taints != new.spec?.taints { self?.enqueueAll() }
            },
            onDelete: { [weak self] _ in self?.enqueueAll() }))
        _ = revisionInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] in self?.enqueueOwner(of: $0) },
            onUpdate: { [weak self] _, new in self?.enqueueOwner(of: new) },
            onDelete: { [weak self] in self?.enqueueOwner(of: $0.object) }))
        guard await daemonSetInformer.waitForSync(), await podInformer.waitForSync(), await nodeInformer.waitForSync(),
              await revisionInformer.waitForSync() else { return }
        await queue.runWorkers(workers, logger: logger, what: "daemonset sync") { [self] key in try await self.sync(key) }
    }

    // MARK: handlers

    private func enqueueAll() {
        for ds in daemonSetInformer.indexer.list() { queue.add(ds.key) }
    }

    private func enqueueOwner(of revision: ControllerRevision) {
        guard let ref = revision.metadata?.ownerReferences?.first(where: { $0.controller == true }), ref.kind == "DaemonSet" else { return }
        queue.add(ObjectKey.make(namespace: revision.metadata?.namespace, name: ref.name ?? ""))
    }

    /// The key of the DaemonSet that controls `pod`, if one does.
    private func controllerKey(of pod: Pod) -> String? {
        guard let ref = pod.controllerRef, ref.kind == "DaemonSet" else { return nil }
        let key = ObjectKey.make(namespace: pod.metadata?.namespace, name: ref.name ?? "")
        guard let owner = daemonSetInformer.indexer.get(key: key), owner.metadata?.uid == ref.uid else { return nil }
        return key
    }

    /// DaemonSets in the pod's namespace whose selector matches it (candidates to adopt an orphan).
    private func matchingDaemonSets(_ pod: Pod) -> [DaemonSet] {
        let labels = pod.metadata?.labels ?? [:]
        return Lister(indexer: daemonSetInformer.indexer).list(namespace: pod.metadata?.namespace ?? "").filter {
            let selector = LabelSelector.from($0.spec?.selector)
            return !selector.isEmpty && selector.matches(labels)
        }
    }

    private func podAdded(_ pod: Pod) {
        if pod.metadata?.deletionTimestamp != nil {
            podDeleted(pod)
            return
        }
        if let key = controllerKey(of: pod) {
            expectations.creationObserved(key)
            queue.add(key)
        } else if pod.controllerRef == nil {
            for ds in matchingDaemonSets(pod) { queue.add(ds.key) }
        }
    }

    private func podUpdated(_ old: Pod, _ new: Pod) {
        if old.metadata?.resourceVersion == new.metadata?.resourceVersion { return }
        if new.metadata?.deletionTimestamp != nil && old.metadata?.deletionTimestamp == nil { podDeleted(new) }
        let oldKey = controllerKey(of: old), newKey = controllerKey(of: new)
        if let oldKey, oldKey != newKey { queue.add(oldKey) }
        if let newKey {
            queue.add(newKey)
            if !old.isReady && new.isReady, let ds = daemonSetInformer.indexer.get(key: newKey), let minReady = ds.spec?.minReadySeconds,
               minReady > 0 {
                queue.addAfter(newKey, delay: .seconds(Int(minReady) + 1))
            }
        } else if new.controllerRef == nil, old.metadata?.labels != new.metadata?.labels || old.controllerRef != nil {
            for ds in matchingDaemonSets(new) { queue.add(ds.key) }
        }
    }

    private func podDeleted(_ pod: Pod) {
        guard let ref = pod.controllerRef, ref.kind == "DaemonSet" else { return }
        let key = ObjectKey.make(namespace: pod.metadata?.namespace, name: ref.name ?? "")
        expectations.deletionObserved(key, objectKey: pod.key)
        queue.add(key)
    }

    // MARK: sync

    /// Creates and deletes one DaemonSet's pods, advances its update, prunes its history and writes its status.
    func sync(_ key: String) async throws {
        guard let ds = daemonSetInformer.indexer.get(key: key) else {
            expectations.deleteExpectations(key)
            return
        }
        let nodes = nodeInformer.indexer.list()
        if ds.spec?.selector == MetaLabelSelector() {
            events.record(ds, type: "Warning", reason: "SelectingAll", message: "This daemon set is selecting all pods. A non-empty selector is required.")
            return
        }
        if ds.metadata?.deletionTimestamp != nil { return }
        let (current, old) = try await constructHistory(ds)
        let hash = current.metadata?.labels?[Self.revisionHashLabel] ?? ""
        guard expectations.satisfiedExpectations(key) else {
            // Only status: the generation was not acted on yet, so observedGeneration stays.
            try await updateStatus(ds, nodes: nodes, hash: hash, observedGeneration: false)
            return
        }
        var failure: (any Error)?
        do {
            try await manage(ds, nodes: nodes, hash: hash)
            if expectations.satisfiedExpectations(key), ds.spec?.updateStrategy?.type ?? "RollingUpdate" == "RollingUpdate" {
                try await rollingUpdate(ds, nodes: nodes, hash: hash)
            }
            try await cleanupHistory(ds, old: old)
        } catch {
            failure = error
        }
        try await updateStatus(ds, nodes: nodes, hash: hash, observedGeneration: true)
        if let failure { throw failure }
    }

    /// The template generation the API server recorded, if it parses.
    static func templateGeneration(_ ds: DaemonSet) -> Int64? {
        ds.metadata?.annotations?[templateGenerationAnnotation].flatMap { Int64($0) }
    }

    /// Whether `pod` runs the DaemonSet's current template (upstream's `IsPodUpdated`).
    static func isUpdated(_ pod: Pod, hash: String, generation: Int64?) -> Bool {
        let labels = pod.metadata?.labels ?? [:]
        let generationMatches = generation.map { labels[templateGenerationLabel] == String($0) } ?? false
        return (!hash.isEmpty && labels[revisionHashLabel] == hash) || generationMatches
    }

    /// Scheduled pods first, then oldest first, then by name (upstream's `podByCreationTimestampAndPhase`).
    static func oldestFirst(_ a: Pod, _ b: Pod) -> Bool {
        let aScheduled = !(a.spec?.nodeName ?? "").isEmpty, bScheduled = !(b.spec?.nodeName ?? "").isEmpty
        if aScheduled != bScheduled { return aScheduled }
        let aTime = a.metadata?.creationTimestamp?.date ?? .distantPast, bTime = b.metadata?.creationTimestamp?.date ?? .distantPast
        if aTime == bTime { return (a.metadata?.name ?? "") < (b.metadata?.name ?? "") }
        return aTime < bTime
    }
}
