import SwiftletAPI

/// The arithmetic of a rolling update, as upstream's deployment utilities compute it.
public enum RollingUpdateMath {
    /// `maxSurge` rounded up and `maxUnavailable` rounded down against `desired`; if both come out 0,
    /// one pod may be unavailable so the rollout can progress (upstream's `ResolveFenceposts`).
    public static func resolveFenceposts(maxSurge: IntOrString?, maxUnavailable: IntOrString?, desired: Int) -> (surge: Int, unavailable: Int) {
        let surge = (maxSurge ?? .string("25%")).scaledValue(total: desired, roundUp: true) ?? 0
        var unavailable = (maxUnavailable ?? .string("25%")).scaledValue(total: desired, roundUp: false) ?? 0
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    /// How many replicas the new ReplicaSet should have next (upstream's `NewRSNewReplicas` for RollingUpdate).
    public static func newReplicaSetReplicas(desired: Int, currentPodCount: Int, newReplicas: Int, maxSurge: Int) -> Int {
        let maxTotal = desired + maxSurge
        if currentPodCount >= maxTotal { return newReplicas }
        let scaleUp = min(maxTotal - currentPodCount, desired - newReplicas)
        return newReplicas + max(scaleUp, 0)
    }

    /// Replicas of old ReplicaSets that may be scaled down now without going under the availability floor.
    public static func maxScaleDown(desired: Int, maxUnavailable: Int, allPods: Int, newReplicas: Int, newAvailable: Int) -> Int {
        let minAvailable = desired - maxUnavailable
        let newUnavailable = newReplicas - newAvailable
        return allPods - minAvailable - newUnavailable
    }
}
