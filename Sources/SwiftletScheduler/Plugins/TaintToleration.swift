import SwiftletAPI

/// Filters out nodes with a NoSchedule or NoExecute taint the pod does not tolerate, and scores down nodes
/// with PreferNoSchedule taints it does not tolerate.
public struct TaintToleration: FilterPlugin, ScorePlugin {
    public var name: String { "TaintToleration" }
    public var clusterEvents: [ClusterEvent] { [.nodeAdd, .nodeUpdate] }

    public init() {}

    public func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        let tolerations = pod.tolerations
        for taint in node.taints where taint.effect == "NoSchedule" || taint.effect == "NoExecute" {
            if !tolerations.contains(where: { $0.tolerates(taint) }) {
                return .unresolvable("node(s) had untolerated taint {\(taint.key ?? ""): \(taint.value ?? "")}")
            }
        }
        return .success
    }

    /// How many PreferNoSchedule taints the pod does not tolerate (tolerations with an empty effect or
    /// PreferNoSchedule count, as upstream).
    public func score(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> Int64 {
        let taints = node.taints
        if taints.isEmpty { return 0 }
        let tolerations = pod.tolerations.filter { ($0.effect ?? "").isEmpty || $0.effect == "PreferNoSchedule" }
        var count: Int64 = 0
        for taint in taints where taint.effect == "PreferNoSchedule" {
            if !tolerations.contains(where: { $0.tolerates(taint) }) { count += 1 }
        }
        return count
    }

    public func normalize(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo], scores: inout [Int64]) {
        defaultNormalizeScore(&scores, reverse: true)
    }
}
