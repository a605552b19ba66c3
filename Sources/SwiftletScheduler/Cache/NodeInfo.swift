import SwiftletAPI

/// What the scheduler knows about one node (upstream's `framework.NodeInfo`): the node, the pods on it (bound
/// or assumed), the resources they request, and the host ports they use. A value: the cache changes its own
/// copy and the snapshot keeps the one it took; copies share storage until one of them changes.
public struct NodeInfo: @unchecked Sendable {
    // @unchecked: `storage` is a mutable class, but it is copied before any change unless uniquely referenced
    // (copy-on-write), so a NodeInfo shared between tasks is never mutated in place.
    private final class Storage {
        var node: Node?
        var name = ""
        var labels: [String: String] = [:]
        var taints: [Taint] = []
        var unschedulable = false
        var pods: [PodInfo] = []
        var podsWithAffinityCount = 0
        var podsWithRequiredAntiAffinityCount = 0
        var requested = ResourceAmounts()
        var nonZeroRequested = ResourceAmounts()
        var allocatable = ResourceAmounts()
        var usedPorts: [HostPort] = []
        var imageSizes: [String: Int64] = [:]
        var generation: Int64 = 0

        init() {}

        init(copying other: Storage) {
            node = other.node
            name = other.name
            labels = other.labels
            taints = other.taints
            unschedulable = other.unschedulable
            pods = other.pods
            podsWithAffinityCount = other.podsWithAffinityCount
            podsWithRequiredAntiAffinityCount = other.podsWithRequiredAntiAffinityCount
            requested = other.requested
            nonZeroRequested = other.nonZeroRequested
            allocatable = other.allocatable
            usedPorts = other.usedPorts
            imageSizes = other.imageSizes
            generation = other.generation
        }
    }

    private var storage = Storage()

    public init(node: Node? = nil, pods: [Pod] = []) {
        if let node { setNode(node) }
        for pod in pods { add(PodInfo(pod)) }
    }

    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        return storage
    }

    /// Nil while pods still name a node that was deleted.
    public var node: Node? { storage.node }
    public var name: String { storage.name }
    public var labels: [String: String] { storage.labels }
    public var taints: [Taint] { storage.taints }
    /// `spec.unschedulable` (cordoned).
    public var unschedulable: Bool { storage.unschedulable }
    public var pods: [PodInfo] { storage.pods }
    /// How many pods on the node have any pod (anti-)affinity term, and how many a required anti-affinity term.
    public var podsWithAffinityCount: Int { storage.podsWithAffinityCount }
    public var podsWithRequiredAntiAffinityCount: Int { storage.podsWithRequiredAntiAffinityCount }
    /// The summed requests of the pods.
    public var requested: ResourceAmounts { storage.requested }
    /// The same with scoring defaults for containers without cpu or memory requests.
    public var nonZeroRequested: ResourceAmounts { storage.nonZeroRequested }
    public var allocatable: ResourceAmounts { storage.allocatable }
    public var usedPorts: [HostPort] { storage.usedPorts }
    /// Sizes of the images the node reports, by name (every name of each image).
    public var imageSizes: [String: Int64] { storage.imageSizes }
    /// Bumped by the cache on every change, so a snapshot copies only what changed.
    public internal(set) var generation: Int64 {
        get { storage.generation }
        set { unique().generation = newValue }
    }

    public mutating func setNode(_ node: Node) {
        let s = unique()
        s.node = node
        s.name = node.metadata?.name ?? ""
        s.labels = node.metadata?.labels ?? [:]
        s.taints = node.spec?.taints ?? []
        s.unschedulable = node.spec?.unschedulable ?? false
        s.allocatable = ResourceAmounts(node.status?.allocatable)
        var sizes: [String: Int64] = [:]
        for image in node.status?.images ?? [] {
            for name in image.names ?? [] { sizes[name] = image.sizeBytes ?? 0 }
        }
        s.imageSizes = sizes
    }

    mutating func removeNode() {
        let s = unique()
        s.node = nil
        s.labels = [:]
        s.taints = []
        s.unschedulable = false
        s.imageSizes = [:]
    }

    public mutating func add(_ pod: PodInfo) {
        let s = unique()
        s.pods.append(pod)
        s.requested.add(pod.requests)
        s.nonZeroRequested.add(pod.nonZeroRequests)
        s.usedPorts += pod.hostPorts
        if pod.hasAffinity { s.podsWithAffinityCount += 1 }
        if pod.hasRequiredAntiAffinity { s.podsWithRequiredAntiAffinityCount += 1 }
    }

    /// Removes the pod with `key`; false if it is not on this node.
    @discardableResult
    public mutating func remove(key: String) -> Bool {
        guard let index = storage.pods.firstIndex(where: { $0.key == key }) else { return false }
        let s = unique()
        let pod = s.pods.remove(at: index)
        s.requested.subtract(pod.requests)
        s.nonZeroRequested.subtract(pod.nonZeroRequests)
        for port in pod.hostPorts {
            if let i = s.usedPorts.firstIndex(of: port) { s.usedPorts.remove(at: i) }
        }
        if pod.hasAffinity { s.podsWithAffinityCount -= 1 }
        if pod.hasRequiredAntiAffinity { s.podsWithRequiredAntiAffinityCount -= 1 }
        return true
    }
}
