import Foundation
import SwiftletAPI
import SwiftletClient

/// The heart of the controller (upstream's `stateful_set_control.go`): pods are slotted by ordinal into replicas
/// (inside `[start, start+replicas)`) and condemned ones (outside it); missing replicas are created, condemned
/// ones deleted from the highest ordinal, then pods not at the update revision are replaced from the highest
/// ordinal down to the partition. With OrderedReady every step waits until all before it are Running, Ready and
/// available; with Parallel nothing waits on readiness.
extension StatefulSetController {
    /// The set's pods as the update sees them: replicas by ordinal (placeholders with no phase for missing ones) and
    /// condemned pods, highest ordinal first.
    struct PodSlots {
        var replicas: [Pod]
        var condemned: [Pod]
    }

    /// Reconciles the set and writes its status, then prunes old revisions.
    func updateStatefulSet(_ set: StatefulSet, pods: [Pod], revisions unsorted: [ControllerRevision]) async throws {
        let revisions = StatefulSetRevision.sorted(unsorted)
        let live = try await resolveRevisions(set, sorted: revisions)
        let currentSet = StatefulSetRevision.apply(live.current, to: set)
        let updateSet = StatefulSetRevision.apply(live.update, to: set)
        let currentName = live.current.metadata?.name ?? "", updateName = live.update.metadata?.name ?? ""

        var slots = PodSlots(replicas: [], condemned: [])
        var byOrdinal: [Int: Pod] = [:]
        for pod in pods {
            if set.inOrdinalRange(pod) {
                byOrdinal[StatefulPodIdentity.ordinal(of: pod)] = pod
            } else if StatefulPodIdentity.ordinal(of: pod) >= 0 {
                slots.condemned.append(pod)
            }
        }
        if set.replicasValue > 0 {
            for ordinal in set.startOrdinal...set.endOrdinal {
                slots.replicas.append(byOrdinal[ordinal] ?? newVersionedPod(currentSet, updateSet, currentName, updateName, ordinal: ordinal))
            }
        }
        slots.condemned.sort { StatefulPodIdentity.ordinal(of: $0) > StatefulPodIdentity.ordinal(of: $1) }

        var failure: (any Error)?
        do {
            try await reconcile(set, currentSet: currentSet, updateSet: updateSet, currentName: currentName, updateName: updateName, slots: &slots)
        } catch {
            failure = error
        }
        var status = Self.status(of: set, slots: slots, revisions: live)
        Self.completeRollingUpdate(set, &status)
        try await writeStatus(set, status)
        if let failure { throw failure }
        if set.minReadySecondsValue > 0, (status.availableReplicas ?? 0) != Int32(set.replicasValue) {
            queue.addAfter(set.key, delay: .seconds(Int(set.minReadySecondsValue)))
        }
        try await truncateHistory(set, pods: pods, sorted: revisions, live: live)
    }

    /// A pod for `ordinal` at the current revision when a rolling update's partition keeps that ordinal back,
    /// otherwise at the update revision (upstream's `newVersionedStatefulSetPod`).
    func newVersionedPod(_ currentSet: StatefulSet, _ updateSet: StatefulSet, _ currentName: String, _ updateName: String,
                         ordinal: Int) -> Pod {
        if !currentSet.isOnDelete, ordinal < currentSet.startOrdinal + currentSet.partition {
            return StatefulPodIdentity.newPod(currentSet, ordinal: ordinal, revision: currentName)
        }
        return StatefulPodIdentity.newPod(updateSet, ordinal: ordinal, revision: updateName)
    }

