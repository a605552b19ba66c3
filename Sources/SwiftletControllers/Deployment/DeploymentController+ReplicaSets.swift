import Foundation
import SwiftletAPI
import SwiftletClient

/// Finding, creating, scaling and deleting a Deployment's ReplicaSets, and writing its status.
extension DeploymentController {
    /// Adopts matching orphans and releases owned ReplicaSets that stopped matching (upstream's ControllerRefManager).
    func claimReplicaSets(_ d: Deployment) async -> [ReplicaSet] {
        let selector = LabelSelector.from(d.spec?.selector)
        return await ControllerRefManager(d, client: replicaSets).claim(
            Lister(indexer: replicaSetInformer.indexer).list(namespace: d.metadata?.namespace ?? "")) {
            selector.matches($0.metadata?.labels ?? [:])
        }
    }

    /// The new ReplicaSet (created when `create` and missing) and all the others, with the revision annotations
    /// brought up to date on both the new ReplicaSet and the Deployment (upstream's `getAllReplicaSetsAndSyncRevision`).
    func newAndOldReplicaSets(_ d: inout Deployment, _ rsList: [ReplicaSet], create: Bool) async throws -> (new: ReplicaSet?, old: [ReplicaSet]) {
        let existing = DeploymentUtil.findNewReplicaSet(d, in: rsList)
        let old = rsList.filter { existing == nil || $0.metadata?.uid != existing?.metadata?.uid }
        let newRevision = DeploymentUtil.maxRevision(old) + 1
        if var rs = existing {
            let annotationsChanged = DeploymentUtil.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: true)
            if annotationsChanged || rs.spec?.minReadySeconds != d.spec?.minReadySeconds {
                rs.spec?.minReadySeconds = d.spec?.minReadySeconds
                rs = try await writeReplicaSet(rs)
            }
            try await setDeploymentRevision(&d, rs.metadata?.annotations?[DeploymentUtil.revisionAnnotation] ?? "")
            if d.hasProgressDeadline && d.status?.condition("Progressing") == nil {
                var status = d.status ?? DeploymentStatus()
                status.setCondition(DeploymentStatus.newCondition("Progressing", "True", reason: DeploymentReason.foundNewReplicaSet,
                                                                  message: "Found new replica set \"\(rs.metadata?.name ?? "")\""))
                try await writeStatus(&d, status)
            }
            return (rs, old)
        }
        guard create else { return (nil, old) }
        return (try await createNewReplicaSet(&d, old: old, revision: newRevision), old)
    }

    /// Creates `<deployment>-<pod-template-hash>`; on a name clash with another template, bumps collisionCount and throws.
    private func createNewReplicaSet(_ d: inout Deployment, old: [ReplicaSet], revision: Int64) async throws -> ReplicaSet {
        let key = d.key
        let hash = DeploymentUtil.templateHash(d.spec?.template, collisionCount: d.status?.collisionCount)
        var template = d.spec?.template ?? PodTemplateSpec()
        var templateMeta = template.metadata ?? ObjectMeta()
        templateMeta.labels = (templateMeta.labels ?? [:]).merging([DeploymentUtil.templateHashLabel: hash]) { _, new in new }
        template.metadata = templateMeta
        var selector = d.spec?.selector ?? MetaLabelSelector()
        selector.matchLabels = (selector.matchLabels ?? [:]).merging([DeploymentUtil.templateHashLabel: hash]) { _, new in new }
        let name = "\(d.metadata?.name ?? "")-\(hash)"
        let owner = OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true, kind: "Deployment",
                                   name: d.metadata?.name, uid: d.metadata?.uid)
        var rs = ReplicaSet(metadata: ObjectMeta(labels: template.metadata?.labels, name: name, namespace: d.metadata?.namespace,
                                                 ownerReferences: [owner]),
                            spec: ReplicaSetSpec(minReadySeconds: d.spec?.minReadySeconds, replicas: 0, selector: selector, template: template))
        let replicas = d.isRecreate ? d.desiredReplicas
            : Int32(RollingUpdateMath.newReplicaSetReplicas(desired: Int(d.desiredReplicas), currentPodCount: Int(DeploymentUtil.specReplicas(old)),
                                                            newReplicas: 0, maxSurge: Int(d.maxSurge)))
        rs.spec?.replicas = replicas
        _ = DeploymentUtil.setNewReplicaSetAnnotations(d, &rs, newRevision: revision, exists: false)

        expectations.expectCreations(key, count: 1)
        let created: ReplicaSet
        var alreadyExisted = false
        do {
            created = try await replicaSets.create(rs, namespace: d.metadata?.namespace)
        } catch let error as APIError where error.reason == .alreadyExists {
            expectations.lowerExpectations(key, add: 1, delete: 0)
            let current = try await replicaSets.get(name, namespace: d.metadata?.namespace)
            if current.controllerRef?.uid == d.metadata?.uid, DeploymentUtil.equalIgnoringHash(current.spec?.template, d.spec?.template) {
                created = current
                alreadyExisted = true
            } else {
                // A hash collision: another template already owns the name; the next hash includes a higher count.
                var status = d.status ?? DeploymentStatus()
                status.collisionCount = (status.collisionCount ?? 0) + 1
                try await writeStatus(&d, status)
                logger.info("found a hash collision for deployment; bumping collisionCount", metadata: ["deployment": "\(key)"])
                throw error
            }
        } catch {
            expectations.lowerExpectations(key, add: 1, delete: 0)
            let message = "Failed to create new replica set \"\(name)\": \(error)"
            if d.hasProgressDeadline {
                var status = d.status ?? DeploymentStatus()
                status.setCondition(DeploymentStatus.newCondition("Progressing", "False", reason: DeploymentReason.failedCreate, message: message))
                try? await writeStatus(&d, status)
            }
            events.record(d, type: "Warning", reason: DeploymentReason.failedCreate, message: message)
            throw error
        }
        if !alreadyExisted && replicas > 0 {
            events.record(d, reason: "ScalingReplicaSet", message: "Scaled up replica set \(name) from 0 to \(replicas)")
        }
        try await setDeploymentRevision(&d, String(revision))
        if !alreadyExisted && d.hasProgressDeadline {
            var status = d.status ?? DeploymentStatus()
            status.setCondition(DeploymentStatus.newCondition("Progressing", "True", reason: DeploymentReason.newReplicaSetCreated,
                                                              message: "Created new replica set \"\(name)\""))
            try await writeStatus(&d, status)
        }
        return created
    }

    /// Mirrors the new ReplicaSet's revision in the Deployment's own annotation (what `kubectl rollout history` shows).
    private func setDeploymentRevision(_ d: inout Deployment, _ revision: String) async throws {
        guard !revision.isEmpty, d.metadata?.annotations?[DeploymentUtil.revisionAnnotation] != revision else { return }
        let patch: JSONValue = ["metadata": ["annotations": [DeploymentUtil.revisionAnnotation: .string(revision)]]]
        let patched = try await deployments.patch(d.metadata?.name ?? "", namespace: d.metadata?.namespace, type: .merge, body: patch)
        // Keep the status computed so far; take the new metadata (resourceVersion) so the status write does not conflict.
        d.metadata = patched.metadata
    }

    /// Scales `rs` to `newScale` (and refreshes its replicas annotations), recording ScalingReplicaSet; returns
    /// whether the size changed and the ReplicaSet as written (upstream's `scaleReplicaSetAndRecordEvent`).
    @discardableResult
    func scaleReplicaSet(_ rs: ReplicaSet, to newScale: Int32, for d: Deployment, operation: String? = nil) async throws -> (scaled: Bool, rs: ReplicaSet) {
        let oldScale = rs.replicaCount
        if operation == nil && oldScale == newScale { return (false, rs) }
        var copy = rs
        let annotationsChanged = DeploymentUtil.setReplicasAnnotations(&copy, desired: d.desiredReplicas, max: d.desiredReplicas + d.maxSurge)
        guard oldScale != newScale || annotationsChanged else { return (false, rs) }
        copy.spec = copy.spec ?? ReplicaSetSpec()
        copy.spec?.replicas = newScale
        let written = try await writeReplicaSet(copy)
        guard oldScale != newScale else { return (false, written) }
        let verb = operation ?? (newScale > oldScale ? "up" : "down")
        events.record(d, reason: "ScalingReplicaSet", message: "Scaled \(verb) replica set \(rs.metadata?.name ?? "") from \(oldScale) to \(newScale)")
        return (true, written)
    }

    /// Writes the replicas, minReadySeconds and annotations of `rs` as a merge patch pinned to its resourceVersion:
    /// a stale cache conflicts as an update would, while the selector and template are left as stored.
    private func writeReplicaSet(_ rs: ReplicaSet) async throws -> ReplicaSet {
        var annotations = JSONObject()
        for (k, v) in rs.metadata?.annotations ?? [:] { annotations[k] = .string(v) }
        var spec = JSONObject()
        spec["replicas"] = .int(Int64(rs.replicaCount))
        spec["minReadySeconds"] = rs.spec?.minReadySeconds.map { .int(Int64($0)) } ?? .null
        let patch: JSONValue = ["metadata": ["resourceVersion": .string(rs.metadata?.resourceVersion ?? ""), "annotations": .object(annotations)],
                                "spec": .object(spec)]
        return try await replicaSets.patch(rs.metadata?.name ?? "", namespace: rs.metadata?.namespace, type: .merge, body: patch)
    }

    /// Deletes old, fully scaled-down ReplicaSets beyond revisionHistoryLimit, lowest revision first.
    func cleanUp(_ d: Deployment, old: [ReplicaSet]) async throws {
        guard let limit = d.spec?.revisionHistoryLimit else { return }
        for rs in DeploymentUtil.replicaSetsToCleanUp(old: old, limit: limit) {
            do {
                _ = try await replicaSets.delete(rs.metadata?.name ?? "", namespace: rs.metadata?.namespace)
            } catch let error as APIError where error.reason == .notFound {
                continue
            }
        }
    }

    /// Writes `status` unless it is what the Deployment already has; `d` becomes the written object.
    func writeStatus(_ d: inout Deployment, _ status: DeploymentStatus) async throws {
        guard status != d.status else { return }
        var updated = d
        updated.status = status
        d = try await deployments.updateStatus(updated)
    }
}
