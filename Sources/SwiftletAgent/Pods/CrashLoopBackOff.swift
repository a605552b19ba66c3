import Foundation

/// Kubelet's back-off before restarting a container that exited: the first restart at once, then 10 s doubling
/// up to 5 minutes (the back-off entry is created by the first restart, so the second waits 10 s).
public enum CrashLoopBackOff {
    public static let initial: Double = 10
    public static let maximum: Double = 300
    /// A container that ran this long before it exited starts its back-off over (kubelet forgets a back-off
    /// entry after twice the maximum delay).
    public static let reset: Double = 2 * maximum

    /// Seconds to wait after attempt `attempt` (0 for the first run) of a container exited.
    public static func delay(afterAttempt attempt: UInt32) -> Double {
        attempt == 0 ? 0 : min(initial * pow(2, Double(attempt - 1)), maximum)
    }

    /// Whether a run from `startedAt` to `finishedAt` lasted long enough that the back-off starts over.
    public static func ranLongEnoughToReset(startedAt: Date?, finishedAt: Date?) -> Bool {
        guard let startedAt, let finishedAt else { return false }
        return finishedAt.timeIntervalSince(startedAt) >= reset
    }

    /// When the next attempt may start.
    public static func restartTime(finishedAt: Date, attempt: UInt32) -> Date {
        finishedAt.addingTimeInterval(delay(afterAttempt: attempt))
    }

    /// The waiting message kubelet shows.
    public static func message(delay: Double, container: String, podName: String, namespace: String, uid: String) -> String {
        "back-off \(formatted(delay)) restarting failed container=\(container) pod=\(podName)_\(namespace)(\(uid))"
    }

    /// Go's duration formatting for whole seconds: `10s`, `1m20s`, `5m0s`.
    static func formatted(_ seconds: Double) -> String {
        let total = Int(seconds)
        return total < 60 ? "\(total)s" : "\(total / 60)m\(total % 60)s"
    }

    /// Whether a container that exited with `exitCode` runs again under `restartPolicy`.
    public static func shouldRestart(restartPolicy: String?, exitCode: Int32) -> Bool {
        switch restartPolicy ?? "Always" {
        case "Never": return false
        case "OnFailure": return exitCode != 0
        default: return true
        }
    }
}
