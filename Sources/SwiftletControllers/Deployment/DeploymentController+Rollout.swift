import SwiftletAPI
import SwiftletClient

/// The strategies: RollingUpdate, Recreate, and scaling (also while paused) — upstream's `rolling.go`,
/// `recreate.go` and `sync.go`.
extension DeploymentController {
    // MARK: scaling and paused

    /// Sizes the ReplicaSets for `spec.replicas` without advancing the rollout (upstream's `sync`).
    func syncScaling(_ d: inout Deployment, _ rsList: [ReplicaSet]) async throws {
        let (new, old) = try await newAndOldReplicaSets(&d, rsList, create: false)
        let written = try await scale(d, new: new, old: old)
        let all = Self.replacing(old + (new.map { [$0] } ?? []), with: written)
        if d.isPaused { try await cleanUp(d, old: Self.replacing(old, with: written)) }
        try await writeStatus(&d, DeploymentUtil.calculateStatus(d, all: all, new: new.map { Self.replacing([$0], with: written)[0] }))
    }

    /// Upstream's `scale()`: one active ReplicaSet takes the whole count; a saturated new one leaves the old at 0;
    /// otherwise a rolling Deployment's change is shared out proportionally. Returns the ReplicaSets written.
    func scale(_ d: Deployment, new: ReplicaSet?, old: [ReplicaSet]) async throws -> [ReplicaSet] {
        let want = d.desiredReplicas
        if let target = DeploymentUtil.activeOrLatest(new: new, old: old) {
            if target.replicaCount == want { return [] }
            return [try await scaleReplicaSet(target, to: want, for: d).rs]
        }
        var written: [ReplicaSet] = []
        if DeploymentUtil.isSaturated(d, new) {
            for rs in DeploymentUtil.active(old) { written.append(try await scaleReplicaSet(rs, to: 0, for: d).rs) }
            return written
        }
        guard !d.isRecreate else { return [] }
        let active = DeploymentUtil.active(old + (new.map { [$0] } ?? []))
        let (sizes, operation) = DeploymentUtil.proportionalSizes(d, active: active)
        for (name, size) in sizes {
            guard let rs = active.first(where: { $0.metadata?.name == name }) else { continue }
            written.append(try await scaleReplicaSet(rs, to: size, for: d, operation: operation).rs)
        }
        return written
    }

    // MARK: RollingUpdate

    /// Scales the new ReplicaSet up within maxSurge, then the old ones down within maxUnavailable (upstream's `rolloutRolling`).
    func rolloutRolling(_ d: inout Deployment, _ rsList: [ReplicaSet]) async throws {
        let (created, old) = try await newAndOldReplicaSets(&d, rsList, create: true)
        guard var new = created else { return }
        var all = old + [new]

        let (scaledUp, newWritten) = try await reconcileNewReplicaSet(d, all: all, new: new)
        new = newWritten
        all = old + [new]
        if scaledUp { return try await syncRolloutStatus(&d, all: all, new: new) }

        let (scaledDown, oldWritten) = try await reconcileOldReplicaSets(d, all: all, old: DeploymentUtil.active(old), new: new)
        all = Self.replacing(old, with: oldWritten) + [new]
        if scaledDown { return try await syncRolloutStatus(&d, all: all, new: new) }

        if DeploymentUtil.isComplete(d, d.status ?? DeploymentStatus()) { try await cleanUp(d, old: old) }
        try await syncRolloutStatus(&d, all: all, new: new)
    }

    /// Upstream's `reconcileNewReplicaSet`.
    private func reconcileNewReplicaSet(_ d: Deployment, all: [ReplicaSet], new: ReplicaSet) async throws -> (Bool, ReplicaSet) {
        let want = d.desiredReplicas
        if new.replicaCount == want { return (false, new) }
        if new.replicaCount > want { return try await scaleReplicaSet(new, to: want, for: d) }
        let next = RollingUpdateMath.newReplicaSetReplicas(desired: Int(want), currentPodCount: Int(DeploymentUtil.specReplicas(all)),
                                                           newReplicas: Int(new.replicaCount), maxSurge: Int(d.maxSurge))
        return try await scaleReplicaSet(new, to: Int32(next), for: d)
    }

