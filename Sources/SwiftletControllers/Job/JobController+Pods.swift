import Foundation
import SwiftletAPI
import SwiftletClient
import Synchronization

extension JobController {
    /// Brings the running pods to what the Job wants (upstream's `manageJob`) and returns how many are active
    /// afterwards (`succeeded` counts NonIndexed successes, including pods since deleted): creates missing
    /// pods once the failure backoff has passed, deletes surplus and duplicate ones.
    func manage(_ job: Job, key: String, pods: JobPods, succeeded: Int, now: Date) async -> Int {
        guard expectations.satisfiedExpectations(key) else { return pods.active.count }
        let spec = job.spec ?? JobSpec()
        let indexed = spec.completionMode == "Indexed"
        let completions = Int(spec.completions ?? 0)
        let parallelism = Int(spec.parallelism ?? 1)
        var active = pods.active.sorted(by: Self.keepFirst)

        if indexed {
            // One pod per valid index: duplicates and pods without a valid index go.
            var seen = Set<Int>()
            var kept: [Pod] = []
            for pod in active {
                if let index = JobIndex.of(pod, completions: completions), seen.insert(index).inserted {
                    kept.append(pod)
                } else {
                    await deletePod(pod)
                }
            }
            active = kept
        }

        let wantActive: Int
        if spec.completions == nil {
            // Work-queue Jobs: once one pod succeeded, leave the running ones running and start no more.
            wantActive = succeeded == 0 ? parallelism : active.count
        } else {
            let done = indexed ? pods.succeededIndexes.count + pods.failedIndexes.count : succeeded
            wantActive = max(0, min(parallelism, completions - done))
        }

        if active.count > wantActive {
            for pod in active.suffix(active.count - wantActive) { await deletePod(pod) }
            return wantActive
        }
        guard active.count < wantActive else { return active.count }

        let perIndex = indexed && spec.backoffLimitPerIndex != nil
        if !perIndex {
            let wait = pods.backoff.remaining(now: now, base: podFailureBackoff, cap: maxPodFailureBackoff)
            if wait > .zero {
                queue.addAfter(key, delay: wait)
                return active.count
            }
        }
        var indexes: [Int?] = Array(repeating: nil, count: wantActive - active.count)
        if indexed {
            let running = Set(active.compactMap { JobIndex.of($0, completions: completions) })
            var pending = (0..<completions).filter {
                !running.contains($0) && !pods.succeededIndexes.contains($0) && !pods.failedIndexes.contains($0)
            }
            if perIndex {
                var soonest: Duration?
                pending = pending.filter { index in
                    let wait = pods.backoff(forIndex: index, completions: completions)
                        .remaining(now: now, base: podFailureBackoff, cap: maxPodFailureBackoff)
                    if wait > .zero { soonest = min(soonest ?? wait, wait) }
                    return wait == .zero
                }
                if let soonest { queue.addAfter(key, delay: soonest) }
            }
            indexes = pending.prefix(wantActive - active.count).map { $0 }
        }
        guard !indexes.isEmpty else { return active.count }

        let count = indexes.count
        let failureCounts = perIndex ? Dictionary(uniqueKeysWithValues: indexes.compactMap { $0 }.map { index in
            (index, pods.countedFailures.filter { JobIndex.of($0, completions: completions) == index }.count)
        }) : [:]
        let ignoredCounts = perIndex ? Dictionary(uniqueKeysWithValues: indexes.compactMap { $0 }.map { index in
            (index, pods.all.filter { $0.status?.phase == "Failed" && JobIndex.of($0, completions: completions) == index }.count
                - (failureCounts[index] ?? 0))
        }) : [:]
        let next = PendingIndexes(indexes)
        expectations.expectCreations(key, count: count)
        let outcome = await SlowStart.run(count: count) { [self] in
            let index = next.take()
            let pod = Self.pod(for: job, index: index, failureCount: index.flatMap { failureCounts[$0] },
                               ignoredFailureCount: index.flatMap { ignoredCounts[$0] })
            let created = try await self.pods.create(pod, namespace: job.metadata?.namespace)
            events.record(job, reason: "SuccessfulCreate", message: "Created pod: \(created.metadata?.name ?? "")")
        }
        if outcome.successes < count { expectations.lowerExpectations(key, add: count - outcome.successes, delete: 0) }
        if let error = outcome.firstError {
            events.record(job, type: "Warning", reason: "FailedCreate", message: "Error creating: \(error)")
        }
        return active.count + outcome.successes
    }

