import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Runs a Job's pods to completion, as upstream's job controller (v1.32): up to `parallelism` pods at once
/// until `completions` succeed (NonIndexed) or every index 0..<completions has succeeded (Indexed), replacing
/// failed pods after an exponential delay, applying the pod failure policy, and failing the Job past
/// `backoffLimit`, `backoffLimitPerIndex`/`maxFailedIndexes` or `activeDeadlineSeconds`.
public final class JobController: Sendable {
    let jobs: ResourceClient<Job>
    let pods: ResourceClient<Pod>
    let jobInformer: Informer<Job>
    let podInformer: Informer<Pod>
    let queue = WorkQueue<String>()
    let expectations = ControllerExpectations()
    let events: EventRecorder
    let logger: Logger
    /// The delay after the first failed pod, doubled per further failure (upstream's `DefaultJobPodFailureBackOff`).
    let podFailureBackoff: Duration
    /// The longest delay between failed pods (upstream's `MaxJobPodFailureBackOff`).
    let maxPodFailureBackoff: Duration

    public init(transport: any APITransport, informers: SharedInformerFactory, logger: Logger,
                podFailureBackoff: Duration = PodFailureBackoff.base, maxPodFailureBackoff: Duration = PodFailureBackoff.cap) {
        jobs = ResourceClient<Job>(transport: transport)
        pods = ResourceClient<Pod>(transport: transport)
        jobInformer = informers.informer(for: Job.self)
        podInformer = informers.informer(for: Pod.self)
        events = EventRecorder(transport: transport, component: "job-controller", logger: logger)
        self.logger = logger
        self.podFailureBackoff = podFailureBackoff
        self.maxPodFailureBackoff = maxPodFailureBackoff
    }

