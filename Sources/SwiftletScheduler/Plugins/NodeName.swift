/// Filters out every node but the one `spec.nodeName` names, when it names one.
public struct NodeName: FilterPlugin {
    public static let errReason = "node(s) didn't match the requested node name"
    public var name: String { "NodeName" }
    public var clusterEvents: [ClusterEvent] { [.nodeAdd, .nodeUpdate] }

    public init() {}

    public func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        guard let wanted = pod.pod.spec?.nodeName, !wanted.isEmpty, wanted != node.name else { return .success }
        return .unresolvable(Self.errReason)
    }
}