    /// Upstream's `reconcileOldReplicaSets`: first old pods that are not available, then available ones, oldest
    /// ReplicaSets first, never below `replicas - maxUnavailable` available.
    private func reconcileOldReplicaSets(_ d: Deployment, all: [ReplicaSet], old: [ReplicaSet], new: ReplicaSet) async throws -> (Bool, [ReplicaSet]) {
        guard DeploymentUtil.specReplicas(old) > 0 else { return (false, []) }
        let maxScaledDown = Int32(RollingUpdateMath.maxScaleDown(
            desired: Int(d.desiredReplicas), maxUnavailable: Int(d.maxUnavailable), allPods: Int(DeploymentUtil.specReplicas(all)),
            newReplicas: Int(new.replicaCount), newAvailable: Int(new.status?.availableReplicas ?? 0)))
        guard maxScaledDown > 0 else { return (false, []) }

        var written: [ReplicaSet] = []
        // Unhealthy replicas first: scaling them away never lowers availability.
        var cleaned: Int32 = 0
        for rs in DeploymentUtil.byCreation(old) {
            if cleaned >= maxScaledDown { break }
            let available = rs.status?.availableReplicas ?? 0
            if rs.replicaCount == 0 || rs.replicaCount == available { continue }
            let count = min(maxScaledDown - cleaned, rs.replicaCount - available)
            written.append(try await scaleReplicaSet(rs, to: rs.replicaCount - count, for: d).rs)
            cleaned += count
        }
        let old = Self.replacing(old, with: written)

        // Then available ones, as far as the availability floor allows.
        let minAvailable = d.desiredReplicas - d.maxUnavailable
        let availableNow = DeploymentUtil.availableReplicas(old + [new])
        var scaled: Int32 = 0
        if availableNow > minAvailable {
            let total = availableNow - minAvailable
            for rs in DeploymentUtil.byCreation(old) {
                if scaled >= total { break }
                if rs.replicaCount == 0 { continue }
                let count = min(rs.replicaCount, total - scaled)
                written.append(try await scaleReplicaSet(rs, to: rs.replicaCount - count, for: d).rs)
                scaled += count
            }
        }
        return (cleaned + scaled > 0, written)
    }

    // MARK: Recreate

    /// Old ReplicaSets to 0, wait for their pods to be gone, then the new one to full (upstream's `rolloutRecreate`).
    func rolloutRecreate(_ d: inout Deployment, _ rsList: [ReplicaSet]) async throws {
        var (new, old) = try await newAndOldReplicaSets(&d, rsList, create: false)
        var written: [ReplicaSet] = []
        for rs in DeploymentUtil.active(old) {
            let result = try await scaleReplicaSet(rs, to: 0, for: d)
            if result.scaled { written.append(result.rs) }
        }
        old = Self.replacing(old, with: written)
        if !written.isEmpty || oldPodsRunning(new: new, old: old) {
            return try await syncRolloutStatus(&d, all: old + (new.map { [$0] } ?? []), new: new)
        }
        if new == nil {
            (new, _) = try await newAndOldReplicaSets(&d, rsList, create: true)
        }
        guard var newRS = new else { return }
        newRS = try await scaleReplicaSet(newRS, to: d.desiredReplicas, for: d).rs
        if DeploymentUtil.isComplete(d, d.status ?? DeploymentStatus()) { try await cleanUp(d, old: old) }
        try await syncRolloutStatus(&d, all: old + [newRS], new: newRS)
    }

    /// Whether any pod of an old ReplicaSet still exists and has not finished (upstream's `oldPodsRunning`).
    private func oldPodsRunning(new: ReplicaSet?, old: [ReplicaSet]) -> Bool {
        if DeploymentUtil.actualReplicas(old) > 0 { return true }
        let oldUIDs = Set(old.compactMap { $0.metadata?.uid }).subtracting([new?.metadata?.uid].compactMap { $0 })
        guard let namespace = old.first?.metadata?.namespace else { return false }
        return Lister(indexer: podInformer.indexer).list(namespace: namespace).contains { pod in
            guard let uid = pod.controllerRef?.uid, oldUIDs.contains(uid) else { return false }
            let phase = pod.status?.phase ?? ""
            return phase != "Failed" && phase != "Succeeded"
        }
    }

    // MARK: status

    /// Writes the rollout status, or, when nothing changed, looks again when the progress deadline may pass.
    func syncRolloutStatus(_ d: inout Deployment, all: [ReplicaSet], new: ReplicaSet?) async throws {
        let status = DeploymentUtil.rolloutStatus(d, all: all, new: new)
        if status == d.status {
            if let delay = DeploymentUtil.recheckDelay(d, status) { queue.addAfter(d.key, delay: delay) }
            return
        }
        try await writeStatus(&d, status)
    }

    /// `list` with each ReplicaSet replaced by its written version.
    static func replacing(_ list: [ReplicaSet], with written: [ReplicaSet]) -> [ReplicaSet] {
        guard !written.isEmpty else { return list }
        let byUID = Dictionary(written.map { ($0.metadata?.uid ?? "", $0) }, uniquingKeysWith: { _, last in last })
        return list.map { byUID[$0.metadata?.uid ?? ""] ?? $0 }
    }
}