    private func reconcile(_ set: StatefulSet, currentSet: StatefulSet, updateSet: StatefulSet, currentName: String, updateName: String,
                           slots: inout PodSlots) async throws {
        // A set being deleted only reports status; the garbage collector removes its pods.
        guard set.metadata?.deletionTimestamp == nil else { return }
        let monotonic = !set.isParallel

        // Every replica exists and, in order, is running and ready before anything is deleted.
        let stopAtReplica = try await runForAll(slots.replicas.count, monotonic: monotonic) { i in
            try await processReplica(set, currentSet: currentSet, updateSet: updateSet, currentName: currentName, updateName: updateName,
                                     monotonic: monotonic, replicas: &slots.replicas, index: i)
        }
        if stopAtReplica { return }

        // Claims of condemned pods get the owners whenScaled asks for before the pods go.
        let condemned = slots.condemned
        let stopAtClaims = try await runForAll(condemned.count, monotonic: monotonic) { i in
            if !podControl.claimsMatchRetentionPolicy(updateSet, condemned[i]) {
                try await podControl.updateClaimsForRetentionPolicy(updateSet, condemned[i], known: [:])
            }
            return false
        }
        if stopAtClaims { return }

        let firstUnhealthy = (slots.replicas + slots.condemned.reversed()).first { !$0.isHealthy }
        let stopAtCondemned = try await runForAll(condemned.count, monotonic: monotonic) { i in
            try await processCondemned(set, firstUnhealthy: firstUnhealthy, monotonic: monotonic, pod: condemned[i])
        }
        if stopAtCondemned || set.isOnDelete { return }

        // Rolling update: replace the highest-ordinal pod not at the update revision, one at a time, down to the partition.
        var target = slots.replicas.count - 1
        while target >= set.partition {
            let pod = slots.replicas[target]
            if pod.statefulRevision != updateName && !pod.isTerminating {
                logger.debug("pod of StatefulSet is terminating for update", metadata: ["set": "\(set.key)", "pod": "\(pod.metadata?.name ?? "")"])
                try await podControl.deletePod(set, pod)
                slots.replicas[target].metadata?.deletionTimestamp = Time.now()
                return
            }
            if !pod.isHealthy { return }
            target -= 1
        }
    }

