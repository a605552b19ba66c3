import Foundation

/// Favours nodes whose cpu and memory would be used in similar fractions after placing the pod: the score
/// is (1 − the standard deviation of the fractions) × 100.
public struct NodeResourcesBalancedAllocation: PreScorePlugin, ScorePlugin {
    public var name: String { "NodeResourcesBalancedAllocation" }
    public var clusterEvents: [ClusterEvent] { [.assignedPodDelete, .nodeAdd, .nodeUpdate] }
    public var resources: [String]

    public init(resources: [String] = ["cpu", "memory"]) {
        self.resources = resources
    }

    /// A pod that requests nothing changes no balance: skip it (as upstream).
    public func preScore(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo]) -> PluginStatus {
        resources.allSatisfy({ pod.requests.amount(of: $0) == 0 }) ? .skip : .success
    }

    public func score(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> Int64 {
        var fractions: [Double] = []
        for resource in resources {
            let allocatable = node.allocatable.amount(of: resource)
            if allocatable == 0 { continue }
            let requested = node.requested.amount(of: resource) + pod.requests.amount(of: resource)
            fractions.append(min(1, Double(requested) / Double(allocatable)))
        }
        var deviation = 0.0
        if fractions.count == 2 {
            deviation = abs((fractions[0] - fractions[1]) / 2)
        } else if fractions.count > 2 {
            let mean = fractions.reduce(0, +) / Double(fractions.count)
            deviation = (fractions.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(fractions.count)).squareRoot()
        }
        return Int64((1 - deviation) * Double(maxNodeScore))
    }
}
