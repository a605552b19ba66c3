import Foundation
import SwiftletAPI
import SwiftletClient

extension CronJobController {
    /// The annotation a CronJob's Job carries with its scheduled time (RFC 3339 in the CronJob's zone).
    static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

    /// `<cronjob>-<scheduled minutes since the epoch>`: the same activation always names the same Job, so a
    /// lost status write can never start it twice.
    static func jobName(cronJob: String, scheduled: Date) -> String {
        "\(cronJob)-\(Int64(scheduled.timeIntervalSince1970.rounded(.down)) / 60)"
    }

    /// The Job for one activation (upstream's `getJobFromTemplate2`).
    static func job(from cronJob: CronJob, scheduled: Date) -> Job {
        let template = cronJob.spec?.jobTemplate
        var annotations = template?.metadata?.annotations ?? [:]
        let zoneForStamp = cronJob.spec?.timeZone.flatMap(CronSchedule.zone(named:)) ?? TimeZone(secondsFromGMT: 0) ?? .current
        annotations[scheduledTimestampAnnotation] = rfc3339(scheduled, in: zoneForStamp)
        let owner = OwnerReference(apiVersion: "batch/v1", blockOwnerDeletion: true, controller: true, kind: "CronJob",
                                   name: cronJob.metadata?.name, uid: cronJob.metadata?.uid)
        return Job(metadata: ObjectMeta(annotations: annotations, labels: template?.metadata?.labels,
                                        name: jobName(cronJob: cronJob.metadata?.name ?? "", scheduled: scheduled),
                                        namespace: cronJob.metadata?.namespace, ownerReferences: [owner]),
                   spec: template?.spec)
    }

    /// Deletes finished Jobs beyond `successfulJobsHistoryLimit` and `failedJobsHistoryLimit`, oldest first by
    /// start time (upstream's `cleanupFinishedJobs`); says whether the status changed.
    func cleanUpFinishedJobs(_ cronJob: inout CronJob, _ children: [Job]) async -> Bool {
        let spec = cronJob.spec
        guard spec?.successfulJobsHistoryLimit != nil || spec?.failedJobsHistoryLimit != nil else { return false }
        var status = cronJob.status ?? CronJobStatus()
        defer { cronJob.status = status }
        var changed = false
        for (condition, limit) in [("Complete", spec?.successfulJobsHistoryLimit), ("Failed", spec?.failedJobsHistoryLimit)] {
            guard let limit else { continue }
            let finished = children.filter { $0.finishedCondition == condition }.sorted(by: Self.startedEarlier)
            for job in finished.prefix(max(0, finished.count - Int(limit))) {
                if await deleteJob(job, of: cronJob, status: &status) { changed = true }
            }
        }
        return changed
    }

    /// Upstream's `byJobStartTime`: by start time, Jobs not started last, then by name.
    static func startedEarlier(_ a: Job, _ b: Job) -> Bool {
        switch (a.status?.startTime, b.status?.startTime) {
        case let (x?, y?) where x != y: return x < y
        case (nil, _?): return false
        case (_?, nil): return true
        default: return (a.metadata?.name ?? "") < (b.metadata?.name ?? "")
        }
    }

    /// Deletes a Job (its pods follow in the background) and drops it from the active list.
    func deleteJob(_ job: Job, of cronJob: CronJob, status: inout CronJobStatus) async -> Bool {
        do {
            _ = try await jobs.delete(job.metadata?.name ?? "", namespace: job.metadata?.namespace,
                                      options: DeleteOptions(propagationPolicy: "Background"))
        } catch {
            events.record(cronJob, type: "Warning", reason: "FailedDelete", message: "Deleted job: \(error)")
            return false
        }
        status.active?.removeAll { $0.uid == job.metadata?.uid }
        if status.active?.isEmpty == true { status.active = nil }
        events.record(cronJob, reason: "SuccessfulDelete", message: "Deleted job \(job.metadata?.name ?? "")")
        return true
    }

    /// Go's RFC 3339 in a zone: "2026-03-08T03:30:00-04:00", or "Z" where the offset is zero.
    static func rfc3339(_ date: Date, in zone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = zone
        return formatter.string(from: date)
    }

    /// Go's RFC1123Z in UTC, as upstream's MissSchedule event writes the time: "Mon, 30 Nov 2026 02:10:00 +0000".
    static func rfc1123z(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}

extension Job {
    /// "Complete" or "Failed" when that condition is True (upstream's `getFinishedStatus`).
    var finishedCondition: String? {
        status?.conditions?.first { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" }?.type
    }
}
