/// Upstream's taint and toleration matching (k8s.io/api/core/v1 toleration.go, taint.go).
extension Toleration {
    /// Whether this toleration tolerates `taint`: same effect (or any), same key (or any with Exists),
    /// and for Equal the same value.
    public func tolerates(_ taint: Taint) -> Bool {
        if let effect, !effect.isEmpty, effect != taint.effect { return false }
        if let key, !key.isEmpty, key != taint.key { return false }
        switch self.operator ?? "Equal" {
        case "Exists": return true
        case "Equal", "": return (value ?? "") == (taint.value ?? "")
        default: return false
        }
    }
}

extension Taint {
    /// Taints are the same when key and effect are (upstream's MatchTaint).
    public func matches(_ other: Taint) -> Bool { key == other.key && effect == other.effect }

    /// Whether some toleration in `tolerations` tolerates this taint.
    public func isTolerated(by tolerations: [Toleration]) -> Bool { tolerations.contains { $0.tolerates(self) } }
}

/// The taints the node lifecycle controller and kubelet put on nodes (k8s.io/api/core/v1 well_known_taints.go).
public enum WellKnownTaint {
    public static let notReady = "node.kubernetes.io/not-ready"
    public static let unreachable = "node.kubernetes.io/unreachable"
    public static let unschedulable = "node.kubernetes.io/unschedulable"
    public static let memoryPressure = "node.kubernetes.io/memory-pressure"
    public static let diskPressure = "node.kubernetes.io/disk-pressure"
    public static let pidPressure = "node.kubernetes.io/pid-pressure"
    public static let networkUnavailable = "node.kubernetes.io/network-unavailable"
    public static let outOfService = "node.kubernetes.io/out-of-service"
}
