import SwiftletAPI

/// The objects besides nodes and pods that plugins consult, as lookups into informer caches: namespace
/// labels (affinity namespace selectors), the Services and controllers that own a pod (default spreading), and
/// the PodDisruptionBudgets preemption tries not to violate.
/// The defaults find nothing, for tests that do not need them.
public struct ClusterListers: Sendable {
    public var namespaceLabels: @Sendable (String) -> [String: String]?
    /// The Services in a namespace.
    public var services: @Sendable (String) -> [Service]
    public var replicationController: @Sendable (_ namespace: String, _ name: String) -> ReplicationController?
    public var replicaSet: @Sendable (_ namespace: String, _ name: String) -> ReplicaSet?
    public var statefulSet: @Sendable (_ namespace: String, _ name: String) -> StatefulSet?
    /// Every PodDisruptionBudget.
    public var disruptionBudgets: @Sendable () -> [PodDisruptionBudget]

    public init(namespaceLabels: @escaping @Sendable (String) -> [String: String]? = { _ in nil },
                services: @escaping @Sendable (String) -> [Service] = { _ in [] },
                replicationController: @escaping @Sendable (String, String) -> ReplicationController? = { _, _ in nil },
                replicaSet: @escaping @Sendable (String, String) -> ReplicaSet? = { _, _ in nil },
                statefulSet: @escaping @Sendable (String, String) -> StatefulSet? = { _, _ in nil },
                disruptionBudgets: @escaping @Sendable () -> [PodDisruptionBudget] = { [] }) {
        self.namespaceLabels = namespaceLabels
        self.services = services
        self.replicationController = replicationController
        self.replicaSet = replicaSet
        self.statefulSet = statefulSet
        self.disruptionBudgets = disruptionBudgets
    }
}
