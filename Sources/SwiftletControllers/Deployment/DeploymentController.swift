import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Rolls Deployments out through ReplicaSets, one per pod template — upstream's deployment controller
/// (v1.32): handlers that only enqueue Deployment keys and one `sync(key)`.
public final class DeploymentController: Sendable {
    let deployments: ResourceClient<Deployment>
    let replicaSets: ResourceClient<ReplicaSet>
    let deploymentInformer: Informer<Deployment>
    let replicaSetInformer: Informer<ReplicaSet>
    let podInformer: Informer<Pod>
    let queue = WorkQueue<String>()
    /// A created ReplicaSet is awaited in the cache before the next sync acts, so it is never made twice.
    let expectations = ControllerExpectations()
    let events: EventRecorder
    let logger: Logger
    let workers: Int

    public init(transport: any APITransport, informers: SharedInformerFactory, workers: Int = 5, logger: Logger) {
        self.deployments = ResourceClient<Deployment>(transport: transport)
        self.replicaSets = ResourceClient<ReplicaSet>(transport: transport)
        self.deploymentInformer = informers.informer(for: Deployment.self)
        self.replicaSetInformer = informers.informer(for: ReplicaSet.self)
        self.podInformer = informers.informer(for: Pod.self)
        self.events = EventRecorder(transport: transport, component: "deployment-controller", logger: logger)
        self.logger = logger
        self.workers = workers
    }

