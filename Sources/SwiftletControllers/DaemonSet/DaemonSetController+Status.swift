import SwiftletAPI
import SwiftletClient

/// The counts `kubectl rollout status daemonset` and `kubectl get ds` read (upstream's `updateDaemonSetStatus`).
extension DaemonSetController {
    struct StatusCounts: Equatable {
        var desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0
        var unavailable: Int { desired - available }
    }

    func statusCounts(_ ds: DaemonSet, nodes: [Node], hash: String) async -> StatusCounts {
        let nodeToPods = await nodesToDaemonPods(ds, includeDeletedTerminal: false)
        let generation = Self.templateGeneration(ds)
        let minReady = ds.spec?.minReadySeconds ?? 0
        var counts = StatusCounts()
        for node in nodes {
            let pods = nodeToPods[node.metadata?.name ?? ""] ?? []
            guard DaemonPodPlacement.shouldRun(ds, on: node).shouldRun else {
                if !pods.isEmpty { counts.misscheduled += 1 }
                continue
            }
            counts.desired += 1
            guard let pod = pods.min(by: Self.oldestFirst) else { continue }
            counts.current += 1
            if pod.isReady {
                counts.ready += 1
                if pod.isAvailable(minReadySeconds: minReady) { counts.available += 1 }
            }
            if Self.isUpdated(pod, hash: hash, generation: generation) { counts.updated += 1 }
        }
        return counts
    }

    /// Writes the counts (and, once the spec was acted on, observedGeneration), retrying a conflict once
    /// against a fresh copy as upstream does.
    func updateStatus(_ ds: DaemonSet, nodes: [Node], hash: String, observedGeneration: Bool) async throws {
        let counts = await statusCounts(ds, nodes: nodes, hash: hash)
        let minReady = ds.spec?.minReadySeconds ?? 0
        if minReady > 0 && counts.ready != counts.available {
            // Pods become available minReadySeconds after turning ready, with no event to say so.
            queue.addAfter(ds.key, delay: .seconds(Int(minReady)))
        }
        let s = ds.status
        let generation = ds.metadata?.generation ?? 0
        let unchanged = Int(s?.desiredNumberScheduled ?? 0) == counts.desired && Int(s?.currentNumberScheduled ?? 0) == counts.current
            && Int(s?.numberMisscheduled ?? 0) == counts.misscheduled && Int(s?.numberReady ?? 0) == counts.ready
            && Int(s?.updatedNumberScheduled ?? 0) == counts.updated && Int(s?.numberAvailable ?? 0) == counts.available
            && Int(s?.numberUnavailable ?? 0) == counts.unavailable && (s?.observedGeneration ?? 0) >= generation
            && s?.desiredNumberScheduled != nil
        if unchanged { return }
        var target = ds
        for attempt in 0..<2 {
            var status = target.status ?? DaemonSetStatus()
            if observedGeneration { status.observedGeneration = generation }
            // The first four are always present in upstream's JSON; the others are omitted when zero.
            status.desiredNumberScheduled = Int32(counts.desired)
            status.currentNumberScheduled = Int32(counts.current)
            status.numberMisscheduled = Int32(counts.misscheduled)
            status.numberReady = Int32(counts.ready)
            status.updatedNumberScheduled = counts.updated == 0 ? nil : Int32(counts.updated)
            status.numberAvailable = counts.available == 0 ? nil : Int32(counts.available)
            status.numberUnavailable = counts.unavailable == 0 ? nil : Int32(counts.unavailable)
            target.status = status
            do {
                _ = try await daemonSets.updateStatus(target)
                return
            } catch let error as APIError where error.reason == .conflict && attempt == 0 {
                target = try await daemonSets.get(ds.metadata?.name ?? "", namespace: ds.metadata?.namespace)
            } catch let error as APIError where error.reason == .notFound {
                return
            }
        }
    }
}
