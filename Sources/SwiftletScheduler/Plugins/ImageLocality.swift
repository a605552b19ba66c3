/// Favours nodes that already have the pod's images, weighted by image size and by how widely the image is
/// spread over the cluster (so pods do not pile onto the one node that happens to have an image).
public struct ImageLocality: ScorePlugin {
    static let mb: Int64 = 1024 * 1024
    static let minThreshold: Int64 = 23 * mb
    static let maxContainerThreshold: Int64 = 1000 * mb

    public var name: String { "ImageLocality" }
    public var clusterEvents: [ClusterEvent] { [.nodeAdd, .nodeUpdate] }

    public init() {}

    public func score(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> Int64 {
        let images = pod.images
        let totalNodes = state.snapshot.count
        var sum: Int64 = 0
        if totalNodes > 0 && !node.imageSizes.isEmpty {
            for image in images {
                guard let size = node.imageSizes[image] else { continue }
                let spread = Double(state.snapshot.imageNodeCounts[image] ?? 0) / Double(totalNodes)
                sum += Int64(Double(size) * spread)
            }
        }
        let maxThreshold = Self.maxContainerThreshold * Int64(images.count)
        if maxThreshold <= Self.minThreshold { return 0 }
        let clamped = min(max(sum, Self.minThreshold), maxThreshold)
        return maxNodeScore * (clamped - Self.minThreshold) / (maxThreshold - Self.minThreshold)
    }

    /// The image name with `:latest` added when it has neither tag nor digest (as node status lists it).
    static func normalized(_ image: String) -> String {
        let lastComponent = image.split(separator: "/").last ?? ""
        if image.contains("@") || lastComponent.contains(":") { return image }
        return image + ":latest"
    }
}
