import Foundation
import SwiftletAPI
import SwiftletClient

/// The core loop: which node needs a pod, which pod must go, and the creates and deletes themselves.
extension DaemonSetController {
    /// The DaemonSet's pods (adopting matching orphans, releasing owned pods that stopped matching) grouped by
    /// the node they are on or meant for; finished pods already being deleted are left out unless asked for.
    func nodesToDaemonPods(_ ds: DaemonSet, includeDeletedTerminal: Bool) async -> [String: [Pod]] {
        var result: [String: [Pod]] = [:]
        for pod in await claimPods(ds) {
            let phase = pod.status?.phase ?? ""
            if !includeDeletedTerminal, phase == "Succeeded" || phase == "Failed", pod.metadata?.deletionTimestamp != nil { continue }
            guard let node = DaemonPodPlacement.targetNodeName(of: pod) else {
                logger.warning("cannot tell the target node of a daemon pod", metadata: ["pod": "\(pod.key)"])
                continue
            }
            result[node, default: []].append(pod)
        }
        return result
    }

    /// Upstream's `ControllerRefManager.ClaimPods` for a DaemonSet.
    private func claimPods(_ ds: DaemonSet) async -> [Pod] {
        let selector = LabelSelector.from(ds.spec?.selector)
        return await ControllerRefManager(ds, client: pods).claim(Lister(indexer: podInformer.indexer).list(namespace: ds.metadata?.namespace ?? "")) {
            selector.matches($0.metadata?.labels ?? [:])
        }
    }

    /// Creates pods on nodes that need one and deletes pods that must go (upstream's `manage`).
    func manage(_ ds: DaemonSet, nodes: [Node], hash: String) async throws {
        let nodeToPods = await nodesToDaemonPods(ds, includeDeletedTerminal: false)
        var nodesNeedingPods: [String] = []
        var podsToDelete: [Pod] = []
        for node in nodes.sorted(by: { ($0.metadata?.name ?? "") < ($1.metadata?.name ?? "") }) {
            let (create, delete) = podsShouldBeOnNode(node, nodeToPods: nodeToPods, ds: ds, hash: hash)
            nodesNeedingPods += create
            podsToDelete += delete
        }
        // Unscheduled pods meant for nodes that are gone would never be scheduled nor collected.
        let nodeNames = Set(nodes.compactMap { $0.metadata?.name })
        for (node, pods) in nodeToPods where !nodeNames.contains(node) {
            podsToDelete += pods.filter { ($0.spec?.nodeName ?? "").isEmpty && $0.metadata?.deletionTimestamp == nil }
        }
        try await syncNodes(ds, podsToDelete: podsToDelete, nodesNeedingPods: nodesNeedingPods, hash: hash)
    }

    /// What one node needs: a new pod, or the deletion of failed, surplus or misplaced ones (upstream's `podsShouldBeOnNode`).
    private func podsShouldBeOnNode(_ node: Node, nodeToPods: [String: [Pod]], ds: DaemonSet, hash: String) -> (create: [String], delete: [Pod]) {
        let nodeName = node.metadata?.name ?? ""
        let (shouldRun, shouldContinueRunning) = DaemonPodPlacement.shouldRun(ds, on: node)
        let daemonPods = nodeToPods[nodeName]
        var create: [String] = []
        var delete: [Pod] = []
        if shouldRun && daemonPods == nil {
            create.append(nodeName)
        } else if shouldContinueRunning {
            var running: [Pod] = []
            for pod in daemonPods ?? [] where pod.metadata?.deletionTimestamp == nil {
                switch pod.status?.phase ?? "" {
                case "Failed":
                    // The kubelet may keep rejecting the pod: back off per node instead of hot-looping.
                    let backoffKey = "\(ds.metadata?.uid ?? "")/\(ds.status?.observedGeneration ?? 0)/\(nodeName)"
                    if let delay = failedPodsBackoff.delayOrAdvance(backoffKey) {
                        queue.addAfter(ds.key, delay: delay)
                        continue
                    }
                    events.record(ds, type: "Warning", reason: "FailedDaemonPod",
                                  message: "Found failed daemon pod \(pod.metadata?.namespace ?? "")/\(pod.metadata?.name ?? "") on node \(nodeName), will try to kill it")
                    delete.append(pod)
                case "Succeeded":
                    delete.append(pod)
                default:
                    running.append(pod)
                }
            }
            running.sort(by: Self.oldestFirst)
            if Self.maxSurge(ds, desired: 1) == 0 {
                // Without surge one pod per node: keep the oldest.
                delete += running.dropFirst()
            } else if running.count <= 1 {
                if running.isEmpty && shouldRun { create.append(nodeName) }
            } else {
                // With surge an old and a new pod may overlap until the new one is available.
                let generation = Self.templateGeneration(ds)
                var oldestNew: Pod?, oldestOld: Pod?
                for pod in running {
                    if Self.isUpdated(pod, hash: hash, generation: generation) {
                        if oldestNew == nil { oldestNew = pod; continue }
                    } else {
                        if oldestOld == nil { oldestOld = pod; continue }
                    }
                    delete.append(pod)
                }
                if let oldestNew, let oldestOld {
                    if !oldestOld.isReady || oldestNew.isAvailable(minReadySeconds: ds.spec?.minReadySeconds ?? 0) {
                        delete.append(oldestOld)
                    }
                }
            }
        } else if let daemonPods {
            delete += daemonPods.filter { $0.metadata?.deletionTimestamp == nil }
        }
        return (create, delete)
    }

