import Foundation
import SwiftletAPI
import SwiftletClient
@testable import SwiftletControllers
import Synchronization
import Testing

/// Counts calls per key, for node scripts that act differently on a retry.
final class Attempts: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// The number of earlier calls for `key`; records this one.
    func next(_ key: String) -> Int {
        counts.withLock { counts in
            defer { counts[key, default: 0] += 1 }
            return counts[key, default: 0]
        }
    }
}

@Suite struct JobControllerTests {
    @Test func nonIndexedRunsParallelismPodsUntilCompletions() async throws {
        let maxActive = Mutex(0)
        try await BatchCluster.with { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["completions": 5, "parallelism": 2]), namespace: "default")
            try await eventually("job complete") {
                let active = try await c.jobPods().filter { !["Succeeded", "Failed"].contains($0.status?.phase ?? "") }.count
                maxActive.withLock { $0 = max($0, active) }
                return try await c.job().condition("Complete")?.status == "True"
            }
            let job = try await c.job()
            #expect(job.status?.succeeded == 5)
            #expect(job.status?.active == nil && job.status?.failed == nil)
            #expect(job.status?.completionTime != nil && job.status?.startTime != nil)
            #expect(job.condition("SuccessCriteriaMet")?.reason == "CompletionsReached")
            #expect(job.condition("Complete")?.message == "Reached expected number of succeeded pods")
            #expect(try await c.jobPods().count == 5)
            #expect(maxActive.withLock { $0 } <= 2)
            try await eventually("event") { try await c.eventMessages(reason: "Completed") == ["Job completed"] }
        }
    }

    @Test func failsPastBackoffLimit() async throws {
        try await BatchCluster.with(outcome: { _ in .fail(exitCode: 1) }) { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["backoffLimit": 2]), namespace: "default")
            try await eventually("job failed") { try await c.job().condition("Failed")?.status == "True" }
            let job = try await c.job()
            #expect(job.condition("Failed")?.reason == "BackoffLimitExceeded")
            #expect(job.condition("Failed")?.message == "Job has reached the specified backoff limit")
            #expect(job.condition("FailureTarget")?.reason == "BackoffLimitExceeded")
            #expect(job.status?.failed == 3)
            #expect(job.status?.completionTime == nil)
            // The backoff limit counts failures: the first pod and two replacements.
            #expect(try await c.jobPods().count == 3)
        }
    }

    @Test func activeDeadlineFailsTheJobAndStopsItsPods() async throws {
        try await BatchCluster.with(outcome: { _ in .run }) { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["activeDeadlineSeconds": 1, "parallelism": 2, "completions": 4]),
                                        namespace: "default")
            try await eventually("job failed") { try await c.job().condition("Failed")?.status == "True" }
            let job = try await c.job()
            #expect(job.condition("Failed")?.reason == "DeadlineExceeded")
            #expect(job.condition("Failed")?.message == "Job was active longer than specified deadline")
            // The two pods stopped by the deadline count as failed.
            #expect(job.status?.failed == 2)
            #expect(try await c.jobPods().isEmpty)
        }
    }

    @Test func suspendedJobStartsNoPodsUntilResumed() async throws {
        try await BatchCluster.with { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["suspend": true]), namespace: "default")
            try await eventually("suspended condition") { try await c.job().condition("Suspended")?.status == "True" }
            var job = try await c.job()
            #expect(job.condition("Suspended")?.reason == "JobSuspended")
            #expect(job.status?.startTime == nil)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await c.jobPods().isEmpty)

            _ = try await c.jobs.patch("work", namespace: "default", type: .merge, body: ["spec": ["suspend": false]])
            try await eventually("job complete") { try await c.job().condition("Complete")?.status == "True" }
            job = try await c.job()
            #expect(job.condition("Suspended")?.status == "False")
            #expect(job.condition("Suspended")?.reason == "JobResumed")
            #expect(job.status?.startTime != nil)
            try await eventually("event") { try await c.eventMessages(reason: "Resumed") == ["Job resumed"] }
        }
    }

    @Test func suspendingARunningJobDeletesItsPods() async throws {
        try await BatchCluster.with(outcome: { _ in .run }) { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["parallelism": 2, "completions": 2]), namespace: "default")
            try await eventually("two pods") { try await c.jobPods().count == 2 }
            _ = try await c.jobs.patch("work", namespace: "default", type: .merge, body: ["spec": ["suspend": true]])
            try await eventually("pods gone") {
                let suspended = try await c.job().condition("Suspended")?.status == "True"
                return try await c.jobPods().isEmpty && suspended
            }
            #expect(try await c.job().status?.active == nil)
        }
    }

    @Test func finishedJobIsDeletedAfterItsTTL() async throws {
        try await BatchCluster.with { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["ttlSecondsAfterFinished": 1]), namespace: "default")
            try await eventually("job complete") { try await c.job().condition("Complete")?.status == "True" }
            try await eventually("job deleted") { try await c.jobs.list(namespace: "default").items.isEmpty }
        }
    }

    @Test func indexedJobRunsEveryIndexAndRetriesAFailedOne() async throws {
        let attempts = Attempts()
        try await BatchCluster.with(outcome: { pod in
            let index = pod.metadata?.annotations?["batch.kubernetes.io/job-completion-index"] ?? ""

            if index == "1" { return attempts.next("1") == 0 ? .fail(exitCode: 1) : .succeed }
            return .succeed
        }) { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["completionMode": "Indexed", "completions": 4, "parallelism": 4]),
                                        namespace: "default")
            try await eventually("job complete") { try await c.job().condition("Complete")?.status == "True" }
            let job = try await c.job()
            #expect(job.status?.completedIndexes == "0-3")
            #expect(job.status?.succeeded == 4)
            #expect(job.status?.failed == 1)
            let pods = try await c.jobPods()
            #expect(pods.count == 5)
            for pod in pods {
                let index = try #require(pod.metadata?.annotations?["batch.kubernetes.io/job-completion-index"])
                #expect(pod.metadata?.labels?["batch.kubernetes.io/job-completion-index"] == index)
                #expect(pod.metadata?.name?.hasPrefix("work-\(index)-") == true)
                #expect(pod.spec?.hostname == "work-\(index)")
                let env = pod.spec?.containers?.first?.env?.first { $0.name == "JOB_COMPLETION_INDEX" }
                #expect(env?.valueFrom?.fieldRef?.fieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
            }
            #expect(pods.filter { $0.metadata?.annotations?["batch.kubernetes.io/job-completion-index"] == "1" }.count == 2)
        }
    }

    @Test func indexedJobReportsCompletedIndexesAsTheyFinish() async throws {
        try await BatchCluster.with(outcome: { pod in
            ["0", "2", "3"].contains(pod.metadata?.annotations?["batch.kubernetes.io/job-completion-index"] ?? "") ? .succeed : .run
        }) { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["completionMode": "Indexed", "completions": 4, "parallelism": 4]),
                                        namespace: "default")
            try await eventually("three indexes") { try await c.job().status?.completedIndexes == "0,2,3" }
            let job = try await c.job()
            #expect(job.status?.succeeded == 3 && job.status?.active == 1)
            #expect(job.condition("Complete") == nil)
        }
    }

    @Test func backoffLimitPerIndexFailsOnlyThatIndex() async throws {
        try await BatchCluster.with(outcome: { pod in
            pod.metadata?.annotations?["batch.kubernetes.io/job-completion-index"] == "1" ? .fail(exitCode: 2) : .succeed
        }) { c in
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["completionMode": "Indexed", "completions": 3, "parallelism": 3,
                                                                   "backoffLimitPerIndex": 1]), namespace: "default")
            try await eventually("job failed") { try await c.job().condition("Failed")?.status == "True" }
            let job = try await c.job()
            #expect(job.condition("Failed")?.reason == "FailedIndexes")
            #expect(job.condition("Failed")?.message == "Job has failed indexes")
            #expect(job.status?.failedIndexes == "1")
            #expect(job.status?.completedIndexes == "0,2")
            #expect(job.status?.failed == 2)
            let retried = try await c.jobPods().filter { $0.metadata?.annotations?["batch.kubernetes.io/job-completion-index"] == "1" }
            #expect(Set(retried.compactMap { $0.metadata?.annotations?["batch.kubernetes.io/job-index-failure-count"] }) == ["0", "1"])
        }
    }

    @Test func podFailurePolicyFailJobEndsTheJobWithUpstreamsMessage() async throws {
        try await BatchCluster.with(outcome: { _ in .fail(exitCode: 42) }) { c in
            let policy: JSONValue = ["rules": [["action": "FailJob", "onExitCodes": ["containerName": "main", "operator": "In", "values": [42]]]]]
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["backoffLimit": 6, "podFailurePolicy": policy]), namespace: "default")
            try await eventually("job failed") { try await c.job().condition("Failed")?.status == "True" }
            let job = try await c.job()
            let pod = try #require(try await c.jobPods().first)
            #expect(job.condition("Failed")?.reason == "PodFailurePolicy")
            #expect(job.condition("Failed")?.message
                    == "Container main for pod default/\(pod.metadata?.name ?? "") failed with exit code 42 matching FailJob rule at index 0")
            #expect(job.condition("FailureTarget")?.reason == "PodFailurePolicy")
            #expect(try await c.jobPods().count == 1)
        }
    }

    @Test func podFailurePolicyIgnoreDoesNotCountTowardBackoffLimit() async throws {
        let attempts = Attempts()
        try await BatchCluster.with(outcome: { _ in
            attempts.next("pod") < 2 ? .fail(exitCode: 137, condition: "DisruptionTarget") : .succeed
        }) { c in
            let policy: JSONValue = ["rules": [["action": "Ignore", "onPodConditions": [["type": "DisruptionTarget"]]]]]
            _ = try await c.jobs.create(try BatchCluster.job(spec: ["backoffLimit": 0, "podFailurePolicy": policy]), namespace: "default")
            try await eventually("job complete") { try await c.job().condition("Complete")?.status == "True" }
            let job = try await c.job()
            #expect(job.status?.failed == nil)
            #expect(job.status?.succeeded == 1)
            #expect(try await c.jobPods().count == 3)
        }
    }
}

