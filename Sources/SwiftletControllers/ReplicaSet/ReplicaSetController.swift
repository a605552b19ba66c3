import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Keeps `spec.replicas` pods matching each ReplicaSet (or ReplicationController) alive: adopts orphans,
/// releases pods that stop matching, creates and deletes pods, and reports the counts in status —
/// upstream's replicaset controller, one `sync(key)` fed by handlers that only enqueue keys.
public final class ReplicaSetController<Workload: ReplicatedWorkload>: Sendable {
    let workloads: ResourceClient<Workload>
    let pods: ResourceClient<Pod>
    let workloadInformer: Informer<Workload>
    let podInformer: Informer<Pod>
    let queue = WorkQueue<String>()
    let expectations = ControllerExpectations()
    let events: EventRecorder
    let logger: Logger
    let workers: Int
    /// At most this many pods are created or deleted per sync (upstream's burstReplicas).
    let burstReplicas: Int
    let component: String

    public init(transport: any APITransport, informers: SharedInformerFactory, component: String, workers: Int = 5,
                burstReplicas: Int = 500, logger: Logger) {
        self.workloads = ResourceClient<Workload>(transport: transport)
        self.pods = ResourceClient<Pod>(transport: transport)
        self.workloadInformer = informers.informer(for: Workload.self)
        self.podInformer = informers.informer(for: Pod.self)
        self.events = EventRecorder(transport: transport, component: component, logger: logger)
        self.logger = logger
        self.workers = workers
        self.burstReplicas = burstReplicas
        self.component = component
    }

