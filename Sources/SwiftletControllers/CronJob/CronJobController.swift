import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import Synchronization

/// Creates a CronJob's Jobs on its schedule, as upstream's cronjob controller v2 (v1.32): one Job per
/// activation named `<cronjob>-<minutes since epoch>`, the concurrency policy (Allow, Forbid, Replace),
/// `startingDeadlineSeconds`, `suspend`, history limits, and `status.active`, `lastScheduleTime` and
/// `lastSuccessfulTime`; each CronJob is requeued for its next activation.
public final class CronJobController: Sendable {
    let cronJobs: ResourceClient<CronJob>
    let jobs: ResourceClient<Job>
    let cronJobInformer: Informer<CronJob>
    let jobInformer: Informer<Job>
    let queue = WorkQueue<String>()
    let events: EventRecorder
    let logger: Logger
    /// The time source; the real clock unless the caller runs the controller on another.
    let now: @Sendable () -> Date
    /// The CronJobs as this controller last wrote them, so that a sync never acts on a cached copy older
    /// than its own last status write (a stale empty `active` list would let Forbid start a second Job).
    let written = Mutex<[String: CronJob]>([:])

    public init(transport: any APITransport, informers: SharedInformerFactory, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        cronJobs = ResourceClient<CronJob>(transport: transport)
        jobs = ResourceClient<Job>(transport: transport)
        cronJobInformer = informers.informer(for: CronJob.self)
        jobInformer = informers.informer(for: Job.self)
        events = EventRecorder(transport: transport, component: "cronjob-controller", logger: logger)
        self.logger = logger
        self.now = now
    }