    public func run() async {
        _ = jobInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] in queue.add($0.key) },
            onUpdate: { [queue] _, new in queue.add(new.key) },
            onDelete: { [queue, expectations] in
                expectations.deleteExpectations($0.object.key)
                queue.add($0.object.key)
            }))
        _ = podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] pod in self?.podChanged(pod, created: true) },
            onUpdate: { [weak self] _, pod in self?.podChanged(pod, created: false) },
            onDelete: { [weak self] deleted in self?.podChanged(deleted.object, deleted: true) }))
        guard await jobInformer.waitForSync(), await podInformer.waitForSync() else { return }
        await queue.runWorkers(5, logger: logger, what: "job sync") { [self] key in try await self.sync(key) }
    }

    private func podChanged(_ pod: Pod, created: Bool = false, deleted: Bool = false) {
        guard let ref = pod.controllerRef, ref.kind == "Job" else { return }
        let key = ObjectKey.make(namespace: pod.metadata?.namespace, name: ref.name ?? "")
        if created { expectations.creationObserved(key) }
        if deleted { expectations.deletionObserved(key, objectKey: pod.key) }
        queue.add(key)
    }

    /// A terminal or interim condition the sync decided on: the interim type is written first, the terminal one
    /// once no pod of the Job is still running (upstream delays Failed and Complete until pods terminated).
    struct Finish {
        var interim: String
        var terminal: String
        var reason: String
        var message: String

        static func failed(_ reason: String, _ message: String) -> Finish {
            Finish(interim: "FailureTarget", terminal: "Failed", reason: reason, message: message)
        }
        static let completed = Finish(interim: "SuccessCriteriaMet", terminal: "Complete", reason: "CompletionsReached",
                                      message: "Reached expected number of succeeded pods")
    }

    func sync(_ key: String) async throws {
        guard let job = jobInformer.indexer.get(key: key) else { return }
        // A Job handed to another controller through spec.managedBy is theirs alone (upstream's JobManagedBy).
        if let manager = job.spec?.managedBy, manager != "kubernetes.io/job-controller" { return }
        if job.hasCondition("Complete") || job.hasCondition("Failed") {
            try await deleteIfExpired(job)
            return
        }
        let uid = job.metadata?.uid ?? ""
        let owned = Lister(indexer: podInformer.indexer).list(namespace: job.metadata?.namespace ?? "")
            .filter { $0.controllerRef?.uid == uid }
        let pods = JobPods(job: job, pods: owned)
        let spec = job.spec ?? JobSpec()
        let indexed = spec.completionMode == "Indexed"
        let suspended = spec.suspend == true
        let now = Date()
        var status = job.status ?? JobStatus()
        if status.startTime == nil && !suspended { status.startTime = Time(now) }

        // Counts never go down when finished pods are deleted (upstream tracks them with finalizers).
        var failed = max(Int(status.failed ?? 0), pods.countedFailures.count)
        let succeeded = max(Int(status.succeeded ?? 0), pods.succeeded.count)
        var finish = existingFinish(job)
        if finish == nil {
            finish = failure(job, pods, failed: failed, status: status, now: now)
            // Running pods stopped because the Job failed count as failed, as upstream counts them.
            if finish?.terminal == "Failed" { failed += pods.active.count }
        }
        if finish == nil {
            let completions = Int(spec.completions ?? 0)
            let completed: Bool
            if indexed {
                completed = pods.succeededIndexes.count >= completions
            } else if let completions = spec.completions {
                completed = succeeded >= Int(completions)
            } else {
                // Work-queue Jobs complete once a pod succeeded and the others have finished.
                completed = succeeded > 0 && pods.active.isEmpty
            }
            if indexed, spec.backoffLimitPerIndex != nil, pods.failedIndexes.count > 0,
               pods.failedIndexes.count + pods.succeededIndexes.count >= completions {
                finish = .failed("FailedIndexes", "Job has failed indexes")
            } else if completed {
                finish = .completed
            }
        }

        if let finish {
            for pod in pods.active { await deletePod(pod) }
            status.conditions = Self.setting(status.conditions, type: finish.interim, reason: finish.reason, message: finish.message, now: now)
            if pods.active.isEmpty && pods.terminating.isEmpty {
                status.conditions = Self.setting(status.conditions, type: finish.terminal, reason: finish.reason, message: finish.message, now: now)
                if finish.terminal == "Complete" {
                    status.completionTime = Time(now)
                    events.record(job, reason: "Completed", message: "Job completed")
                } else {
                    events.record(job, type: "Warning", reason: finish.reason, message: finish.message)
                }
            }
            status.active = nil
        } else if suspended {
            for pod in pods.active { await deletePod(pod) }
            status.active = nil
            let (conditions, changed) = Self.ensuring(status.conditions, type: "Suspended", status: "True", reason: "JobSuspended",
                                                      message: "Job suspended", now: now)
            status.conditions = conditions
            if changed { events.record(job, reason: "Suspended", message: "Job suspended") }
        } else {
            let (conditions, resumed) = Self.ensuring(status.conditions, type: "Suspended", status: "False", reason: "JobResumed",
                                                      message: "Job resumed", now: now)
            status.conditions = conditions
            if resumed {
                // ActiveDeadlineSeconds counts continuous activity, so a resumed Job starts its clock again.
                status.startTime = Time(now)
                events.record(job, reason: "Resumed", message: "Job resumed")
            }
            status.active = Self.omittingZero(await manage(job, key: key, pods: pods, succeeded: succeeded, now: now))
            if let deadline = spec.activeDeadlineSeconds, let start = status.startTime {
                let left = Double(deadline) - now.timeIntervalSince(start.date)
                queue.addAfter(key, delay: .milliseconds(Int64(max(left, 0) * 1000) + 100))
            }
        }
        if indexed {
            status.completedIndexes = pods.succeededIndexes.description
            status.succeeded = Self.omittingZero(pods.succeededIndexes.count)
            if spec.backoffLimitPerIndex != nil { status.failedIndexes = pods.failedIndexes.description }
        } else {
            status.succeeded = Self.omittingZero(succeeded)
        }
        status.failed = Self.omittingZero(failed)
        status.ready = Int32(pods.active.filter(\.isReady).count)
        status.terminating = Int32(pods.terminating.count)
        if status.uncountedTerminatedPods == nil { status.uncountedTerminatedPods = UncountedTerminatedPods() }
        guard status != job.status else { return }
        var updated = job
        updated.status = status
        do {
            _ = try await jobs.updateStatus(updated)
        } catch let error as APIError {
            // A conflict or a deleted Job brings a newer version through the informer, which syncs again.
            guard error.reason == .conflict || error.reason == .notFound else { throw error }
        }
    }

    /// A FailureTarget or SuccessCriteriaMet already written by an earlier sync: the Job finishes that way.
    private func existingFinish(_ job: Job) -> Finish? {
        if let target = job.status?.conditions?.first(where: { $0.type == "FailureTarget" && $0.status == "True" }) {
            return .failed(target.reason ?? "", target.message ?? "")
        }
        if job.hasCondition("SuccessCriteriaMet") { return .completed }
        return nil
    }

    /// The first failure that ends the Job, in upstream's order: a FailJob rule, the backoff limit, the deadline,
    /// then too many failed indexes.
    private func failure(_ job: Job, _ pods: JobPods, failed: Int, status: JobStatus, now: Date) -> Finish? {
        let spec = job.spec ?? JobSpec()
        if let message = pods.failJobMessage { return .failed("PodFailurePolicy", message) }
        let backoffLimit = spec.backoffLimit ?? 6
        let restarts = spec.template?.spec?.restartPolicy == "OnFailure" ? pods.restartsOfRunningPods : 0
        if failed > Int(backoffLimit) || (restarts > 0 && restarts >= max(backoffLimit, 1)) {
            return .failed("BackoffLimitExceeded", "Job has reached the specified backoff limit")
        }
        if spec.suspend != true, let deadline = spec.activeDeadlineSeconds, let start = status.startTime,
           now.timeIntervalSince(start.date) >= Double(deadline) {
            return .failed("DeadlineExceeded", "Job was active longer than specified deadline")
        }
        if spec.completionMode == "Indexed", spec.backoffLimitPerIndex != nil, let maxFailed = spec.maxFailedIndexes,
           pods.failedIndexes.count > Int(maxFailed) {
            return .failed("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes")
        }
        return nil
    }

    func deletePod(_ pod: Pod) async {
        do {
            _ = try await pods.delete(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace)
        } catch {
            logger.info("deleting job pod failed", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
        }
    }

    /// ttlSecondsAfterFinished: the finished Job (and, by background cascade, its pods) goes after the TTL.
    private func deleteIfExpired(_ job: Job) async throws {
        guard let ttl = job.spec?.ttlSecondsAfterFinished else { return }
        let finishedAt = job.status?.completionTime?.date
            ?? job.status?.conditions?.first { $0.type == "Failed" }?.lastTransitionTime?.date ?? Date()
        let left = Double(ttl) - Date().timeIntervalSince(finishedAt)
        if left > 0 {
            queue.addAfter(job.key, delay: .milliseconds(Int64(left * 1000) + 100))
            return
        }
        var options = DeleteOptions(propagationPolicy: "Background")
        options.preconditions = Preconditions(uid: job.metadata?.uid)
        _ = try? await jobs.delete(job.metadata?.name ?? "", namespace: job.metadata?.namespace, options: options)
    }
}
