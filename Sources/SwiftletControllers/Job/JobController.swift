import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Runs a Job's pods to completion: up to `parallelism` at once until `completions` succeed, failing the
/// Job past `backoffLimit` failures or `activeDeadlineSeconds` — upstream's job controller for the
/// NonIndexed mode (Indexed mode, pod failure policies and retry delays are still to come).
public final class JobController: Sendable {
    let jobs: ResourceClient<Job>
    let pods: ResourceClient<Pod>
    let jobInformer: Informer<Job>
    let podInformer: Informer<Pod>
    let queue = WorkQueue<String>()
    let expectations = ControllerExpectations()
    let events: EventRecorder
    let logger: Logger

    public init(transport: any APITransport, informers: SharedInformerFactory, logger: Logger) {
        jobs = ResourceClient<Job>(transport: transport)
        pods = ResourceClient<Pod>(transport: transport)
        jobInformer = informers.informer(for: Job.self)
        podInformer = informers.informer(for: Pod.self)
        events = EventRecorder(transport: transport, component: "job-controller", logger: logger)
        self.logger = logger
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

    static func condition(_ job: Job, _ type: String) -> Bool {
        job.status?.conditions?.contains { $0.type == type && $0.status == "True" } ?? false
    }

    func sync(_ key: String) async throws {
        guard let job = jobInformer.indexer.get(key: key) else { return }
        if Self.condition(job, "Complete") || Self.condition(job, "Failed") {
            try await deleteIfExpired(job)
            return
        }
        let uid = job.metadata?.uid ?? ""
        let owned = Lister(indexer: podInformer.indexer).list(namespace: job.metadata?.namespace ?? "")
            .filter { $0.controllerRef?.uid == uid }
        let active = owned.filter(\.isActive)
        let succeeded = Int32(owned.filter { $0.status?.phase == "Succeeded" }.count)
        let failed = Int32(owned.filter { $0.status?.phase == "Failed" }.count)
        let parallelism = Int(job.spec?.parallelism ?? 1)
        let completions = job.spec?.completions
        let now = Time.now()
        var status = job.status ?? JobStatus()
        if status.startTime == nil && job.spec?.suspend != true { status.startTime = now }

        var finished: (type: String, target: String, reason: String, message: String)?
        if failed > (job.spec?.backoffLimit ?? 6) {
            finished = ("Failed", "FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        } else if let deadline = job.spec?.activeDeadlineSeconds, let start = status.startTime,
                  Date().timeIntervalSince(start.date) >= Double(deadline) {
            finished = ("Failed", "FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline")
        } else if let completions, succeeded >= completions {
            finished = ("Complete", "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods")
        } else if completions == nil, succeeded > 0, active.isEmpty {
            finished = ("Complete", "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods")
        }

        if let finished {
            for pod in active { _ = try? await pods.delete(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace) }
            var conditions = status.conditions ?? []
            for type in [finished.target, finished.type] where !conditions.contains(where: { $0.type == type }) {
                conditions.append(JobCondition(lastProbeTime: now, lastTransitionTime: now, message: finished.message,
                                               reason: finished.reason, status: "True", type: type))
            }
            status.conditions = conditions
            if finished.type == "Complete" { status.completionTime = now }
            events.record(job, type: finished.type == "Complete" ? "Normal" : "Warning",
                          reason: finished.type == "Complete" ? "Completed" : finished.reason,
                          message: finished.type == "Complete" ? "Job completed" : finished.message)
            status.active = nil
        } else if job.spec?.suspend == true {
            for pod in active { _ = try? await pods.delete(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace) }
            status.active = nil
        } else if expectations.satisfiedExpectations(key) {
            let remaining = completions.map { Int($0 - succeeded) } ?? (succeeded > 0 ? 0 : parallelism)
            let wanted = max(0, min(parallelism, remaining))
            if active.count < wanted {
                let count = wanted - active.count
                expectations.expectCreations(key, count: count)
                let outcome = await SlowStart.run(count: count) { [self] in try await self.createPod(for: job) }
                if outcome.successes < count { expectations.lowerExpectations(key, add: count - outcome.successes, delete: 0) }
                if let error = outcome.firstError {
                    events.record(job, type: "Warning", reason: "FailedCreate", message: "Error creating: \(error)")
                }
            } else if active.count > wanted {
                for pod in active.prefix(active.count - wanted) {
                    _ = try? await pods.delete(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace)
                }
            }
            status.active = Int32(max(active.count, wanted)) == 0 ? nil : Int32(max(active.count, wanted))
        }
        status.succeeded = succeeded == 0 ? nil : succeeded
        status.failed = failed == 0 ? nil : failed
        let ready = Int32(active.filter(\.isReady).count)
        status.ready = ready
        status.terminating = Int32(owned.filter { $0.metadata?.deletionTimestamp != nil }.count)
        if status.uncountedTerminatedPods == nil { status.uncountedTerminatedPods = UncountedTerminatedPods() }
        if let deadline = job.spec?.activeDeadlineSeconds, finished == nil, let start = status.startTime {
            let left = Double(deadline) - Date().timeIntervalSince(start.date)
            queue.addAfter(key, delay: .milliseconds(Int64(max(left, 0) * 1000) + 100))
        }
        guard status != job.status else { return }
        var updated = job
        updated.status = status
        do {
            _ = try await jobs.updateStatus(updated)
        } catch let error as APIError where error.reason == .conflict || error.reason == .notFound {
            return
        }
    }

    private func createPod(for job: Job) async throws {
        let template = job.spec?.template
        let pod = Pod(metadata: ObjectMeta(annotations: template?.metadata?.annotations, generateName: "\(job.metadata?.name ?? "job")-",
                                           labels: template?.metadata?.labels, namespace: job.metadata?.namespace,
                                           ownerReferences: [OwnerReference(apiVersion: "batch/v1", blockOwnerDeletion: true, controller: true,
                                                                            kind: "Job", name: job.metadata?.name, uid: job.metadata?.uid)]),
                      spec: template?.spec)
        let created = try await pods.create(pod, namespace: job.metadata?.namespace)
        events.record(job, reason: "SuccessfulCreate", message: "Created pod: \(created.metadata?.name ?? "")")
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
