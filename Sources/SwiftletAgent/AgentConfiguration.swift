import Foundation
import SwiftletAPI

/// How one node agent runs: its node, its data dir, its runtime and the cluster's address ranges.
public struct AgentConfiguration: Sendable {
    public var nodeName: String
    /// Everything the agent owns lives here: containerd's root and state, CNI config and IPAM state, pod volumes and logs.
    public var dataDir: String
    public var agentPort: Int
    /// A running CRI runtime (`unix:///…`); nil starts and supervises a containerd under the data dir.
    public var runtimeEndpoint: String?
    public var clusterCIDR: IPv4CIDR
    public var serviceCIDR: IPv4CIDR
    /// Gives pods a default route and masquerading (off: pods reach only the cluster and service CIDRs).
    public var podEgress: Bool
    /// The node's InternalIP, which is also the pods' hostIP.
    public var internalIP: String
    /// Where to look for the image archives `hack/build-images.sh` makes (`pause-3.10.tar`, `busybox-1.36.oci.tar`).
    public var imageArchiveDirectories: [String]
    public var nodeStatusUpdateFrequency: Duration
    public var leaseRenewInterval: Duration
    /// How often each pod worker looks at its pod's containers when nothing else wakes it.
    public var podResyncInterval: Duration
    /// The cluster's DNS domain: pods with a subdomain find their fully qualified name under it in `/etc/hosts`.
    public var clusterDomain: String

    public init(nodeName: String, dataDir: String, agentPort: Int = 10250, runtimeEndpoint: String? = nil,
                clusterCIDR: IPv4CIDR = IPv4CIDR("10.42.0.0/16")!, serviceCIDR: IPv4CIDR = IPv4CIDR("10.43.0.0/16")!,
                podEgress: Bool = false, internalIP: String = "127.0.0.1", imageArchiveDirectories: [String]? = nil,
                nodeStatusUpdateFrequency: Duration = .seconds(10), leaseRenewInterval: Duration = .seconds(10),
                podResyncInterval: Duration = .seconds(1), clusterDomain: String = "cluster.local") {
        self.nodeName = nodeName
        self.dataDir = dataDir
        self.agentPort = agentPort
        self.runtimeEndpoint = runtimeEndpoint
        self.clusterCIDR = clusterCIDR
        self.serviceCIDR = serviceCIDR
        self.podEgress = podEgress
        self.internalIP = internalIP
        self.imageArchiveDirectories = imageArchiveDirectories ?? Self.defaultImageArchiveDirectories(dataDir: dataDir)
        self.nodeStatusUpdateFrequency = nodeStatusUpdateFrequency
        self.leaseRenewInterval = leaseRenewInterval
        self.podResyncInterval = podResyncInterval
        self.clusterDomain = clusterDomain
    }

    /// The data dir's `images`, the system's share directory, and the build's `.build/images` next to the binary.
    public static func defaultImageArchiveDirectories(dataDir: String) -> [String] {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "/").resolvingSymlinksInPath().deletingLastPathComponent()
        return [dataDir + "/images", "/usr/local/share/swiftlet/images", "/usr/share/swiftlet/images",
                executable.appendingPathComponent("../images").standardizedFileURL.path,
                executable.appendingPathComponent("../../images").standardizedFileURL.path]
    }
}
