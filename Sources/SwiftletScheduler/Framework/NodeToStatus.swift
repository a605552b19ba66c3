/// Why each node was rejected (upstream's `framework.NodeToStatus`): explicit statuses for the nodes filtered,
/// and one status standing for every node not listed (all of them, when PreFilter rejected the pod).
public struct NodeToStatus: Sendable {
    public private(set) var statuses: [String: PluginStatus] = [:]
    public var absentNodesStatus: PluginStatus

    public init(absentNodesStatus: PluginStatus = PluginStatus(.unschedulableAndUnresolvable)) {
        self.absentNodesStatus = absentNodesStatus
    }

    public subscript(node: String) -> PluginStatus {
        get { statuses[node] ?? absentNodesStatus }
        set { statuses[node] = newValue }
    }

    public var explicitCount: Int { statuses.count }
}

/// Why the pod fits no node (upstream's `framework.FitError`), with upstream's message:
/// `0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: …`.
public struct FitError: Error, Sendable, CustomStringConvertible {
    public var numAllNodes: Int
    public var statuses: NodeToStatus
    /// Set when a PreFilter rejected the pod; its message replaces the per-node reasons.
    public var preFilterMessage: String = ""
    /// The PostFilter's (preemption's) message.
    public var postFilterMessage: String = ""
    /// The plugins that rejected the pod; only their cluster events requeue it.
    public var unschedulablePlugins: Set<String> = []

    public init(numAllNodes: Int, statuses: NodeToStatus, preFilterMessage: String = "", postFilterMessage: String = "",
                unschedulablePlugins: Set<String> = []) {
        self.numAllNodes = numAllNodes
        self.statuses = statuses
        self.preFilterMessage = preFilterMessage
        self.postFilterMessage = postFilterMessage
        self.unschedulablePlugins = unschedulablePlugins
    }

    public var description: String { message }

    public var message: String {
        var text = "0/\(numAllNodes) nodes are available:"
        if !preFilterMessage.isEmpty {
            text += " \(Self.sentence(preFilterMessage))"
        } else {
            var histogram: [String: Int] = [:]
            for status in statuses.statuses.values {
                for reason in status.reasons { histogram[reason, default: 0] += 1 }
            }
            if statuses.explicitCount < numAllNodes {
                for reason in statuses.absentNodesStatus.reasons { histogram[reason, default: 0] += numAllNodes - statuses.explicitCount }
            }
            let reasons = histogram.map { "\($0.value) \($0.key)" }.sorted()
            if !reasons.isEmpty { text += " \(Self.sentence(reasons.joined(separator: ", ")))" }
        }
        if !postFilterMessage.isEmpty { text += " \(Self.sentence(postFilterMessage))" }
        return text
    }

    /// Ends a part with one period (the preemption part already ends with the inner FitError's).
    private static func sentence(_ part: String) -> String {
        part.hasSuffix(".") ? part : part + "."
    }
}
