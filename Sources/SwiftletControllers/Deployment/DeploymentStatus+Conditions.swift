import Foundation
import SwiftletAPI

/// Condition reasons and messages as upstream's `deployment/util` spells them (`kubectl rollout status` reads them).
enum DeploymentReason {
    static let available = "MinimumReplicasAvailable"
    static let unavailable = "MinimumReplicasUnavailable"
    static let newReplicaSetCreated = "NewReplicaSetCreated"
    static let foundNewReplicaSet = "FoundNewReplicaSet"
    static let replicaSetUpdated = "ReplicaSetUpdated"
    static let newReplicaSetAvailable = "NewReplicaSetAvailable"
    static let timedOut = "ProgressDeadlineExceeded"
    static let paused = "DeploymentPaused"
    static let resumed = "DeploymentResumed"
    static let failedCreate = "ReplicaSetCreateError"
}

extension DeploymentStatus {
    func condition(_ type: String) -> DeploymentCondition? {
        conditions?.first { $0.type == type }
    }

    /// Upstream's `SetDeploymentCondition`: nothing changes when status and reason are the same; a condition
    /// whose status is unchanged keeps its transition time.
    mutating func setCondition(_ condition: DeploymentCondition) {
        var condition = condition
        if let current = self.condition(condition.type ?? "") {
            if current.status == condition.status && current.reason == condition.reason { return }
            if current.status == condition.status { condition.lastTransitionTime = current.lastTransitionTime }
        }
        conditions = (conditions ?? []).filter { $0.type != condition.type } + [condition]
    }

    mutating func removeCondition(_ type: String) {
        let remaining = (conditions ?? []).filter { $0.type != type }
        conditions = remaining.isEmpty ? nil : remaining
    }

    static func newCondition(_ type: String, _ status: String, reason: String, message: String, now: Date = Date()) -> DeploymentCondition {
        DeploymentCondition(lastTransitionTime: Time(now), lastUpdateTime: Time(now), message: message, reason: reason, status: status, type: type)
    }
}

extension DeploymentUtil {
    /// The status the ReplicaSets imply, with the Available condition (upstream's `calculateStatus`).
    static func calculateStatus(_ deployment: Deployment, all: [ReplicaSet], new: ReplicaSet?) -> DeploymentStatus {
        let available = availableReplicas(all)
        let total = specReplicas(all)
        var status = DeploymentStatus(availableReplicas: available, collisionCount: deployment.status?.collisionCount,
                                      conditions: deployment.status?.conditions,
                                      observedGeneration: deployment.metadata?.generation ?? 0,
                                      readyReplicas: readyReplicas(all), replicas: actualReplicas(all),
                                      unavailableReplicas: max(total - available, 0),
                                      updatedReplicas: actualReplicas(new.map { [$0] } ?? []))
        if available >= deployment.desiredReplicas - deployment.maxUnavailable {
            status.setCondition(DeploymentStatus.newCondition("Available", "True", reason: DeploymentReason.available,
                                                              message: "Deployment has minimum availability."))
        } else {
            status.setCondition(DeploymentStatus.newCondition("Available", "False", reason: DeploymentReason.unavailable,
                                                              message: "Deployment does not have minimum availability."))
        }
        return status
    }

    /// Every pod updated and available and the generation observed (upstream's `DeploymentComplete`).
    static func isComplete(_ deployment: Deployment, _ status: DeploymentStatus) -> Bool {
        let want = deployment.desiredReplicas
        return (status.updatedReplicas ?? 0) == want && (status.replicas ?? 0) == want && (status.availableReplicas ?? 0) == want
            && (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0)
    }

