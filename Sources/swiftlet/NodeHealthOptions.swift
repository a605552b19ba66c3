import ArgumentParser
import SwiftletAPI
import SwiftletControllers

/// The node lifecycle flags `swiftlet server` and `swiftlet controllers` share (kube-controller-manager's names).
struct NodeHealthOptions: ParsableArguments {
    @Option(help: "How long a node may miss heartbeats before it is marked unhealthy.") var nodeMonitorGracePeriod = "50s"
    @Option(help: "How often node health is checked.") var nodeMonitorPeriod = "5s"
    @Option(help: "How long a new node has to post its first status.") var nodeStartupGracePeriod = "1m"
    @Option(help: "Nodes per second whose pods may be evicted in a healthy zone.") var nodeEvictionRate = 0.1
    @Option(help: "Nodes per second in a partially disrupted large zone.") var secondaryNodeEvictionRate = 0.01
    @Option(help: "Zones with at most this many nodes stop evicting when partially disrupted.") var largeClusterSizeThreshold = 50
    @Option(help: "Share of not-ready nodes that makes a zone partially disrupted.") var unhealthyZoneThreshold = 0.55
    @Option(help: "Finished pods kept before the oldest are deleted.") var terminatedPodGCThreshold = 12500

    func validate() throws {
        for (flag, value) in [("--node-monitor-grace-period", nodeMonitorGracePeriod), ("--node-monitor-period", nodeMonitorPeriod),
                              ("--node-startup-grace-period", nodeStartupGracePeriod)] {
            guard let duration = GoDuration.parse(value), duration > .zero else {
                throw ValidationError("\(flag): invalid duration \"\(value)\"")
            }
        }
        guard nodeEvictionRate >= 0, secondaryNodeEvictionRate >= 0 else { throw ValidationError("eviction rates must not be negative") }
    }

    func configuration(clusterCIDR: IPv4CIDR, nodeCIDRMaskSize: Int) -> ControllerManagerConfiguration {
        ControllerManagerConfiguration(
            clusterCIDR: clusterCIDR, nodeCIDRMaskSize: nodeCIDRMaskSize,
            nodeMonitorGracePeriod: GoDuration.parse(nodeMonitorGracePeriod) ?? .seconds(50),
            nodeMonitorPeriod: GoDuration.parse(nodeMonitorPeriod) ?? .seconds(5),
            nodeStartupGracePeriod: GoDuration.parse(nodeStartupGracePeriod) ?? .seconds(60),
            nodeEvictionRate: nodeEvictionRate, secondaryNodeEvictionRate: secondaryNodeEvictionRate,
            largeClusterSizeThreshold: largeClusterSizeThreshold, unhealthyZoneThreshold: unhealthyZoneThreshold,
            terminatedPodGCThreshold: terminatedPodGCThreshold)
    }
}