@Suite struct JobControllerPureTests {
    @Test(arguments: [(0, 0), (1, 10), (2, 20), (3, 40), (6, 320), (7, 600), (50, 600)])
    func backoffDoublesFromTenSecondsUpToTheCap(failures: Int, seconds: Int64) {
        #expect(PodFailureBackoff.delay(failures: failures) == .seconds(seconds))
    }

    @Test func backoffCountsOnlyFailuresAfterTheLastSuccess() {
        let t = Date(timeIntervalSince1970: 1_000_000)
        let record = PodFailureBackoff(finished: [(t, false), (t + 10, false), (t + 20, true), (t + 30, false), (t + 40, false)])
        #expect(record.failuresAfterLastSuccess == 2)
        #expect(record.lastFailureTime == t + 40)
        // Two failures: 20 s from the last one.
        #expect(record.remaining(now: t + 45) == .seconds(15))
        #expect(record.remaining(now: t + 61) == .zero)
        let reset = PodFailureBackoff(finished: [(t, false), (t + 10, true)])
        #expect(reset.failuresAfterLastSuccess == 0 && reset.remaining(now: t + 10) == .zero)
        // A failure finishing at the same time as the success does not count (upstream compares with After).
        #expect(PodFailureBackoff(finished: [(t, true), (t, false)]).failuresAfterLastSuccess == 0)
    }

