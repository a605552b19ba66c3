/// The cluster as one scheduling cycle sees it: the nodes that exist, in a fixed order, each with its pods
/// (upstream's `cache.Snapshot`). Taken from the `SchedulerCache` at the start of every cycle, copying only
/// the nodes that changed since the last one.
public struct Snapshot: Sendable {
    public private(set) var nodes: [NodeInfo] = []
    private var indexByName: [String: Int] = [:]
    /// Indices into `nodes` of the nodes with pods that have pod (anti-)affinity terms, and with required anti-affinity.
    public private(set) var withPodAffinity: [Int] = []
    public private(set) var withRequiredAntiAffinity: [Int] = []
    /// How many nodes have each image.
    public private(set) var imageNodeCounts: [String: Int] = [:]
    /// The cache generation this snapshot reflects.
    var generation: Int64 = 0

    public init() {}

    /// A snapshot of exactly these nodes (for tests and for simulations).
    public init(_ nodes: [NodeInfo]) {
        self.nodes = nodes
        for node in nodes { countImages(of: node, 1) }
        reindex()
    }

    private mutating func countImages(of node: NodeInfo, _ delta: Int) {
        for name in node.imageSizes.keys {
            let count = (imageNodeCounts[name] ?? 0) + delta
            imageNodeCounts[name] = count > 0 ? count : nil
        }
    }

    public func node(named name: String) -> NodeInfo? {
        indexByName[name].map { nodes[$0] }
    }

    public var count: Int { nodes.count }

    /// Replaces or adds nodes and removes others; the order of nodes that stay is kept.
    mutating func apply(changed: [NodeInfo], removed: Set<String>, generation: Int64) {
        self.generation = generation
        var structural = !removed.isEmpty
        var affinityChanged = false
        for info in changed {
            if let i = indexByName[info.name] {
                let old = nodes[i]
                countImages(of: old, -1)
                countImages(of: info, 1)
                affinityChanged = affinityChanged || (old.podsWithAffinityCount > 0) != (info.podsWithAffinityCount > 0)
                    || (old.podsWithRequiredAntiAffinityCount > 0) != (info.podsWithRequiredAntiAffinityCount > 0)
                nodes[i] = info
            } else {
                nodes.append(info)
                countImages(of: info, 1)
                indexByName[info.name] = nodes.count - 1
                structural = true
            }
        }
        if structural {
            for node in nodes where removed.contains(node.name) { countImages(of: node, -1) }
            nodes.removeAll { removed.contains($0.name) }
            reindex()
        } else if affinityChanged {
            reindexAffinity()
        }
    }

    private mutating func reindex() {
        indexByName = Dictionary(nodes.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        reindexAffinity()
    }

    private mutating func reindexAffinity() {
        withPodAffinity = nodes.indices.filter { nodes[$0].podsWithAffinityCount > 0 }
        withRequiredAntiAffinity = nodes.indices.filter { nodes[$0].podsWithRequiredAntiAffinityCount > 0 }
    }
}
