/// Filters out nodes where a host port the pod asks for is already bound.
public struct NodePorts: FilterPlugin {
    public static let errReason = "node(s) didn't have free ports for the requested pod ports"
    public var name: String { "NodePorts" }
    public var clusterEvents: [ClusterEvent] { [.assignedPodDelete, .nodeAdd] }

    public init() {}

    public func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        for wanted in pod.hostPorts where node.usedPorts.contains(where: { $0.conflicts(with: wanted) }) {
            return .unschedulable(Self.errReason)
        }
        return .success
    }
}