    @Test func completionIndexesCompressRuns() {
        #expect(CompletionIndexes([1, 3, 4, 5]).description == "1,3-5")
        #expect(CompletionIndexes([0, 1]).description == "0,1")
        #expect(CompletionIndexes([5, 0, 2, 1, 7, 8, 9]).description == "0-2,5,7-9")
        #expect(CompletionIndexes([]).description == "")
        #expect(CompletionIndexes(parsing: "1,3-5,9", completions: 6).sorted == [1, 3, 4, 5])
    }

    static func failedPod(exitCode: Int32, container: String = "main", conditions: [PodCondition] = []) -> Pod {
        Pod(metadata: ObjectMeta(name: "x", namespace: "default"),
            status: PodStatus(conditions: conditions,
                              containerStatuses: [ContainerStatus(name: container,
                                                                  state: ContainerState(terminated: ContainerStateTerminated(exitCode: exitCode)))],
                              phase: "Failed"))
    }

    @Test func podFailurePolicyRulesMatchInOrder() {
        let policy = PodFailurePolicy(rules: [
            PodFailurePolicyRule(action: "Ignore",
                                 onPodConditions: [PodFailurePolicyOnPodConditionsPattern(status: "True", type: "DisruptionTarget")]),
            PodFailurePolicyRule(action: "FailJob",
                                 onExitCodes: PodFailurePolicyOnExitCodesRequirement(containerName: "main", operator: "In", values: [42])),
            PodFailurePolicyRule(action: "Count", onExitCodes: PodFailurePolicyOnExitCodesRequirement(operator: "NotIn", values: [1, 2])),
        ])
        let failJob = PodFailurePolicyMatch(policy: policy, pod: Self.failedPod(exitCode: 42))
        #expect(failJob.action == .failJob)
        #expect(failJob.failJobMessage == "Container main for pod default/x failed with exit code 42 matching FailJob rule at index 1")
        // The FailJob rule names another container; NotIn [1, 2] matches 42 instead.
        #expect(PodFailurePolicyMatch(policy: policy, pod: Self.failedPod(exitCode: 42, container: "side")).action == .count)
        #expect(PodFailurePolicyMatch(policy: policy, pod: Self.failedPod(exitCode: 1)).action == nil)
        let disrupted = Self.failedPod(exitCode: 42, conditions: [PodCondition(status: "True", type: "DisruptionTarget")])
        #expect(PodFailurePolicyMatch(policy: policy, pod: disrupted).action == .ignore)
        #expect(!PodFailurePolicyMatch(policy: policy, pod: disrupted).countsFailure)
    }

    @Test func indexedPodCarriesItsIndex() throws {
        let job = try BatchCluster.job(String(repeating: "j", count: 60), spec: ["completionMode": "Indexed", "completions": 3])
        let pod = JobController.pod(for: job, index: 2)
        #expect(pod.metadata?.generateName == String(repeating: "j", count: 55) + "-2-")
        #expect(pod.spec?.hostname == String(repeating: "j", count: 60) + "-2")
        #expect(pod.metadata?.annotations?["batch.kubernetes.io/job-completion-index"] == "2")
    }
}
