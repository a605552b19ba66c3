import SwiftletAPI

/// The counts a ReplicaSet or ReplicationController reports in its status.
public struct ReplicaCounts: Sendable, Equatable {
    public var replicas: Int32 = 0
    public var fullyLabeledReplicas: Int32 = 0
    public var readyReplicas: Int32 = 0
    public var availableReplicas: Int32 = 0
    public var observedGeneration: Int64 = 0
    /// The `ReplicaFailure` condition: nil when pods could be created and deleted.
    public var failure: (reason: String, message: String)?

    public static func == (a: ReplicaCounts, b: ReplicaCounts) -> Bool {
        a.replicas == b.replicas && a.fullyLabeledReplicas == b.fullyLabeledReplicas && a.readyReplicas == b.readyReplicas
            && a.availableReplicas == b.availableReplicas && a.observedGeneration == b.observedGeneration
            && a.failure?.reason == b.failure?.reason && a.failure?.message == b.failure?.message
    }
}

/// What the replica logic needs of a ReplicaSet or a ReplicationController, which keep N pods alike.
public protocol ReplicatedWorkload: KubernetesObject {
    var desiredReplicas: Int { get }
    var podSelector: LabelSelector { get }
    var podTemplate: PodTemplateSpec? { get }
    var minReadySecondsValue: Int32 { get }
    var counts: ReplicaCounts { get }
    /// Replaces the status with `counts`, keeping condition transition times when nothing changed.
    mutating func setCounts(_ counts: ReplicaCounts)
}

extension ReplicaSet: ReplicatedWorkload {
    public var desiredReplicas: Int { Int(spec?.replicas ?? 1) }
    public var podSelector: LabelSelector { LabelSelector.from(spec?.selector) }
    public var podTemplate: PodTemplateSpec? { spec?.template }
    public var minReadySecondsValue: Int32 { spec?.minReadySeconds ?? 0 }

    public var counts: ReplicaCounts {
        let failure = status?.conditions?.first { $0.type == "ReplicaFailure" && $0.status == "True" }
        return ReplicaCounts(replicas: status?.replicas ?? 0, fullyLabeledReplicas: status?.fullyLabeledReplicas ?? 0,
                             readyReplicas: status?.readyReplicas ?? 0, availableReplicas: status?.availableReplicas ?? 0,
                             observedGeneration: status?.observedGeneration ?? 0,
                             failure: failure.map { ($0.reason ?? "", $0.message ?? "") })
    }

    public mutating func setCounts(_ c: ReplicaCounts) {
        var s = status ?? ReplicaSetStatus()
        s.replicas = c.replicas
        s.fullyLabeledReplicas = c.fullyLabeledReplicas == 0 ? nil : c.fullyLabeledReplicas
        s.readyReplicas = c.readyReplicas == 0 ? nil : c.readyReplicas
        s.availableReplicas = c.availableReplicas == 0 ? nil : c.availableReplicas
        s.observedGeneration = c.observedGeneration
        var conditions = (s.conditions ?? []).filter { $0.type != "ReplicaFailure" }
        if let failure = c.failure {
            let previous = s.conditions?.first { $0.type == "ReplicaFailure" }
            conditions.append(ReplicaSetCondition(lastTransitionTime: previous?.lastTransitionTime ?? Time.now(), message: failure.message,
                                                  reason: failure.reason, status: "True", type: "ReplicaFailure"))
        }
        s.conditions = conditions.isEmpty ? nil : conditions
        status = s
    }
}

extension ReplicationController: ReplicatedWorkload {
    public var desiredReplicas: Int { Int(spec?.replicas ?? 1) }
    public var podSelector: LabelSelector { LabelSelector.from(map: spec?.selector) }
    public var podTemplate: PodTemplateSpec? { spec?.template }
    public var minReadySecondsValue: Int32 { spec?.minReadySeconds ?? 0 }

    public var counts: ReplicaCounts {
        let failure = status?.conditions?.first { $0.type == "ReplicaFailure" && $0.status == "True" }
        return ReplicaCounts(replicas: status?.replicas ?? 0, fullyLabeledReplicas: status?.fullyLabeledReplicas ?? 0,
                             readyReplicas: status?.readyReplicas ?? 0, availableReplicas: status?.availableReplicas ?? 0,
                             observedGeneration: status?.observedGeneration ?? 0,
                             failure: failure.map { ($0.reason ?? "", $0.message ?? "") })
    }

    public mutating func setCounts(_ c: ReplicaCounts) {
        var s = status ?? ReplicationControllerStatus()
        s.replicas = c.replicas
        s.fullyLabeledReplicas = c.fullyLabeledReplicas == 0 ? nil : c.fullyLabeledReplicas
        s.readyReplicas = c.readyReplicas == 0 ? nil : c.readyReplicas
        s.availableReplicas = c.availableReplicas == 0 ? nil : c.availableReplicas
        s.observedGeneration = c.observedGeneration
        var conditions = (s.conditions ?? []).filter { $0.type != "ReplicaFailure" }
        if let failure = c.failure {
            let previous = s.conditions?.first { $0.type == "ReplicaFailure" }
            conditions.append(ReplicationControllerCondition(lastTransitionTime: previous?.lastTransitionTime ?? Time.now(),
                                                             message: failure.message, reason: failure.reason, status: "True",
                                                             type: "ReplicaFailure"))
        }
        s.conditions = conditions.isEmpty ? nil : conditions
        status = s
    }
}