    public func run() async {
        _ = cronJobInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] in queue.add($0.key) },
            onUpdate: { [queue] _, new in queue.add(new.key) },
            onDelete: { [weak self] deleted in
                self?.written.withLock { $0[deleted.object.key] = nil }
                self?.queue.add(deleted.object.key)
            }))
        _ = jobInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] in self?.jobChanged($0) },
            onUpdate: { [weak self] _, job in self?.jobChanged(job) },
            onDelete: { [weak self] in self?.jobChanged($0.object) }))
        guard await cronJobInformer.waitForSync(), await jobInformer.waitForSync() else { return }
        await queue.runWorkers(5, logger: logger, what: "cronjob sync") { [self] key in
            if let requeue = try await self.sync(key) { queue.addAfter(key, delay: requeue) }
        }
    }

    private func jobChanged(_ job: Job) {
        guard let ref = job.controllerRef, ref.kind == "CronJob" else { return }
        queue.add(ObjectKey.make(namespace: job.metadata?.namespace, name: ref.name ?? ""))
    }

    /// The later of the cached object and the one this controller wrote; resource versions from one store are
    /// revisions that only grow, so the larger is the newer.
    private func newer(_ cached: CronJob, _ written: CronJob?) -> CronJob {
        guard let written, written.metadata?.uid == cached.metadata?.uid,
              let mine = Int64(written.metadata?.resourceVersion ?? ""), let theirs = Int64(cached.metadata?.resourceVersion ?? ""),
              mine > theirs else { return cached }
        return written
    }

    /// Syncs one CronJob and returns when to look at it again (its next activation), if ever.
    func sync(_ key: String) async throws -> Duration? {
        guard let cached = cronJobInformer.indexer.get(key: key) else { return nil }
        let original = newer(cached, written.withLock { $0[key] })
        let uid = original.metadata?.uid ?? ""
        let children = Lister(indexer: jobInformer.indexer).list(namespace: original.metadata?.namespace ?? "")
            .filter { $0.controllerRef?.uid == uid }
        var cronJob = original
        let cleanedUp = await cleanUpFinishedJobs(&cronJob, children)
        var requeue: Duration?
        var changed = false
        var syncError: (any Error)?
        do {
            (requeue, changed) = try await syncCronJob(&cronJob, children)
        } catch {
            syncError = error
        }
        if cleanedUp || changed {
            let stored = try await cronJobs.updateStatus(cronJob)
            written.withLock { $0[key] = stored }
        }
        if let requeue { return requeue }
        if let syncError { throw syncError }
        return nil
    }

    private func syncCronJob(_ cronJob: inout CronJob, _ children: [Job]) async throws -> (Duration?, Bool) {
        let now = now()
        var changed = false
        let namespace = cronJob.metadata?.namespace ?? ""
        var status = cronJob.status ?? CronJobStatus()
        defer { cronJob.status = status }

        for job in children {
            let uid = job.metadata?.uid ?? ""
            let listed = status.active?.contains { $0.uid == uid } ?? false
            let finished = job.finishedCondition
            if !listed && finished == nil {
                // The cache may lag behind our own status write: ask the API server before calling the Job unexpected.
                let fresh = try await cronJobs.get(cronJob.metadata?.name ?? "", namespace: namespace)
                if fresh.status?.active?.contains(where: { $0.uid == uid }) ?? false {
                    cronJob = fresh
                    status = fresh.status ?? CronJobStatus()
                    continue
                }
                events.record(cronJob, type: "Warning", reason: "UnexpectedJob",
                              message: "Saw a job that the controller did not create or forgot: \(job.metadata?.name ?? "")")
            } else if listed, let finished {
                status.active?.removeAll { $0.uid == uid }
                events.record(cronJob, reason: "SawCompletedJob",
                              message: "Saw completed job: \(job.metadata?.name ?? ""), condition: \(finished)")
                changed = true
            }
            if finished == "Complete", let completed = job.status?.completionTime,
               status.lastSuccessfulTime.map({ completed > $0 }) ?? true {
                status.lastSuccessfulTime = completed
                changed = true
            }
        }

        // A listed Job that is gone (checked against the API server, not just the cache) leaves the active list.
        let childUIDs = Set(children.compactMap { $0.metadata?.uid })
        for ref in status.active ?? [] where !childUIDs.contains(ref.uid ?? "") {
            do {
                _ = try await jobs.get(ref.name ?? "", namespace: ref.namespace ?? namespace)
            } catch let error as APIError {
                guard error.reason == .notFound else { throw error }
                events.record(cronJob, reason: "MissingJob", message: "Active job went missing: \(ref.name ?? "")")
                status.active?.removeAll { $0.uid == ref.uid }
                changed = true
            }
        }
        if status.active?.isEmpty == true { status.active = nil }

        guard cronJob.metadata?.deletionTimestamp == nil else { return (nil, changed) }
        let spec = cronJob.spec ?? CronJobSpec()
        if let name = spec.timeZone, CronSchedule.zone(named: name) == nil {
            events.record(cronJob, type: "Warning", reason: "UnknownTimeZone", message: "invalid timeZone: \"\(name)\": unknown time zone \(name)")
            return (nil, changed)
        }
        if spec.suspend == true { return (nil, changed) }

        let scheduleText = spec.schedule ?? ""
        var zone = TimeZone.current
        if scheduleText.contains("TZ") {
            events.record(cronJob, type: "Warning", reason: "UnsupportedSchedule",
                          message: "CRON_TZ or TZ used in schedule \"\(scheduleText)\" is not officially supported, see "
                              + "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details")
        } else if let name = spec.timeZone, let named = CronSchedule.zone(named: name) {
            zone = named
        }
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(scheduleText, timeZone: zone)
        } catch {
            events.record(cronJob, type: "Warning", reason: "UnparseableSchedule",
                          message: "unparseable schedule: \"\(scheduleText)\" : \(error)")
            return (nil, changed)
        }

        let created = cronJob.metadata?.creationTimestamp?.date ?? now
        func nextDelay() -> Duration? {
            MissedSchedules.delayUntilNext(schedule: schedule, created: created, lastScheduled: status.lastScheduleTime?.date, now: now)
        }
        let missed: MissedSchedules
        do {
            missed = try MissedSchedules.compute(schedule: schedule, created: created, lastScheduled: status.lastScheduleTime?.date,
                                                 startingDeadlineSeconds: spec.startingDeadlineSeconds, now: now)
        } catch {
            events.record(cronJob, type: "Warning", reason: "InvalidSchedule", message: "invalid schedule: \(scheduleText) : \(error)")
            return (nil, changed)
        }
        guard let scheduled = missed.mostRecent else { return (nextDelay(), changed) }
        if missed.missed == .many {
            events.record(cronJob, type: "Warning", reason: "TooManyMissedTimes",
                          message: "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        }
        if let deadline = spec.startingDeadlineSeconds, scheduled.addingTimeInterval(Double(deadline)) < now {
            events.record(cronJob, type: "Warning", reason: "MissSchedule",
                          message: "Missed scheduled time to start a job: \(Self.rfc1123z(scheduled))")
            return (nextDelay(), changed)
        }
        let jobName = Self.jobName(cronJob: cronJob.metadata?.name ?? "", scheduled: scheduled)
        if status.active?.contains(where: { $0.name == jobName }) ?? false || status.lastScheduleTime?.date == Time(scheduled).date {
            return (nextDelay(), changed)
        }
        if spec.concurrencyPolicy == "Forbid", !(status.active ?? []).isEmpty {
            events.record(cronJob, reason: "JobAlreadyActive",
                          message: "Not starting job because prior execution is running and concurrency policy is Forbid")
            return (nextDelay(), changed)
        }
        if spec.concurrencyPolicy == "Replace" {
            for ref in status.active ?? [] {
                let job: Job
                do {
                    job = try await jobs.get(ref.name ?? "", namespace: ref.namespace ?? namespace)
                } catch {
                    events.record(cronJob, type: "Warning", reason: "FailedGet", message: "Get job: \(error)")
                    throw error
                }
                guard await deleteJob(job, of: cronJob, status: &status) else {
                    throw APIError(.internalError, "could not replace job \(namespace)/\(job.metadata?.name ?? "")")
                }
                changed = true
            }
        }

        var job: Job
        do {
            job = try await jobs.create(Self.job(from: cronJob, scheduled: scheduled), namespace: namespace)
            events.record(cronJob, reason: "SuccessfulCreate", message: "Created job \(job.metadata?.name ?? "")")
        } catch let error as APIError {
            guard error.reason == .alreadyExists else {
                events.record(cronJob, type: "Warning", reason: "FailedCreate", message: "Error creating job: \(error)")
                throw error
            }
            // Created by an earlier sync whose status write was lost, or by someone else.
            job = try await jobs.get(jobName, namespace: namespace)
            guard job.controllerRef?.uid == cronJob.metadata?.uid else { return (nil, changed) }
            if status.active?.contains(where: { $0.uid == job.metadata?.uid }) ?? false { return (nil, changed) }
        }
        status.active = (status.active ?? []) + [ObjectReference(apiVersion: "batch/v1", kind: "Job", name: job.metadata?.name,
                                                                 namespace: job.metadata?.namespace,
                                                                 resourceVersion: job.metadata?.resourceVersion, uid: job.metadata?.uid)]
        status.lastScheduleTime = Time(scheduled)
        return (nextDelay(), true)
    }
}
