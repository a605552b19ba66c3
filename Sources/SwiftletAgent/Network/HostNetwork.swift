import Foundation
import Logging
import SwiftletAPI

/// What the agent sets up on the host itself, outside CNI: an `unreachable` route for the cluster and service
/// CIDRs, so traffic for pod or service addresses not on one of this host's bridges fails at once instead of
/// leaving by the default route. The node's own pod CIDR, routed to its bridge, is more specific and wins.
public struct HostNetwork: Sendable {
    public var clusterCIDR: IPv4CIDR
    public var serviceCIDR: IPv4CIDR
    let logger: Logger

    public init(clusterCIDR: IPv4CIDR, serviceCIDR: IPv4CIDR, logger: Logger) {
        self.clusterCIDR = clusterCIDR
        self.serviceCIDR = serviceCIDR
        self.logger = logger
    }

    var blackholed: [String] { Array(Set([clusterCIDR.description, serviceCIDR.description])).sorted() }

    /// Adds (or keeps) the unreachable routes.
    public func installUnreachableRoutes() async {
        for cidr in blackholed {
            do {
                try await HostCommand.run(["ip", "route", "replace", "unreachable", cidr])
            } catch {
                logger.warning("cannot install the unreachable route", metadata: ["cidr": "\(cidr)", "error": "\(error)"])
            }
        }
    }

    /// Removes the unreachable routes (a missing one is fine).
    public func removeUnreachableRoutes() async {
        for cidr in blackholed {
            _ = try? await HostCommand.status(of: ["ip", "route", "del", "unreachable", cidr])
        }
    }

    /// Deletes a node's bridge (when its pods are gone for good: a test's clean-up, not an agent restart, which
    /// leaves running pods attached to it).
    public static func removeBridge(dataDir: String) async {
        _ = try? await HostCommand.status(of: ["ip", "link", "del", PodNetworkConfiguration.bridgeName(dataDir: dataDir)])
    }
}
