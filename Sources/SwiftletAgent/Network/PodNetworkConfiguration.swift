import Foundation
import SwiftletAPI
import SwiftletCRI

/// The node's pod network as CNI sees it: one bridge named from a hash of the data dir, host-local IPAM over the
/// node's pod CIDR with its state under the data dir, portmap for hostPorts, and loopback.
///
/// Pods get routes only for the cluster and service CIDRs through the bridge: no default route and no masquerade
/// unless `podEgress` asks for them, so a pod cannot reach beyond the cluster by accident.
public struct PodNetworkConfiguration: Sendable, Hashable {
    public static let networkName = "swiftlet"
    public static let fileName = "10-swiftlet.conflist"

    public var dataDir: String
    public var podCIDR: IPv4CIDR
    public var clusterCIDR: IPv4CIDR
    public var serviceCIDR: IPv4CIDR
    public var podEgress: Bool

    public init(dataDir: String, podCIDR: IPv4CIDR, clusterCIDR: IPv4CIDR, serviceCIDR: IPv4CIDR, podEgress: Bool) {
        self.dataDir = dataDir
        self.podCIDR = podCIDR
        self.clusterCIDR = clusterCIDR
        self.serviceCIDR = serviceCIDR
        self.podEgress = podEgress
    }

    /// `swl` and eight hex digits of the data dir's hash: unique per data dir and within the 15-byte name limit.
    public static func bridgeName(dataDir: String) -> String {
        "swl" + ContainerdConfiguration.hash(ContainerdConfiguration(dataDir: dataDir).dataDir).prefix(8)
    }

    public var bridgeName: String { Self.bridgeName(dataDir: dataDir) }
    /// Where host-local keeps its allocations.
    public var ipamDataDir: String { ContainerdConfiguration(dataDir: dataDir).dataDir + "/cni/ipam" }

    /// The conflist containerd's CRI plugin reads.
    public func render() throws -> String {
        var routes: [JSONValue] = [["dst": .string(clusterCIDR.description)], ["dst": .string(serviceCIDR.description)]]
        if podEgress { routes.append(["dst": "0.0.0.0/0"]) }
        let conflist: JSONValue = [
            "cniVersion": "0.4.0",
            "name": .string(Self.networkName),
            "plugins": [
                [
                    "type": "bridge",
                    "bridge": .string(bridgeName),
                    "isGateway": true,
                    "ipMasq": .bool(podEgress),
                    "hairpinMode": true,
                    "ipam": [
                        "type": "host-local",
                        "dataDir": .string(ipamDataDir),
                        "ranges": [[["subnet": .string(podCIDR.description)]]],
                        "routes": .array(routes),
                    ],
                ],
                ["type": "portmap", "capabilities": ["portMappings": true]],
                ["type": "loopback"],
            ],
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(conflist), as: UTF8.self)
    }

    /// Writes the conflist into `directory` (containerd's CNI conf dir) when it differs from what is there.
    @discardableResult
    public func write(to directory: String) throws -> Bool {
        let text = try render()
        let path = directory + "/" + Self.fileName
        if (try? String(contentsOfFile: path, encoding: .utf8)) == text { return false }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: ipamDataDir, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return true
    }
}
