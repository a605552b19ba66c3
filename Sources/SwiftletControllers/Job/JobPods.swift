import Foundation
import SwiftletAPI

/// A Job's pods sorted into what the controller decides from (upstream's `syncJobCtx` counts): active,
/// succeeded, failures that count, the FailJob verdict of the pod failure policy, and for Indexed Jobs
/// which indexes succeeded, failed for good, or run now.
struct JobPods: Sendable {
    let all: [Pod]
    /// Not finished and not being deleted.
    let active: [Pod]
    /// Not finished but being deleted.
    let terminating: [Pod]
    let succeeded: [Pod]
    /// Failed pods whose failure counts toward `backoffLimit` (not ignored by the pod failure policy).
    let countedFailures: [Pod]
    /// The message of the first failed pod a FailJob rule matched, if any.
    let failJobMessage: String?
    /// Indexed Jobs: indexes with a succeeded pod.
    let succeededIndexes: CompletionIndexes
    /// Indexed Jobs with `backoffLimitPerIndex`: indexes past their limit or failed by a FailIndex rule.
    let failedIndexes: CompletionIndexes
    /// The replacement delay from finished pods (upstream's backoff record).
    let backoff: PodFailureBackoff

    init(job: Job, pods: [Pod]) {
        let spec = job.spec
        let indexed = spec?.completionMode == "Indexed"
        let completions = Int(spec?.completions ?? 0)
        all = pods
        active = pods.filter(\.isActive)
        terminating = pods.filter { !$0.isFinished && $0.metadata?.deletionTimestamp != nil }
        succeeded = pods.filter { $0.status?.phase == "Succeeded" }
        let failed = pods.filter { $0.status?.phase == "Failed" }
        var counted: [Pod] = []
        var failJobMessage: String?
        var failedByRule: [Int] = []
        for pod in failed.sorted(by: { PodFailureBackoff.finishTime(of: $0) < PodFailureBackoff.finishTime(of: $1) }) {
            let match = PodFailurePolicyMatch(policy: spec?.podFailurePolicy, pod: pod)
            if match.countsFailure { counted.append(pod) }
            if failJobMessage == nil, let message = match.failJobMessage { failJobMessage = message }
            if match.action == .failIndex, let index = JobIndex.of(pod, completions: completions) { failedByRule.append(index) }
        }
        countedFailures = counted
        self.failJobMessage = failJobMessage
        // Indexes already recorded in the status stay done even when their pods have since been deleted.
        let recordedSucceeded = CompletionIndexes(parsing: job.status?.completedIndexes, completions: completions).sorted
        let succeededIndexes = indexed
            ? CompletionIndexes(recordedSucceeded + succeeded.compactMap { JobIndex.of($0, completions: completions) }) : CompletionIndexes([])
        self.succeededIndexes = succeededIndexes
        if indexed, let limit = spec?.backoffLimitPerIndex {
            var failuresPerIndex: [Int: Int] = [:]
            for pod in counted { if let index = JobIndex.of(pod, completions: completions) { failuresPerIndex[index, default: 0] += 1 } }
            let pastLimit = failuresPerIndex.filter { $0.value > Int(limit) }.map(\.key)
            let recordedFailed = CompletionIndexes(parsing: job.status?.failedIndexes, completions: completions).sorted
            failedIndexes = CompletionIndexes((recordedFailed + pastLimit + failedByRule).filter { !succeededIndexes.contains($0) })
        } else {
            failedIndexes = CompletionIndexes([])
        }
        backoff = PodFailureBackoff(finished: succeeded.map { (PodFailureBackoff.finishTime(of: $0), true) }
            + failed.map { (PodFailureBackoff.finishTime(of: $0), false) })
    }

    /// The backoff of one index, from its own failed pods (upstream's per-index delay with `backoffLimitPerIndex`).
    func backoff(forIndex index: Int, completions: Int) -> PodFailureBackoff {
        let failures = countedFailures.filter { JobIndex.of($0, completions: completions) == index }
        return PodFailureBackoff(failuresAfterLastSuccess: failures.count, lastFailureTime: failures.map(PodFailureBackoff.finishTime(of:)).max())
    }

    /// Container restarts of running and pending pods, which `restartPolicy: OnFailure` counts toward `backoffLimit`.
    var restartsOfRunningPods: Int32 {
        all.filter { ["Running", "Pending"].contains($0.status?.phase ?? "Pending") }.reduce(0) { sum, pod in
            sum + ((pod.status?.containerStatuses ?? []) + (pod.status?.initContainerStatuses ?? [])).reduce(0) { $0 + ($1.restartCount ?? 0) }
        }
    }
}

extension Pod {
    /// Succeeded or Failed.
    var isFinished: Bool { status?.phase == "Succeeded" || status?.phase == "Failed" }
}
