import SwiftletAPI

/// Filters nodes by the pod's `nodeSelector` and required node affinity, and scores them by the summed
/// weights of the preferred node affinity terms they match.
public struct NodeAffinity: FilterPlugin, ScorePlugin {
    public static let errReason = "node(s) didn't match Pod's node affinity/selector"
    public var name: String { "NodeAffinity" }
    public var clusterEvents: [ClusterEvent] { [.nodeAdd, .nodeUpdate] }

    public init() {}

    public func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        if !pod.hasRequiredNodeAffinity { return .success }
        return NodeSelectorMatching.requiredMatches(pod.pod, node: node.node) ? .success : .unresolvable(Self.errReason)
    }

    public func score(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> Int64 {
        var total: Int64 = 0
        for term in pod.preferredNodeAffinity {
            guard let weight = term.weight, weight != 0, let preference = term.preference else { continue }
            if NodeSelectorMatching.matches(preference, node: node.node) { total += Int64(weight) }
        }
        return total
    }

    public func normalize(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo], scores: inout [Int64]) {
        defaultNormalizeScore(&scores, reverse: false)
    }
}
