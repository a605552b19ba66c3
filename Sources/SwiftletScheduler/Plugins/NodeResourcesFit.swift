/// Filters out nodes whose allocatable resources, less what their pods request, cannot hold the pod's
/// requests (cpu, memory, ephemeral storage, extended resources, and the pod count); scores nodes by the
/// LeastAllocated strategy (upstream's default: cpu and memory, weight 1 each).
public struct NodeResourcesFit: FilterPlugin, ScorePlugin {
    public var name: String { "NodeResourcesFit" }
    public var clusterEvents: [ClusterEvent] { [.assignedPodDelete, .nodeAdd, .nodeUpdate] }
    /// The resources and weights the score considers.
    public var scoringResources: [(name: String, weight: Int64)]

    public init(scoringResources: [(name: String, weight: Int64)] = [("cpu", 1), ("memory", 1)]) {
        self.scoringResources = scoringResources
    }

    /// One resource the node lacks; `unresolvable` when the pod asks for more than the node has at all.
    public struct InsufficientResource: Sendable, Hashable {
        public var resource: String
        public var reason: String
        public var requested: Int64
        public var used: Int64
        public var capacity: Int64
        public var unresolvable: Bool
    }

    public func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        let insufficient = Self.insufficientResources(pod: pod, node: node)
        if insufficient.isEmpty { return .success }
        let code: PluginStatus.Code = insufficient.contains(where: \.unresolvable) ? .unschedulableAndUnresolvable : .unschedulable
        return PluginStatus(code, insufficient.map(\.reason))
    }

    /// Upstream's `fitsRequest`.
    public static func insufficientResources(pod: PodInfo, node: NodeInfo) -> [InsufficientResource] {
        var result: [InsufficientResource] = []
        let allowedPods = node.allocatable.allowedPodNumber
        if node.pods.count + 1 > allowedPods {
            result.append(InsufficientResource(resource: "pods", reason: "Too many pods", requested: 1, used: Int64(node.pods.count),
                                               capacity: allowedPods, unresolvable: false))
        }
        let request = pod.requests
        if request.milliCPU == 0 && request.memory == 0 && request.ephemeralStorage == 0 && request.scalar.values.allSatisfy({ $0 == 0 }) {
            return result
        }
        func check(_ name: String, _ wanted: Int64, _ allocatable: Int64, _ used: Int64) {
            if wanted > 0 && wanted > allocatable - used {
                result.append(InsufficientResource(resource: name, reason: "Insufficient \(name)", requested: wanted, used: used,
                                                   capacity: allocatable, unresolvable: wanted > allocatable))
            }
        }
        check("cpu", request.milliCPU, node.allocatable.milliCPU, node.requested.milliCPU)
        check("memory", request.memory, node.allocatable.memory, node.requested.memory)
        check("ephemeral-storage", request.ephemeralStorage, node.allocatable.ephemeralStorage, node.requested.ephemeralStorage)
        for (name, wanted) in request.scalar.sorted(by: { $0.key < $1.key }) {
            check(name, wanted, node.allocatable.scalar[name] ?? 0, node.requested.scalar[name] ?? 0)
        }
        return result
    }

    /// LeastAllocated: the weighted mean over resources of (allocatable − requested) × 100 / allocatable,
    /// counting containers without requests as the scoring defaults.
    public func score(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> Int64 {
        var total: Int64 = 0, weights: Int64 = 0
        for (resource, weight) in scoringResources {
            let allocatable = node.allocatable.amount(of: resource)
            if allocatable == 0 { continue }
            let requested = node.nonZeroRequested.amount(of: resource) + pod.nonZeroRequests.amount(of: resource)
            let score = requested > allocatable ? 0 : (allocatable - requested) * maxNodeScore / allocatable
            total += score * weight
            weights += weight
        }
        return weights == 0 ? 0 : total / weights
    }
}