    /// Which active pods to keep when some must go: ready before not ready, then older before newer.
    static func keepFirst(_ a: Pod, _ b: Pod) -> Bool {
        if a.isReady != b.isReady { return a.isReady }
        return (a.metadata?.creationTimestamp?.date ?? .distantPast) < (b.metadata?.creationTimestamp?.date ?? .distantPast)
    }

    /// The pod a Job creates from its template; for an Indexed Job (upstream's indexed_job_utils) named
    /// `<job>-<index>-…`, with hostname `<job>-<index>`, the index as annotation and label, and
    /// `JOB_COMPLETION_INDEX` in every container and init container.
    static func pod(for job: Job, index: Int?, failureCount: Int? = nil, ignoredFailureCount: Int? = nil) -> Pod {
        let jobName = job.metadata?.name ?? "job"
        let template = job.spec?.template
        var annotations = template?.metadata?.annotations
        var labels = template?.metadata?.labels
        var spec = template?.spec ?? PodSpec()
        var generateName = "\(jobName)-"
        if let index {
            annotations = (annotations ?? [:]).merging([JobIndex.annotation: "\(index)"]) { $1 }
            labels = (labels ?? [:]).merging([JobIndex.annotation: "\(index)"]) { $1 }
            if let failureCount {
                annotations?[JobIndex.failureCountAnnotation] = "\(failureCount)"
                if let ignoredFailureCount, ignoredFailureCount > 0 {
                    annotations?[JobIndex.ignoredFailureCountAnnotation] = "\(ignoredFailureCount)"
                }
            }
            spec.hostname = "\(jobName)-\(index)"
            spec.containers = spec.containers.map { $0.map(withCompletionIndexVariable) }
            spec.initContainers = spec.initContainers.map { $0.map(withCompletionIndexVariable) }
            let suffix = "-\(index)-"
            generateName = jobName.count + suffix.count > maxGeneratedNameLength
                ? String(jobName.prefix(maxGeneratedNameLength - suffix.count)) + suffix : jobName + suffix
        }
        return Pod(metadata: ObjectMeta(annotations: annotations, generateName: generateName, labels: labels,
                                        namespace: job.metadata?.namespace,
                                        ownerReferences: [OwnerReference(apiVersion: "batch/v1", blockOwnerDeletion: true, controller: true,
                                                                         kind: "Job", name: job.metadata?.name, uid: job.metadata?.uid)]),
                   spec: spec)
    }

    /// A generated name's prefix leaves room for the five random characters within 63.
    static let maxGeneratedNameLength = 58

    private static func withCompletionIndexVariable(_ container: Container) -> Container {
        var container = container
        guard !(container.env ?? []).contains(where: { $0.name == JobIndex.environmentVariable }) else { return container }
        let source = EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.annotations['\(JobIndex.annotation)']"))
        container.env = (container.env ?? []) + [EnvVar(name: JobIndex.environmentVariable, valueFrom: source)]
        return container
    }
}

/// The indexes still to create, handed out one per concurrent create of a slow-start batch.
private final class PendingIndexes: Sendable {
    private let indexes: Mutex<ArraySlice<Int?>>

    init(_ indexes: [Int?]) { self.indexes = Mutex(indexes[...]) }

    func take() -> Int? { indexes.withLock { $0.popFirst() ?? nil } }
}
