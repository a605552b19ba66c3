import Foundation
import SwiftletAPI

/// How long a Job waits before replacing failed pods: upstream's `backoffRecord` — 10 s after the first failure
/// since the last success, doubling per further failure up to a cap, counted from the last failure. Upstream
/// keeps the record in memory from newly finished pods; here it is recomputed from the finished pods the Job
/// still owns, which gives the same numbers because the controller never deletes a finished pod itself.
public struct PodFailureBackoff: Equatable, Sendable {
    /// Upstream's `DefaultJobPodFailureBackOff`.
    public static let base: Duration = .seconds(10)
    /// Upstream's `MaxJobPodFailureBackOff` (v1.32 code: ten minutes; older docs say six).
    public static let cap: Duration = .seconds(600)

    /// Failures that finished after the last success (upstream's `failuresAfterLastSuccess`).
    var failuresAfterLastSuccess: Int
    /// When the latest of those failures finished.
    var lastFailureTime: Date?

    /// The record for finished pods given as (finish time, succeeded): only failures after the latest success count.
    init(finished: [(time: Date, succeeded: Bool)]) {
        let lastSuccess = finished.filter { $0.succeeded }.map { $0.time }.max()
        let failures = finished.filter { entry in !entry.succeeded && (lastSuccess.map { entry.time > $0 } ?? true) }
        failuresAfterLastSuccess = failures.count
        lastFailureTime = failures.map { $0.time }.max()
    }

    init(failuresAfterLastSuccess: Int, lastFailureTime: Date?) {
        self.failuresAfterLastSuccess = failuresAfterLastSuccess
        self.lastFailureTime = lastFailureTime
    }

    /// The delay for `failures` consecutive failures: 0 for none, else base·2^(failures−1) capped.
    static func delay(failures: Int, base: Duration = base, cap: Duration = cap) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = base
        for _ in 1..<failures {
            delay *= 2
            if delay >= cap { return cap }
        }
        return delay
    }

    /// Time left before a replacement pod may be created, as of `now` (upstream's `getRemainingTime`).
    func remaining(now: Date, base: Duration = base, cap: Duration = cap) -> Duration {
        guard failuresAfterLastSuccess > 0, let lastFailureTime else { return .zero }
        let delay = Self.delay(failures: failuresAfterLastSuccess, base: base, cap: cap)
        let elapsed = Duration.milliseconds(Int64(now.timeIntervalSince(lastFailureTime) * 1000))
        return delay < elapsed ? .zero : delay - elapsed
    }

    /// When a pod finished, as upstream's `getFinishedTime`: the latest container termination, else the pod's
    /// deletion or creation time.
    static func finishTime(of pod: Pod) -> Date {
        let statuses = (pod.status?.containerStatuses ?? []) + (pod.status?.initContainerStatuses ?? [])
        if let finished = statuses.compactMap({ $0.state?.terminated?.finishedAt?.date }).max() { return finished }
        return pod.metadata?.deletionTimestamp?.date ?? pod.metadata?.creationTimestamp?.date ?? Date(timeIntervalSince1970: 0)
    }
}