    /// Any sign of progress since the last status (upstream's `DeploymentProgressing`).
    static func isProgressing(_ deployment: Deployment, _ status: DeploymentStatus) -> Bool {
        let old = deployment.status ?? DeploymentStatus()
        let oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0)
        let newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0)
        return (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld
            || (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
    }

    /// No progress for progressDeadlineSeconds since the Progressing condition last changed (upstream's `DeploymentTimedOut`).
    static func hasTimedOut(_ deployment: Deployment, _ status: DeploymentStatus, now: Date = Date()) -> Bool {
        guard deployment.hasProgressDeadline, let condition = status.condition("Progressing") else { return false }
        if condition.reason == DeploymentReason.newReplicaSetAvailable { return false }
        if condition.reason == DeploymentReason.timedOut { return true }
        guard let from = condition.lastUpdateTime?.date else { return false }
        return from.addingTimeInterval(Double(deployment.progressDeadlineSeconds)) < now
    }

    /// The status after a rollout step: counts, Available, Progressing and ReplicaFailure (upstream's `syncRolloutStatus`).
    static func rolloutStatus(_ deployment: Deployment, all: [ReplicaSet], new: ReplicaSet?, now: Date = Date()) -> DeploymentStatus {
        var status = calculateStatus(deployment, all: all, new: new)
        if !deployment.hasProgressDeadline { status.removeCondition("Progressing") }
        let current = deployment.status?.condition("Progressing")
        let name = deployment.metadata?.name ?? ""
        let complete = status.replicas == status.updatedReplicas && current?.reason == DeploymentReason.newReplicaSetAvailable
        if deployment.hasProgressDeadline && !complete {
            if isComplete(deployment, status) {
                let message = new.map { "ReplicaSet \"\($0.metadata?.name ?? "")\" has successfully progressed." }
                    ?? "Deployment \"\(name)\" has successfully progressed."
                status.setCondition(DeploymentStatus.newCondition("Progressing", "True", reason: DeploymentReason.newReplicaSetAvailable,
                                                                  message: message, now: now))
            } else if isProgressing(deployment, status) {
                let message = new.map { "ReplicaSet \"\($0.metadata?.name ?? "")\" is progressing." } ?? "Deployment \"\(name)\" is progressing."
                var condition = DeploymentStatus.newCondition("Progressing", "True", reason: DeploymentReason.replicaSetUpdated,
                                                              message: message, now: now)
                // Progress refreshes lastUpdateTime even when the reason stays, which setCondition alone would not.
                if let current {
                    if current.status == "True" { condition.lastTransitionTime = current.lastTransitionTime }
                    status.removeCondition("Progressing")
                }
                status.setCondition(condition)
            } else if hasTimedOut(deployment, status, now: now) {
                let message = new.map { "ReplicaSet \"\($0.metadata?.name ?? "")\" has timed out progressing." }
                    ?? "Deployment \"\(name)\" has timed out progressing."
                status.setCondition(DeploymentStatus.newCondition("Progressing", "False", reason: DeploymentReason.timedOut,
                                                                  message: message, now: now))
            }
        }
        let ordered = (new.map { [$0] } ?? []) + all.filter { $0.metadata?.uid != new?.metadata?.uid }
        if let failure = ordered.lazy.compactMap({ $0.status?.conditions?.first { $0.type == "ReplicaFailure" } }).first {
            status.setCondition(DeploymentCondition(lastTransitionTime: failure.lastTransitionTime, lastUpdateTime: failure.lastTransitionTime,
                                                    message: failure.message, reason: failure.reason, status: failure.status,
                                                    type: "ReplicaFailure"))
        } else {
            status.removeCondition("ReplicaFailure")
        }
        return status
    }

    /// When to look again for a timeout if nothing else happens (upstream's `requeueStuckDeployment`); nil for never.
    static func recheckDelay(_ deployment: Deployment, _ status: DeploymentStatus, now: Date = Date()) -> Duration? {
        guard deployment.hasProgressDeadline, let current = deployment.status?.condition("Progressing") else { return nil }
        if isComplete(deployment, status) || current.reason == DeploymentReason.timedOut { return nil }
        let from = current.lastUpdateTime?.date ?? now
        let after = from.addingTimeInterval(Double(deployment.progressDeadlineSeconds)).timeIntervalSince(now)
        return after < 1 ? .milliseconds(100) : .milliseconds(Int64((after + 1) * 1000))
    }
}