    /// Runs the workers until cancelled.
    public func run() async {
        _ = workloadInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] w in queue.add(w.key) },
            onUpdate: { [queue] _, w in queue.add(w.key) },
            onDelete: { [queue, expectations] deleted in
                expectations.deleteExpectations(deleted.object.key)
                queue.add(deleted.object.key)
            }))
        _ = podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] pod in self?.podAdded(pod) },
            onUpdate: { [weak self] old, new in self?.podUpdated(old, new) },
            onDelete: { [weak self] deleted in self?.podDeleted(deleted.object) }))
        guard await workloadInformer.waitForSync(), await podInformer.waitForSync() else { return }
        await queue.runWorkers(workers, logger: logger, what: "sync") { [self] key in try await self.sync(key) }
    }

    // MARK: handlers

    private var workloadKind: String { Workload.groupVersionKind.kind }

    /// The key of the workload that controls `pod`, if one of ours does.
    private func controllerKey(of pod: Pod) -> String? {
        guard let ref = pod.controllerRef, ref.kind == workloadKind else { return nil }
        let key = ObjectKey.make(namespace: pod.metadata?.namespace, name: ref.name ?? "")
        guard let owner = workloadInformer.indexer.get(key: key), owner.metadata?.uid == ref.uid else { return nil }
        return key
    }

    /// Workloads in the pod's namespace whose selector matches it (candidates to adopt an orphan).
    private func matchingWorkloads(_ pod: Pod) -> [Workload] {
        let labels = pod.metadata?.labels ?? [:]
        return Lister(indexer: workloadInformer.indexer).list(namespace: pod.metadata?.namespace ?? "").filter {
            let selector = $0.podSelector
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
            for w in matchingWorkloads(pod) { queue.add(w.key) }
        }
    }

    private func podUpdated(_ old: Pod, _ new: Pod) {
        if old.metadata?.resourceVersion == new.metadata?.resourceVersion { return }
        if new.metadata?.deletionTimestamp != nil && old.metadata?.deletionTimestamp == nil {
            // A graceful deletion counts as a deletion now, so a replacement is made at once.
            podDeleted(new)
        }
        let oldKey = controllerKey(of: old), newKey = controllerKey(of: new)
        if let oldKey, oldKey != newKey { queue.add(oldKey) }
        if let newKey {
            queue.add(newKey)
            // A pod that becomes ready is available only after minReadySeconds.
            if !old.isReady && new.isReady, let w = workloadInformer.indexer.get(key: newKey), w.minReadySecondsValue > 0 {
                queue.addAfter(newKey, delay: .seconds(Int(w.minReadySecondsValue) + 1))
            }
        } else if new.controllerRef == nil, old.metadata?.labels != new.metadata?.labels || old.controllerRef != nil {
            for w in matchingWorkloads(new) { queue.add(w.key) }
        }
    }

    private func podDeleted(_ pod: Pod) {
        guard let ref = pod.controllerRef, ref.kind == workloadKind else { return }
        let key = ObjectKey.make(namespace: pod.metadata?.namespace, name: ref.name ?? "")
        expectations.deletionObserved(key, objectKey: pod.key)
        queue.add(key)
    }

    // MARK: sync

    /// Brings one workload's pods to its desired count and writes its status.
    func sync(_ key: String) async throws {
        guard let workload = workloadInformer.indexer.get(key: key) else {
            expectations.deleteExpectations(key)
            return
        }
        let namespace = workload.metadata?.namespace ?? ""
        let selector = workload.podSelector
        let all = Lister(indexer: podInformer.indexer).list(namespace: namespace)
        let claimed = await claimPods(workload, all.filter(\.isActive), selector: selector)
        let satisfied = expectations.satisfiedExpectations(key)
        var failure: (reason: String, message: String)?
        if satisfied && workload.metadata?.deletionTimestamp == nil {
            do {
                try await manageReplicas(workload, key: key, pods: claimed)
            } catch let error as ReplicaSetSyncError {
                failure = (error.reason, error.message)
            }
        }
        try await updateStatus(workload, pods: claimed, failure: failure)
        if let failure { throw ReplicaSetSyncError(reason: failure.reason, message: failure.message) }
    }

    /// Adopts matching orphans and releases owned pods that no longer match (upstream's ControllerRefManager).
    private func claimPods(_ workload: Workload, _ candidates: [Pod], selector: LabelSelector) async -> [Pod] {
        await ControllerRefManager(workload, client: pods).claim(candidates) { selector.matches($0.metadata?.labels ?? [:]) }
    }

    private func ownerReference(_ workload: Workload) -> OwnerReference {
        OwnerReference(apiVersion: Workload.groupVersionKind.apiVersion, blockOwnerDeletion: true, controller: true,
                       kind: Workload.groupVersionKind.kind, name: workload.metadata?.name, uid: workload.metadata?.uid)
    }

    private func manageReplicas(_ workload: Workload, key: String, pods: [Pod]) async throws {
        let diff = pods.count - workload.desiredReplicas
        if diff < 0 {
            let count = min(-diff, burstReplicas)
            expectations.expectCreations(key, count: count)
            let template = workload.podTemplate
            let created = await SlowStart.run(count: count) { [self] in
                try await self.createPod(for: workload, template: template)
            }
            if created.successes < count {
                expectations.lowerExpectations(key, add: count - created.successes, delete: 0)
            }
            if let error = created.firstError {
                events.record(workload, type: "Warning", reason: "FailedCreate", message: "Error creating: \(error)")
                throw ReplicaSetSyncError(reason: "FailedCreate", message: "\(error)")
            }
        } else if diff > 0 {
            let victims = PodDeletionRanking.ordered(pods.map(Self.json)).prefix(min(diff, burstReplicas))
            let keys = victims.map { "\($0["metadata"]?["namespace"]?.stringValue ?? "")/\($0["metadata"]?["name"]?.stringValue ?? "")" }
            expectations.expectDeletions(key, objectKeys: keys)
            var firstError: (any Error)?
            for (victim, victimKey) in zip(victims, keys) {
                let name = victim["metadata"]?["name"]?.stringValue ?? ""
                do {
                    _ = try await self.pods.delete(name, namespace: workload.metadata?.namespace)
                    events.record(workload, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
                } catch let error as APIError where error.reason == .notFound {
                    expectations.deletionObserved(key, objectKey: victimKey)
                } catch {
                    expectations.deletionObserved(key, objectKey: victimKey)
                    firstError = firstError ?? error
                }
            }
            if let firstError {
                events.record(workload, type: "Warning", reason: "FailedDelete", message: "Error deleting: \(firstError)")
                throw ReplicaSetSyncError(reason: "FailedDelete", message: "\(firstError)")
            }
        }
    }

    static func json(_ pod: Pod) -> JSONValue {
        (try? JSONParser.parse(Array(JSONEncoder().encode(pod)))) ?? .null
    }

    private func createPod(for workload: Workload, template: PodTemplateSpec?) async throws {
        let name = workload.metadata?.name ?? ""
        let pod = Pod(metadata: ObjectMeta(annotations: template?.metadata?.annotations, generateName: "\(name)-",
                                           labels: template?.metadata?.labels, namespace: workload.metadata?.namespace,
                                           ownerReferences: [ownerReference(workload)]),
                      spec: template?.spec)
        let created = try await pods.create(pod, namespace: workload.metadata?.namespace)
        events.record(workload, reason: "SuccessfulCreate", message: "Created pod: \(created.metadata?.name ?? "")")
    }

    private func updateStatus(_ workload: Workload, pods: [Pod], failure: (reason: String, message: String)?) async throws {
        let templateLabels = workload.podTemplate?.metadata?.labels ?? [:]
        let minReady = workload.minReadySecondsValue
        var counts = ReplicaCounts()
        counts.replicas = Int32(pods.count)
        counts.fullyLabeledReplicas = Int32(pods.filter { pod in templateLabels.allSatisfy { pod.metadata?.labels?[$0.key] == $0.value } }.count)
        counts.readyReplicas = Int32(pods.filter(\.isReady).count)
        counts.availableReplicas = Int32(pods.filter { $0.isAvailable(minReadySeconds: minReady) }.count)
        counts.observedGeneration = workload.metadata?.generation ?? 0
        counts.failure = failure
        if counts.readyReplicas > counts.availableReplicas, minReady > 0 {
            queue.addAfter(workload.key, delay: .seconds(Int(minReady)))
        }
        guard counts != workload.counts else { return }
        var updated = workload
        updated.setCounts(counts)
        do {
            _ = try await workloads.updateStatus(updated)
        } catch let error as APIError where error.reason == .conflict || error.reason == .notFound {
            // A newer version is on its way through the informer; it re-queues the key.
            return
        }
    }
}

/// Why a sync could not create or delete pods; surfaces as the ReplicaFailure condition.
struct ReplicaSetSyncError: Error, CustomStringConvertible {
    var reason: String
    var message: String
    var description: String { "\(reason): \(message)" }
}