    /// Runs `body` for each index: in order, stopping at the first that asks to stop (monotonic), or for all
    /// (Parallel), where only errors stop the pass. Returns whether the caller must stop.
    private func runForAll(_ count: Int, monotonic: Bool, _ body: (Int) async throws -> Bool) async throws -> Bool {
        var firstError: (any Error)?
        for i in 0..<count {
            do {
                if try await body(i), monotonic { return true }
            } catch {
                if monotonic { throw error }
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return false
    }

    /// One replica slot: recreate a finished pod, create a missing one, wait for one not yet ready (monotonic),
    /// repair identity, storage and claim owners. Returns whether the pass must stop here.
    private func processReplica(_ set: StatefulSet, currentSet: StatefulSet, updateSet: StatefulSet, currentName: String, updateName: String,
                                monotonic: Bool, replicas: inout [Pod], index i: Int) async throws -> Bool {
        let phase = replicas[i].status?.phase ?? ""
        if phase == "Failed" || phase == "Succeeded" {
            let name = replicas[i].metadata?.name ?? ""
            if phase == "Failed" {
                events.record(set, type: "Warning", reason: "RecreatingFailedPod",
                              message: "StatefulSet \(set.metadata?.namespace ?? "")/\(set.metadata?.name ?? "") is recreating failed Pod \(name)")
            } else {
                events.record(set, reason: "RecreatingTerminatedPod",
                              message: "StatefulSet \(set.metadata?.namespace ?? "")/\(set.metadata?.name ?? "") is recreating terminated Pod \(name)")
            }
            try await podControl.deletePod(set, replicas[i])
            replicas[i] = newVersionedPod(currentSet, updateSet, currentName, updateName, ordinal: i + set.startOrdinal)
        }
        let pod = replicas[i]
        if !pod.isCreated {
            // A claim still owned by an earlier pod of this name is about to be collected: wait for it.
            if podControl.podClaimIsStale(set, pod) { return true }
            try await podControl.createPod(set, pod)
            return monotonic
        }
        if pod.status?.phase == "Pending" {
            _ = try await podControl.createMissingClaims(set, pod)
        }
        if monotonic {
            // A terminating pod is not replaced until it is gone, so two pods never share an identity.
            if pod.isTerminating || !pod.isRunningAndReady || !pod.isAvailable(minReadySeconds: set.minReadySecondsValue) { return true }
        }
        let retentionMatches = podControl.claimsMatchRetentionPolicy(updateSet, pod)
        if StatefulPodIdentity.identityMatches(set, pod) && StatefulPodIdentity.storageMatches(set, pod) && retentionMatches { return false }
        try await podControl.updatePod(updateSet, pod)
        return false
    }

    /// One condemned pod: deleted once every replica is healthy (monotonic) and it is not already terminating.
    private func processCondemned(_ set: StatefulSet, firstUnhealthy: Pod?, monotonic: Bool, pod: Pod) async throws -> Bool {
        if pod.isTerminating { return monotonic }
        let isFirstUnhealthy = firstUnhealthy?.metadata?.name == pod.metadata?.name
        if monotonic && !isFirstUnhealthy
            && (!pod.isRunningAndReady || !pod.isAvailable(minReadySeconds: set.minReadySecondsValue)) {
            return true
        }
        logger.debug("pod of StatefulSet is terminating for scale down", metadata: ["set": "\(set.key)", "pod": "\(pod.metadata?.name ?? "")"])
        try await podControl.deletePod(set, pod)
        return monotonic
    }

    // MARK: status

    /// Counts over replicas and condemned pods (upstream's `computeReplicaStatus`); placeholders count for nothing.
    static func status(of set: StatefulSet, slots: PodSlots, revisions: Revisions) -> StatefulSetStatus {
        var replicas: Int32 = 0, ready: Int32 = 0, available: Int32 = 0, current: Int32 = 0, updated: Int32 = 0
        let currentName = revisions.current.metadata?.name ?? "", updateName = revisions.update.metadata?.name ?? ""
        for pod in slots.replicas + slots.condemned {
            if pod.isCreated { replicas += 1 }
            if pod.isRunningAndReady {
                ready += 1
                if pod.isAvailable(minReadySeconds: set.minReadySecondsValue) { available += 1 }
            }
            if pod.isCreated && !pod.isTerminating {
                if pod.statefulRevision == currentName { current += 1 }
                if pod.statefulRevision == updateName { updated += 1 }
            }
        }
        return StatefulSetStatus(availableReplicas: available, collisionCount: revisions.collisionCount, conditions: set.status?.conditions,
                                 currentReplicas: current, currentRevision: currentName, observedGeneration: set.metadata?.generation,
                                 readyReplicas: ready, replicas: replicas, updateRevision: updateName, updatedReplicas: updated)
    }

    /// A rolling update whose pods all run the update revision and are ready makes it the current revision.
    static func completeRollingUpdate(_ set: StatefulSet, _ status: inout StatefulSetStatus) {
        let desired = Int32(set.replicasValue)
        guard !set.isOnDelete, status.updatedReplicas == desired, status.readyReplicas == desired, status.replicas == desired else { return }
        status.currentReplicas = status.updatedReplicas
        status.currentRevision = status.updateRevision
    }

    /// Writes the status when it changed, retrying a conflict once against a fresh copy of the set.
    func writeStatus(_ set: StatefulSet, _ status: StatefulSetStatus) async throws {
        guard Self.normalized(set.status) != Self.normalized(status) else { return }
        var updated = set
        updated.status = status
        do {
            _ = try await sets.updateStatus(updated)
        } catch let error as APIError {
            if error.reason == .notFound { return }
            guard error.reason == .conflict else { throw error }
            var fresh = try await sets.get(set.metadata?.name ?? "", namespace: set.metadata?.namespace)
            var merged = status
            merged.conditions = fresh.status?.conditions
            fresh.status = merged
            _ = try await sets.updateStatus(fresh)
        }
    }

    /// The status with zero counts written as absent, as the API server stores them.
    static func normalized(_ status: StatefulSetStatus?) -> StatefulSetStatus {
        var s = status ?? StatefulSetStatus()
        func zeroIsNil(_ v: Int32?) -> Int32? { v == 0 ? nil : v }
        s.availableReplicas = zeroIsNil(s.availableReplicas)
        s.currentReplicas = zeroIsNil(s.currentReplicas)
        s.readyReplicas = zeroIsNil(s.readyReplicas)
        s.updatedReplicas = zeroIsNil(s.updatedReplicas)
        s.collisionCount = zeroIsNil(s.collisionCount)
        s.replicas = s.replicas ?? 0
        return s
    }
}
