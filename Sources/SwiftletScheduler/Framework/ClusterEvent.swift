/// A change in the cluster that can make a rejected pod schedulable (upstream's `framework.ClusterEvent`):
/// each plugin names the events that can undo its rejections, and the queue moves a pod out of the
/// unschedulable set only on an event one of its rejecting plugins registered.
public struct ClusterEvent: Sendable, Hashable, CustomStringConvertible {
    public enum Resource: String, Sendable, Hashable {
        case node = "Node"
        /// A pod bound to a node (scheduled or running).
        case assignedPod = "AssignedPod"
        /// A pod not yet bound (the unschedulable pod itself changing, or another pending pod).
        case unscheduledPod = "UnscheduledPod"
        case namespace = "Namespace"
        case service = "Service"
        case wildcard = "*"
    }

    public enum Action: String, Sendable, Hashable {
        case add = "Add"
        case update = "Update"
        case delete = "Delete"
        case all = "*"
    }

    public var resource: Resource
    public var action: Action

    public init(_ resource: Resource, _ action: Action) {
        self.resource = resource
        self.action = action
    }

    /// Whether a plugin that registered `self` cares about `event`.
    public func covers(_ event: ClusterEvent) -> Bool {
        (resource == .wildcard || resource == event.resource) && (action == .all || action == event.action)
    }

    public var description: String { "\(resource.rawValue)\(action.rawValue)" }

    public static let nodeAdd = ClusterEvent(.node, .add)
    public static let nodeUpdate = ClusterEvent(.node, .update)
    public static let assignedPodAdd = ClusterEvent(.assignedPod, .add)
    public static let assignedPodUpdate = ClusterEvent(.assignedPod, .update)
    public static let assignedPodDelete = ClusterEvent(.assignedPod, .delete)
    /// Periodic flushing and anything the scheduler cannot attribute: moves every pod.
    public static let unschedulableTimeout = ClusterEvent(.wildcard, .all)
}
