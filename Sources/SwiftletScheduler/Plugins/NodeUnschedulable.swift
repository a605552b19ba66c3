import SwiftletAPI

/// Filters out cordoned nodes (`spec.unschedulable`) unless the pod tolerates the
/// `node.kubernetes.io/unschedulable:NoSchedule` taint.
public struct NodeUnschedulable: FilterPlugin {
    public static let errReason = "node(s) were unschedulable"
    public static let taintKey = "node.kubernetes.io/unschedulable"
    public var name: String { "NodeUnschedulable" }
    public var clusterEvents: [ClusterEvent] { [.nodeAdd, .nodeUpdate] }

    public init() {}

    public func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        guard node.unschedulable else { return .success }
        let taint = Taint(effect: "NoSchedule", key: Self.taintKey)
        if pod.tolerations.contains(where: { $0.tolerates(taint) }) { return .success }
        return .unresolvable(Self.errReason)
    }
}