    /// Creates pods on `nodesNeedingPods` in slow-start batches and deletes `podsToDelete`, at most
    /// `burstReplicas` of each, with expectations set first (upstream's `syncNodes`).
    func syncNodes(_ ds: DaemonSet, podsToDelete: [Pod], nodesNeedingPods: [String], hash: String) async throws {
        let key = ds.key
        let toCreate = Array(nodesNeedingPods.prefix(burstReplicas))
        let toDelete = Array(podsToDelete.prefix(burstReplicas))
        expectations.expectDeletions(key, objectKeys: toDelete.map(\.key))
        expectations.raiseExpectations(key, add: toCreate.count, delete: 0)
        var firstError: (any Error)?

        let template = Self.podTemplate(ds, hash: hash)
        var position = 0
        var batch = min(1, toCreate.count)
        while batch > 0 {
            let names = toCreate[position..<(position + batch)]
            let errors = await withTaskGroup(of: (any Error)?.self) { group in
                for node in names {
                    group.addTask { [self] in
                        do {
                            try await createPod(ds, template: template, node: node)
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                var errors: [any Error] = []
                for await error in group { if let error { errors.append(error) } }
                return errors
            }
            for _ in errors { expectations.creationObserved(key) }
            position += batch
            if let error = errors.first {
                events.record(ds, type: "Warning", reason: "FailedCreate", message: "Error creating: \(error)")
                firstError = firstError ?? error
                // A failing batch stops the slow start; the rest is retried on a later sync.
                expectations.lowerExpectations(key, add: toCreate.count - position, delete: 0)
                break
            }
            batch = min(2 * batch, toCreate.count - position)
        }

        let deleteErrors = await withTaskGroup(of: (any Error)?.self) { group in
            for pod in toDelete {
                group.addTask { [self] in
                    let name = pod.metadata?.name ?? ""
                    do {
                        _ = try await pods.delete(name, namespace: pod.metadata?.namespace)
                        events.record(ds, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
                        return nil
                    } catch let error as APIError where error.reason == .notFound {
                        expectations.deletionObserved(key, objectKey: pod.key)
                        return nil
                    } catch {
                        expectations.deletionObserved(key, objectKey: pod.key)
                        events.record(ds, type: "Warning", reason: "FailedDelete", message: "Error deleting: \(error)")
                        return error
                    }
                }
            }
            var errors: [any Error] = []
            for await error in group { if let error { errors.append(error) } }
            return errors
        }
        if let error = firstError ?? deleteErrors.first { throw error }
    }

    /// The DaemonSet's template with the daemon tolerations and the generation and revision labels
    /// (upstream's `CreatePodTemplate`).
    static func podTemplate(_ ds: DaemonSet, hash: String) -> PodTemplateSpec {
        var template = ds.spec?.template ?? PodTemplateSpec()
        var spec = template.spec ?? PodSpec()
        DaemonPodPlacement.addDaemonTolerations(&spec)
        template.spec = spec
        var meta = template.metadata ?? ObjectMeta()
        var labels = meta.labels ?? [:]
        if let generation = templateGeneration(ds) { labels[templateGenerationLabel] = String(generation) }
        if !hash.isEmpty { labels[revisionHashLabel] = hash }
        meta.labels = labels
        template.metadata = meta
        return template
    }

    private func createPod(_ ds: DaemonSet, template: PodTemplateSpec, node: String) async throws {
        var spec = template.spec ?? PodSpec()
        // Pinned by affinity, not nodeName, so the scheduler still binds the pod (and accounts its resources).
        spec.affinity = DaemonPodPlacement.pin(spec.affinity, to: node)
        let owner = OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true, kind: "DaemonSet",
                                   name: ds.metadata?.name, uid: ds.metadata?.uid)
        let pod = Pod(metadata: ObjectMeta(annotations: template.metadata?.annotations, finalizers: template.metadata?.finalizers,
                                           generateName: "\(ds.metadata?.name ?? "")-", labels: template.metadata?.labels,
                                           namespace: ds.metadata?.namespace, ownerReferences: [owner]),
                      spec: spec)
        let created = try await pods.create(pod, namespace: ds.metadata?.namespace)
        events.record(ds, reason: "SuccessfulCreate", message: "Created pod: \(created.metadata?.name ?? "")")
    }
}