    /// Runs the workers until cancelled.
    public func run() async {
        _ = deploymentInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] d in queue.add(d.key) },
            onUpdate: { [queue] _, d in queue.add(d.key) },
            onDelete: { [queue, expectations] deleted in
                expectations.deleteExpectations(deleted.object.key)
                queue.add(deleted.object.key)
            }))
        _ = replicaSetInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] rs in self?.replicaSetAdded(rs) },
            onUpdate: { [weak self] old, new in self?.replicaSetUpdated(old, new) },
            onDelete: { [weak self] deleted in self?.replicaSetDeleted(deleted.object) }))
        _ = podInformer.addEventHandler(ResourceEventHandler(
            onDelete: { [weak self] deleted in self?.podDeleted(deleted.object) }))
        guard await deploymentInformer.waitForSync(), await replicaSetInformer.waitForSync(), await podInformer.waitForSync() else { return }
        await queue.runWorkers(workers, logger: logger, what: "deployment sync") { [self] key in try await self.sync(key) }
    }

    // MARK: handlers

    /// The key of the Deployment controlling `rs`, if it exists with that uid.
    private func controllerKey(namespace: String?, ref: OwnerReference?) -> String? {
        guard let ref, ref.controller == true, ref.kind == "Deployment" else { return nil }
        let key = ObjectKey.make(namespace: namespace, name: ref.name ?? "")
        guard let owner = deploymentInformer.indexer.get(key: key), owner.metadata?.uid == ref.uid else { return nil }
        return key
    }

    /// Deployments whose selector matches an orphan ReplicaSet's labels (candidates to adopt it).
    private func matchingDeployments(_ rs: ReplicaSet) -> [Deployment] {
        let labels = rs.metadata?.labels ?? [:]
        return Lister(indexer: deploymentInformer.indexer).list(namespace: rs.metadata?.namespace ?? "").filter {
            let selector = LabelSelector.from($0.spec?.selector)
            return !selector.isEmpty && selector.matches(labels)
        }
    }

    private func replicaSetAdded(_ rs: ReplicaSet) {
        if rs.metadata?.deletionTimestamp != nil {
            replicaSetDeleted(rs)
            return
        }
        if let ref = rs.controllerRef {
            guard let key = controllerKey(namespace: rs.metadata?.namespace, ref: ref) else { return }
            expectations.creationObserved(key)
            queue.add(key)
        } else {
            for d in matchingDeployments(rs) { queue.add(d.key) }
        }
    }

    private func replicaSetUpdated(_ old: ReplicaSet, _ new: ReplicaSet) {
        if old.metadata?.resourceVersion == new.metadata?.resourceVersion { return }
        let oldKey = controllerKey(namespace: old.metadata?.namespace, ref: old.controllerRef)
        let newKey = controllerKey(namespace: new.metadata?.namespace, ref: new.controllerRef)
        if let oldKey, oldKey != newKey { queue.add(oldKey) }
        if let newKey {
            queue.add(newKey)
        } else if new.controllerRef == nil, old.metadata?.labels != new.metadata?.labels || old.controllerRef != nil {
            for d in matchingDeployments(new) { queue.add(d.key) }
        }
    }

    private func replicaSetDeleted(_ rs: ReplicaSet) {
        if let key = controllerKey(namespace: rs.metadata?.namespace, ref: rs.controllerRef) { queue.add(key) }
    }

    /// A Recreate rollout waits for the old pods to be gone; each pod deletion may be the last one.
    private func podDeleted(_ pod: Pod) {
        guard let ref = pod.controllerRef, ref.kind == "ReplicaSet" else { return }
        let rsKey = ObjectKey.make(namespace: pod.metadata?.namespace, name: ref.name ?? "")
        guard let rs = replicaSetInformer.indexer.get(key: rsKey), rs.metadata?.uid == ref.uid,
              let key = controllerKey(namespace: rs.metadata?.namespace, ref: rs.controllerRef),
              deploymentInformer.indexer.get(key: key)?.isRecreate == true else { return }
        queue.add(key)
    }

    // MARK: sync

    /// Moves one Deployment's rollout a step and writes its status (upstream's `syncDeployment`).
    func sync(_ key: String) async throws {
        guard var d = deploymentInformer.indexer.get(key: key) else {
            expectations.deleteExpectations(key)
            return
        }
        guard expectations.satisfiedExpectations(key) else { return }
        if LabelSelector.from(d.spec?.selector).isEmpty {
            events.record(d, type: "Warning", reason: "SelectingAll", message: "This deployment is selecting all pods. A non-empty selector is required.")
            if (d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0) {
                var status = d.status ?? DeploymentStatus()
                status.observedGeneration = d.metadata?.generation
                try await writeStatus(&d, status)
            }
            return
        }
        let rsList = await claimReplicaSets(d)
        if d.metadata?.deletionTimestamp != nil {
            let (new, old) = try await newAndOldReplicaSets(&d, rsList, create: false)
            try await writeStatus(&d, DeploymentUtil.calculateStatus(d, all: old + (new.map { [$0] } ?? []), new: new))
            return
        }
        try await checkPausedConditions(&d)
        let scalingEvent = try await isScalingEvent(&d, rsList)
        if d.isPaused || scalingEvent {
            try await syncScaling(&d, rsList)
            return
        }
        if d.isRecreate {
            try await rolloutRecreate(&d, rsList)
        } else {
            try await rolloutRolling(&d, rsList)
        }
    }

    /// Records DeploymentPaused / DeploymentResumed in the Progressing condition (upstream's `checkPausedConditions`).
    private func checkPausedConditions(_ d: inout Deployment) async throws {
        guard d.hasProgressDeadline else { return }
        let current = d.status?.condition("Progressing")
        if current?.reason == DeploymentReason.timedOut { return }
        let pausedRecorded = current?.reason == DeploymentReason.paused
        var status = d.status ?? DeploymentStatus()
        if d.isPaused && !pausedRecorded {
            status.setCondition(DeploymentStatus.newCondition("Progressing", "Unknown", reason: DeploymentReason.paused, message: "Deployment is paused"))
        } else if !d.isPaused && pausedRecorded {
            status.setCondition(DeploymentStatus.newCondition("Progressing", "Unknown", reason: DeploymentReason.resumed, message: "Deployment is resumed"))
        } else {
            return
        }
        try await writeStatus(&d, status)
    }

    /// Whether some active ReplicaSet was sized for a different `spec.replicas` (upstream's `isScalingEvent`).
    private func isScalingEvent(_ d: inout Deployment, _ rsList: [ReplicaSet]) async throws -> Bool {
        let (new, old) = try await newAndOldReplicaSets(&d, rsList, create: false)
        let want = d.desiredReplicas
        return DeploymentUtil.active(old + (new.map { [$0] } ?? [])).contains { rs in
            guard let desired = Int32(rs.metadata?.annotations?[DeploymentUtil.desiredReplicasAnnotation] ?? "") else { return false }
            return desired != want
        }
    }
}

