import SwiftletAPI

/// What `swiftlet server` and `swiftlet controllers` tell the controllers (kube-controller-manager's flags).
public struct ControllerManagerConfiguration: Sendable {
    /// Pod address range nodes get their `spec.podCIDR` from (`--cluster-cidr`).
    public var clusterCIDR: IPv4CIDR
    /// Prefix length of each node's pod range (`--node-cidr-mask-size`).
    public var nodeCIDRMaskSize: Int
    /// How long a node may go without renewing its lease before it is unhealthy (`--node-monitor-grace-period`).
    public var nodeMonitorGracePeriod: Duration
    /// How often node health is checked (`--node-monitor-period`).
    public var nodeMonitorPeriod: Duration
    /// How long a new node has to post its first status (`--node-startup-grace-period`).
    public var nodeStartupGracePeriod: Duration
    /// Nodes per second whose pods may be evicted in a healthy zone (`--node-eviction-rate`).
    public var nodeEvictionRate: Double
    /// The rate in a partially disrupted large zone (`--secondary-node-eviction-rate`).
    public var secondaryNodeEvictionRate: Double
    /// Zones with at most this many nodes stop evicting when partially disrupted (`--large-cluster-size-threshold`).
    public var largeClusterSizeThreshold: Int
    /// Share of not-ready nodes (with more than two) that makes a zone partially disrupted (`--unhealthy-zone-threshold`).
    public var unhealthyZoneThreshold: Double
    /// Finished pods kept before the oldest are deleted (`--terminated-pod-gc-threshold`).
    public var terminatedPodGCThreshold: Int
    /// How often the pod garbage collector looks (upstream's fixed gcCheckPeriod).
    public var podGCPeriod: Duration

    public init(clusterCIDR: IPv4CIDR = IPv4CIDR("10.42.0.0/16")!, nodeCIDRMaskSize: Int = 24,
                nodeMonitorGracePeriod: Duration = .seconds(50), nodeMonitorPeriod: Duration = .seconds(5),
                nodeStartupGracePeriod: Duration = .seconds(60), nodeEvictionRate: Double = 0.1,
                secondaryNodeEvictionRate: Double = 0.01, largeClusterSizeThreshold: Int = 50,
                unhealthyZoneThreshold: Double = 0.55, terminatedPodGCThreshold: Int = 12500, podGCPeriod: Duration = .seconds(20)) {
        self.clusterCIDR = clusterCIDR
        self.nodeCIDRMaskSize = nodeCIDRMaskSize
        self.nodeMonitorGracePeriod = nodeMonitorGracePeriod
        self.nodeMonitorPeriod = nodeMonitorPeriod
        self.nodeStartupGracePeriod = nodeStartupGracePeriod
        self.nodeEvictionRate = nodeEvictionRate
        self.secondaryNodeEvictionRate = secondaryNodeEvictionRate
        self.largeClusterSizeThreshold = largeClusterSizeThreshold
        self.unhealthyZoneThreshold = unhealthyZoneThreshold
        self.terminatedPodGCThreshold = terminatedPodGCThreshold
        self.podGCPeriod = podGCPeriod
    }
}
