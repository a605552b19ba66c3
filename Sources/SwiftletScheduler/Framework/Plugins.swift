/// Extension points of the scheduling framework (upstream's `framework/interface.go`): a plugin conforms to
/// the ones it implements. Filter and Score are called for many nodes in parallel and must not block.
public protocol SchedulerPlugin: Sendable {
    /// The plugin's name as upstream spells it (`NodeResourcesFit`); status messages and configuration use it.
    var name: String { get }
    /// Cluster events that can make a pod this plugin rejected schedulable.
    var clusterEvents: [ClusterEvent] { get }
}

extension SchedulerPlugin {
    public var clusterEvents: [ClusterEvent] { [] }
}

/// Nodes a PreFilter narrows the search to (nil: all nodes).
public typealias PreFilterResult = Set<String>?

/// Runs once per cycle before Filter: computes state, or rejects the pod for every node at once.
public protocol PreFilterPlugin: SchedulerPlugin {
    func preFilter(_ state: CycleState, pod: PodInfo) -> (PreFilterResult, PluginStatus)
}

/// Lets preemption see the effect of removing (or re-adding) a pod on a PreFilter's state without recomputing it.
public protocol PreFilterExtensions: PreFilterPlugin {
    func addPod(_ state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, node: NodeInfo)
    func removePod(_ state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, node: NodeInfo)
}

/// Whether the pod can run on one node.
public protocol FilterPlugin: SchedulerPlugin {
    func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus
}

/// What a PostFilter decided: the node nominated for the pod (after preemption), or "" to clear a nomination.
public struct PostFilterResult: Sendable, Hashable {
    public var nominatedNodeName: String
    public init(nominatedNodeName: String) { self.nominatedNodeName = nominatedNodeName }
}

/// Runs when no node fits (preemption).
public protocol PostFilterPlugin: SchedulerPlugin {
    func postFilter(_ state: CycleState, pod: PodInfo, statuses: NodeToStatus, framework: Framework) async -> (PostFilterResult?, PluginStatus)
}

/// Runs once before Score over the feasible nodes.
public protocol PreScorePlugin: SchedulerPlugin {
    func preScore(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo]) -> PluginStatus
}

/// Ranks a feasible node; the scores of all nodes are then normalized to 0…`maxNodeScore` and weighted.
public protocol ScorePlugin: SchedulerPlugin {
    func score(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> Int64
    /// Rescales the raw scores, aligned with `nodes`, to 0…`maxNodeScore`; the default keeps them.
    func normalize(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo], scores: inout [Int64])
}

extension ScorePlugin {
    public func normalize(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo], scores: inout [Int64]) {}
}

/// Holds node resources for the pod between the scheduling and binding cycles.
public protocol ReservePlugin: SchedulerPlugin {
    func reserve(_ state: CycleState, pod: PodInfo, nodeName: String) -> PluginStatus
    func unreserve(_ state: CycleState, pod: PodInfo, nodeName: String)
}

/// Writes the binding.
public protocol BindPlugin: SchedulerPlugin {
    func bind(_ state: CycleState, pod: PodInfo, nodeName: String) async -> PluginStatus
}

/// The highest score a plugin gives a node.
public let maxNodeScore: Int64 = 100

/// Rescales scores to 0…`maxScore` relative to the highest (upstream's `helper.DefaultNormalizeScore`);
/// `reverse` turns the highest into the lowest (for counts of bad things).
public func defaultNormalizeScore(_ scores: inout [Int64], maxScore: Int64 = maxNodeScore, reverse: Bool) {
    let highest = scores.max() ?? 0
    if highest == 0 {
        if reverse { for i in scores.indices { scores[i] = maxScore } }
        return
    }
    for i in scores.indices {
        var score = maxScore * scores[i] / highest
        if reverse { score = maxScore - score }
        scores[i] = score
    }
}
