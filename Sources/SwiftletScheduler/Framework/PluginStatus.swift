/// What a plugin says about a pod and a node (upstream's `framework.Status`): fitting is `success`, not
/// fitting is a status with reasons, not an error. The reasons are what "0/3 nodes are available: …" counts.
public struct PluginStatus: Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        case success
        /// Something went wrong; the pod is retried with backoff.
        case error
        /// The pod does not fit, but preempting pods might make it fit.
        case unschedulable
        /// The pod does not fit and preemption cannot help.
        case unschedulableAndUnresolvable
        /// The plugin has nothing to do for this pod (from PreFilter or PreScore): its later calls are skipped.
        case skip
    }

    public var code: Code
    public var reasons: [String]
    /// The plugin that rejected the pod.
    public var plugin: String?

    public init(_ code: Code, _ reasons: [String] = [], plugin: String? = nil) {
        self.code = code
        self.reasons = reasons
        self.plugin = plugin
    }

    public static let success = PluginStatus(.success)
    public static let skip = PluginStatus(.skip)

    public static func unschedulable(_ reasons: String...) -> PluginStatus { PluginStatus(.unschedulable, reasons) }
    public static func unresolvable(_ reasons: String...) -> PluginStatus { PluginStatus(.unschedulableAndUnresolvable, reasons) }
    public static func error(_ message: String) -> PluginStatus { PluginStatus(.error, [message]) }

    public var isSuccess: Bool { code == .success }
    /// Unschedulable or unresolvable.
    public var isRejected: Bool { code == .unschedulable || code == .unschedulableAndUnresolvable }
    public var message: String { reasons.joined(separator: ", ") }
    public var description: String { "\(code): \(message)" }

    func withPlugin(_ name: String) -> PluginStatus {
        var copy = self
        if copy.plugin == nil { copy.plugin = name }
        return copy
    }
}
