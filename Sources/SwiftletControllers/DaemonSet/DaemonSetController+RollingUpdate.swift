import SwiftletAPI

/// RollingUpdate: replaces out-of-date pods node by node within maxUnavailable, or surges new pods next to
/// old ones within maxSurge (upstream's `rollingUpdate` in pkg/controller/daemon/update.go).
extension DaemonSetController {
    /// `maxSurge` of `desired`, rounded up; 0 unless the strategy is RollingUpdate (upstream's `SurgeCount`).
    static func maxSurge(_ ds: DaemonSet, desired: Int) -> Int {
        guard ds.spec?.updateStrategy?.type ?? "RollingUpdate" == "RollingUpdate",
              let value = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge else { return 0 }
        return value.scaledValue(total: desired, roundUp: true) ?? 0
    }

    /// `maxUnavailable` of `desired`, rounded up (upstream's `UnavailableCount`).
    static func maxUnavailable(_ ds: DaemonSet, desired: Int) -> Int {
        guard ds.spec?.updateStrategy?.type ?? "RollingUpdate" == "RollingUpdate",
              let value = ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable else { return 0 }
        return value.scaledValue(total: desired, roundUp: true) ?? 0
    }

    /// The new and the old pod on a node, or nil when there are more than one of either (the core loop prunes those first).
    static func updatedPodsOnNode(_ pods: [Pod], hash: String, generation: Int64?) -> (new: Pod?, old: Pod?)? {
        var new: Pod?, old: Pod?
        for pod in pods where pod.metadata?.deletionTimestamp == nil {
            if isUpdated(pod, hash: hash, generation: generation) {
                if new != nil { return nil }
                new = pod
            } else {
                if old != nil { return nil }
                old = pod
            }
        }
        return (new, old)
    }

    func rollingUpdate(_ ds: DaemonSet, nodes: [Node], hash: String) async throws {
        var nodeToPods = await nodesToDaemonPods(ds, includeDeletedTerminal: false)
        var desired = 0
        for node in nodes where DaemonPodPlacement.shouldRun(ds, on: node).shouldRun {
            desired += 1
            let name = node.metadata?.name ?? ""
            if nodeToPods[name] == nil { nodeToPods[name] = [] }
        }
        var maxUnavailable = Self.maxUnavailable(ds, desired: desired)
        let maxSurge = Self.maxSurge(ds, desired: desired)
        // An impossible configuration falls back to one unavailable pod, as upstream.
        if desired > 0 && maxUnavailable == 0 && maxSurge == 0 { maxUnavailable = 1 }
        let minReady = ds.spec?.minReadySeconds ?? 0
        let generation = Self.templateGeneration(ds)
        let byNode = nodeToPods.sorted { $0.key < $1.key }

        if maxSurge == 0 {
            // Delete just enough old pods to stay within maxUnavailable; the core loop creates their replacements.
            var unavailable = 0
            var replacements: [Pod] = []
            var candidates: [Pod] = []
            for (_, pods) in byNode {
                guard let (new, old) = Self.updatedPodsOnNode(pods, hash: hash, generation: generation) else {
                    unavailable += 1
                    continue
                }
                switch (new, old) {
                case (nil, nil), (.some, .some):
                    unavailable += 1
                case (let new?, nil):
                    if !new.isAvailable(minReadySeconds: minReady) { unavailable += 1 }
                case (nil, let old?):
                    if !old.isAvailable(minReadySeconds: minReady) {
                        replacements.append(old)
                        unavailable += 1
                    } else if unavailable < maxUnavailable {
                        candidates.append(old)
                    }
                }
            }
            let remaining = min(max(maxUnavailable - unavailable, 0), candidates.count)
            try await syncNodes(ds, podsToDelete: replacements + candidates.prefix(remaining), nodesNeedingPods: [], hash: hash)
            return
        }

        // Surge: start a new pod next to each old one (up to maxSurge at once), delete the old once the new is available.
        var oldPodsToDelete: [Pod] = []
        var candidateNodes: [String] = []
        var allowedNodes: [String] = []
        var surging = 0
        let nodesByName = Dictionary(nodes.map { ($0.metadata?.name ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        for (nodeName, pods) in byNode {
            guard let (new, old) = Self.updatedPodsOnNode(pods, hash: hash, generation: generation) else {
                surging += 1
                continue
            }
            guard let old else { continue }
            guard let new else {
                let shouldRun = nodesByName[nodeName].map { DaemonPodPlacement.shouldRun(ds, on: $0).shouldRun } ?? false
                if !old.isAvailable(minReadySeconds: minReady) {
                    if shouldRun { allowedNodes.append(nodeName) } else { oldPodsToDelete.append(old) }
                } else if shouldRun, surging < maxSurge {
                    candidateNodes.append(nodeName)
                }
                continue
            }
            if new.isAvailable(minReadySeconds: minReady) {
                oldPodsToDelete.append(old)
            } else {
                surging += 1
            }
        }
        let remaining = min(max(maxSurge - surging, 0), candidateNodes.count)
        try await syncNodes(ds, podsToDelete: oldPodsToDelete, nodesNeedingPods: allowedNodes + candidateNodes.prefix(remaining), hash: hash)
    }
}
