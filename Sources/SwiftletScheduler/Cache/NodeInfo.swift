import SwiftletAPI

/// What the scheduler knows about one node (upstream's `framework.NodeInfo`): the node, the pods on it (bound
/// or assumed), the resources they request, and the host ports they use. A value: the cache changes its own
/// copy and the snapshot keeps the one it took.
public struct NodeInfo: Sendable {
    /// Nil while pods still name a node that was deleted.
    public private(set) var node: Node?
    public private(set) var pods: [PodInfo] = []
    /// How many pods on the node have any pod (anti-)affinity term, and how many a required anti-affinity term.
    public private(set) var podsWithAffinityCount = 0
    public private(set) var podsWithRequiredAntiAffinityCount = 0
    /// The summed requests of the pods.
    public private(set) var requested = ResourceAmounts()
    /// The same with scoring defaults for containers without cpu or memory requests.
    public private(set) var nonZeroRequested = ResourceAmounts()
    public private(set) var allocatable = ResourceAmounts()
    public private(set) var usedPorts: [HostPort] = []
    /// Sizes of the images the node reports, by name (every name of each image).
    public private(set) var imageSizes: [String: Int64] = [:]
    /// Bumped by the cache on every change, so a snapshot copies only what changed.
    public internal(set) var generation: Int64 = 0

    public init(node: Node? = nil, pods: [Pod] = []) {
        if let node { setNode(node) }
        for pod in pods { add(PodInfo(pod)) }
    }

    public var name: String { node?.metadata?.name ?? "" }
    public var labels: [String: String] { node?.metadata?.labels ?? [:] }

    public mutating func setNode(_ node: Node) {
        self.node = node
        allocatable = ResourceAmounts(node.status?.allocatable)
        var sizes: [String: Int64] = [:]
        for image in node.status?.images ?? [] {
            for name in image.names ?? [] { sizes[name] = image.sizeBytes ?? 0 }
        }
        imageSizes = sizes
    }

    mutating func removeNode() {
        node = nil
        imageSizes = [:]
    }

    public mutating func add(_ pod: PodInfo) {
        pods.append(pod)
        account(pod, sign: 1)
    }

    /// Removes the pod with `key`; false if it is not on this node.
    @discardableResult
    public mutating func remove(key: String) -> Bool {
        guard let index = pods.firstIndex(where: { $0.key == key }) else { return false }
        let pod = pods.remove(at: index)
        account(pod, sign: -1)
        return true
    }

    private mutating func account(_ pod: PodInfo, sign: Int) {
        if sign > 0 {
            requested.add(pod.requests)
            nonZeroRequested.add(pod.nonZeroRequests)
            usedPorts += pod.hostPorts
        } else {
            requested.subtract(pod.requests)
            nonZeroRequested.subtract(pod.nonZeroRequests)
            for port in pod.hostPorts {
                if let i = usedPorts.firstIndex(of: port) { usedPorts.remove(at: i) }
            }
        }
        if pod.hasAffinity { podsWithAffinityCount += sign }
        if pod.hasRequiredAntiAffinity { podsWithRequiredAntiAffinityCount += sign }
    }
}
