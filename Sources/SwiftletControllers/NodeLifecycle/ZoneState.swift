import SwiftletAPI

/// How healthy one zone's nodes are, which sets how fast their pods are evicted (upstream's zone states).
public enum ZoneState: String, Sendable {
    case normal = "Normal"
    case partialDisruption = "PartialDisruption"
    case fullDisruption = "FullDisruption"

    /// Upstream's ComputeZoneState: no ready node at all is a full disruption; more than two not-ready
    /// nodes making up at least `unhealthyThreshold` of the zone is a partial one.
    public static func compute(ready: Int, notReady: Int, unhealthyThreshold: Double) -> ZoneState {
        if ready == 0 && notReady > 0 { return .fullDisruption }
        if notReady > 2 && Double(notReady) / Double(ready + notReady) >= unhealthyThreshold { return .partialDisruption }
        return .normal
    }

    /// The zone a node is in: its region and zone labels, as upstream's GetZoneKey.
    public static func zoneKey(of node: Node) -> String {
        let labels = node.metadata?.labels ?? [:]
        let region = labels["topology.kubernetes.io/region"] ?? labels["failure-domain.beta.kubernetes.io/region"] ?? ""
        let zone = labels["topology.kubernetes.io/zone"] ?? labels["failure-domain.beta.kubernetes.io/zone"] ?? ""
        if region.isEmpty && zone.isEmpty { return "" }
        return "\(region):\u{0}:\(zone)"
    }
}
