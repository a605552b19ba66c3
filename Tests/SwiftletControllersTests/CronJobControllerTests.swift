import Foundation
import SwiftletAPI
import SwiftletClient
@testable import SwiftletControllers
import Synchronization
import Testing

@Suite struct CronScheduleTests {
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static let newYork = TimeZone(identifier: "America/New_York")!
    static let utc = TimeZone(identifier: "UTC")!

    func next(_ spec: String, after: String, zone: TimeZone = utc) throws -> Date? {
        try CronSchedule(spec, timeZone: zone).next(after: Self.date(after))
    }

    @Test(arguments: [
        ("*/15 * * * *", "2026-11-30T10:07:00Z", "2026-11-30T10:15:00Z"),
        ("*/15 * * * *", "2026-11-30T10:15:00Z", "2026-11-30T10:30:00Z"),
        ("5 4 * * *", "2026-11-30T10:07:00Z", "2026-12-01T04:05:00Z"),
        ("0 9 * * MON-FRI", "2026-12-04T10:00:00Z", "2026-12-07T09:00:00Z"),   // Friday → Monday
        ("0 0 1 jan,JUL *", "2026-11-30T10:07:00Z", "2027-01-01T00:00:00Z"),
        ("0 0 13 * FRI", "2026-11-01T00:00:00Z", "2026-11-06T00:00:00Z"),     // day of month OR day of week
        ("0 0 31 * *", "2026-11-15T00:00:00Z", "2026-12-31T00:00:00Z"),
        ("10-20/5 2 * * *", "2026-11-30T02:11:00Z", "2026-11-30T02:15:00Z"),
        ("30 6-16/4 * * 1-5", "2026-11-30T15:00:00Z", "2026-12-01T06:30:00Z"),
        ("@hourly", "2026-11-30T10:07:00Z", "2026-11-30T11:00:00Z"),
        ("@daily", "2026-11-30T10:07:00Z", "2026-12-01T00:00:00Z"),
        ("@midnight", "2026-11-30T10:07:00Z", "2026-12-01T00:00:00Z"),
        ("@weekly", "2026-11-30T10:07:00Z", "2026-12-06T00:00:00Z"),
        ("@monthly", "2026-11-30T10:07:00Z", "2026-12-01T00:00:00Z"),
        ("@yearly", "2026-11-30T10:07:00Z", "2027-01-01T00:00:00Z"),
        ("@annually", "2026-11-30T10:07:00Z", "2027-01-01T00:00:00Z"),
        ("@every 90s", "2026-11-30T10:07:00Z", "2026-11-30T10:08:30Z"),
        ("@every 1h30m", "2026-11-30T10:07:00Z", "2026-11-30T11:37:00Z"),
    ])
    func nextActivation(spec: String, after: String, expected: String) throws {
        #expect(try next(spec, after: after) == Self.date(expected))
    }

    @Test(arguments: [
        ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
        ("60 * * * *", "end of range (60) above maximum (59): 60"),
        ("* * 0 * *", "beginning of range (0) below minimum (1): 0"),
        ("5-2 * * * *", "beginning of range (5) beyond end of range (2): 5-2"),
        ("*/0 * * * *", "step of range should be a positive number: */0"),
        ("* * * * 7", "end of range (7) above maximum (6): 7"),
        ("1-2-3 * * * *", "too many hyphens: 1-2-3"),
        ("@fortnightly", "unrecognized descriptor: @fortnightly"),
        ("", "empty spec string"),
    ])
    func rejectsWhatUpstreamRejects(spec: String, message: String) {
        #expect(throws: CronSchedule.ParseError(description: message)) { try CronSchedule(spec) }
    }

    @Test func readsZonePrefixLikeUpstreamsParser() throws {
        let schedule = try CronSchedule("CRON_TZ=America/New_York 0 9 * * *")
        #expect(schedule.timeZone.identifier == "America/New_York")
        #expect(throws: CronSchedule.ParseError.self) { try CronSchedule("TZ=Nowhere/Else 0 9 * * *") }
    }

    @Test func timeZoneShiftsTheWallClock() throws {
        // 09:00 in New York is 14:00 UTC in winter (EST) and 13:00 UTC in summer (EDT).
        #expect(try next("0 9 * * *", after: "2026-11-30T00:00:00Z", zone: Self.newYork) == Self.date("2026-11-30T14:00:00Z"))
        #expect(try next("0 9 * * *", after: "2026-07-01T00:00:00Z", zone: Self.newYork) == Self.date("2026-07-01T13:00:00Z"))
    }

    @Test func springForwardSkipsTheMissingHour() throws {
        // 2026-03-08 02:00 EST jumps to 03:00 EDT: 02:30 does not exist that day, so it runs the next day.
        #expect(try next("30 2 * * *", after: "2026-03-07T17:00:00Z", zone: Self.newYork) == Self.date("2026-03-09T06:30:00Z"))
        // Hourly runs go 01:00 EST → 03:00 EDT, one real hour apart.
        #expect(try next("0 * * * *", after: "2026-03-08T06:30:00Z", zone: Self.newYork) == Self.date("2026-03-08T07:00:00Z"))
    }

    @Test func fallBackRunsTheRepeatedHourTwice() throws {
        // 2026-11-01 02:00 EDT falls back to 01:00 EST: 01:30 happens at 05:30Z and again at 06:30Z.
        let first = try #require(try next("30 1 * * *", after: "2026-11-01T04:00:00Z", zone: Self.newYork))
        #expect(first == Self.date("2026-11-01T05:30:00Z"))
        let second = try CronSchedule("30 1 * * *", timeZone: Self.newYork).next(after: first)
        #expect(second == Self.date("2026-11-01T06:30:00Z"))
    }

    @Test func impossibleDateHasNoNextTime() throws {
        #expect(try next("0 0 30 2 *", after: "2026-11-30T00:00:00Z") == nil)
        #expect(throws: MissedSchedules.InvalidSchedule.self) {
            try MissedSchedules.compute(schedule: CronSchedule("0 0 30 2 *", timeZone: Self.utc), created: Self.date("2026-01-01T00:00:00Z"),
                                        lastScheduled: nil, startingDeadlineSeconds: nil, now: Self.date("2026-11-30T00:00:00Z"))
        }
    }

    @Test func missedSchedulesFindTheMostRecentAndCountMany() throws {
        let everyMinute = try CronSchedule("*/1 * * * *", timeZone: Self.utc)
        let created = Self.date("2026-11-30T10:00:30Z")
        var missed = try MissedSchedules.compute(schedule: everyMinute, created: created, lastScheduled: nil, startingDeadlineSeconds: nil,
                                                 now: Self.date("2026-11-30T10:00:50Z"))
        #expect(missed.mostRecent == nil && missed.missed == .none)
        missed = try MissedSchedules.compute(schedule: everyMinute, created: created, lastScheduled: nil, startingDeadlineSeconds: nil,
                                             now: Self.date("2026-11-30T10:05:10Z"))
        #expect(missed.mostRecent == Self.date("2026-11-30T10:05:00Z") && missed.missed == .few)
        missed = try MissedSchedules.compute(schedule: everyMinute, created: created, lastScheduled: Self.date("2026-11-30T10:05:00Z"),
                                             startingDeadlineSeconds: nil, now: Self.date("2026-11-30T10:05:10Z"))
        #expect(missed.mostRecent == nil)
        missed = try MissedSchedules.compute(schedule: everyMinute, created: created, lastScheduled: nil, startingDeadlineSeconds: nil,
                                             now: Self.date("2026-11-30T13:00:10Z"))
        #expect(missed.mostRecent == Self.date("2026-11-30T13:00:00Z") && missed.missed == .many)
        // A starting deadline bounds how far back the controller looks, so the count stays small.
        missed = try MissedSchedules.compute(schedule: everyMinute, created: created, lastScheduled: nil, startingDeadlineSeconds: 200,
                                             now: Self.date("2026-11-30T13:00:10Z"))
        #expect(missed.mostRecent == Self.date("2026-11-30T13:00:00Z") && missed.missed == .few)
        let delay = MissedSchedules.delayUntilNext(schedule: everyMinute, created: created, lastScheduled: Self.date("2026-11-30T10:05:00Z"),
                                                   now: Self.date("2026-11-30T10:05:10Z"))
        #expect(delay == .milliseconds(50_100))
    }

    @Test func jobNameAndScheduledTimestamp() throws {
        let scheduled = Self.date("2026-11-30T14:00:00Z")
        #expect(CronJobController.jobName(cronJob: "hello", scheduled: scheduled) == "hello-\(Int(scheduled.timeIntervalSince1970) / 60)")
        #expect(CronJobController.rfc3339(scheduled, in: Self.newYork) == "2026-11-30T09:00:00-05:00")
        #expect(CronJobController.rfc3339(scheduled, in: Self.utc) == "2026-11-30T14:00:00Z")
        #expect(CronJobController.rfc1123z(scheduled) == "Mon, 30 Nov 2026 14:00:00 +0000")
    }
}

/// A switch the test flips to make the played node's pods keep running or succeed.
final class NodeMode: Sendable {
    private let mode = Mutex(PodOutcome.run)
    var outcome: PodOutcome { mode.withLock { $0 } }
    func set(_ outcome: PodOutcome) { mode.withLock { $0 = outcome } }
}

/// Serialized: each test runs a cluster whose informers resync four times a second, which weighs on two cores.
@Suite(.serialized) struct CronJobControllerTests {
    /// The start of the next minute plus `seconds`, after `date`.
    static func minute(after date: Date, plus seconds: Double = 5, minutes: Int = 1) -> Date {
        Date(timeIntervalSince1970: ((date.timeIntervalSince1970 / 60).rounded(.down) + Double(minutes)) * 60 + seconds)
    }

    static func cronJob(_ spec: JSONValue = [:]) throws -> CronJob {
        var object: JSONValue = [
            "apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "hello", "namespace": "default"],
            "spec": ["schedule": "*/1 * * * *",
                     "jobTemplate": ["metadata": ["labels": ["team": "a"]],
                                     "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox"]]]]]]],
        ]
        for (key, value) in spec.objectValue ?? [:] { object.set(path: ["spec", key], to: value) }
        return try JSONDecoder().decode(CronJob.self, from: JSONEncoder().encode(object))
    }

    /// Creates the CronJob and returns its creation time.
    static func create(_ cronJob: CronJob, in c: BatchCluster, clock: ManualClock) async throws -> Date {
        try await c.cronJobs.create(cronJob, namespace: "default").metadata?.creationTimestamp?.date ?? clock.now
    }

    func jobNames(_ c: BatchCluster) async throws -> [String] {
        try await c.jobs.list(namespace: "default").items.compactMap(\.metadata?.name).sorted()
    }

    @Test func createsAJobAtEachScheduledTime() async throws {
        let clock = ManualClock(Date())
        let node = NodeMode()
        try await BatchCluster.with(clock: clock, outcome: { _ in node.outcome }) { c in
            let cronJobObject = try await c.cronJobs.create(Self.cronJob(["timeZone": "America/New_York"]), namespace: "default")
            let created = cronJobObject.metadata?.creationTimestamp?.date ?? clock.now
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await jobNames(c).isEmpty)

            let first = Self.minute(after: created, plus: 0)
            clock.set(first.addingTimeInterval(5))
            let firstName = "hello-\(Int(first.timeIntervalSince1970) / 60)"
            try await eventually("first job") { try await jobNames(c) == [firstName] }
            let job = try await c.jobs.get(firstName, namespace: "default")
            #expect(job.metadata?.annotations?["batch.kubernetes.io/cronjob-scheduled-timestamp"]
                    == CronJobController.rfc3339(first, in: TimeZone(identifier: "America/New_York")!))
            #expect(job.metadata?.labels?["team"] == "a")
            #expect(job.metadata?.ownerReferences?.first?.uid == cronJobObject.metadata?.uid)
            #expect(job.metadata?.ownerReferences?.first?.controller == true)
            try await eventually("status") { try await c.cronJobs.get("hello", namespace: "default").status?.lastScheduleTime?.date == first }
            var cronJob = try await c.cronJobs.get("hello", namespace: "default")
            #expect(cronJob.status?.active?.map(\.name) == [firstName])
            #expect(cronJob.status?.active?.first?.kind == "Job" && cronJob.status?.active?.first?.uid == job.metadata?.uid)
            try await eventually("SuccessfulCreate") {
                try await c.eventMessages(reason: "SuccessfulCreate").contains("Created job \(firstName)")
            }

            // Allow: the next activation starts another Job while the first still runs.
            let second = first.addingTimeInterval(60)
            clock.set(second.addingTimeInterval(5))
            let secondName = "hello-\(Int(second.timeIntervalSince1970) / 60)"
            try await eventually("second job") { try await jobNames(c) == [firstName, secondName] }
            try await eventually("two active") { try await c.cronJobs.get("hello", namespace: "default").status?.active?.count == 2 }

            // Once both finish, they leave the active list and lastSuccessfulTime is set.
            node.set(.succeed)
            try await eventually("none active") {
                let status = try await c.cronJobs.get("hello", namespace: "default").status
                return status?.active == nil && status?.lastSuccessfulTime != nil
            }
            cronJob = try await c.cronJobs.get("hello", namespace: "default")
            #expect(cronJob.status?.lastScheduleTime?.date == second)
            try await eventually("SawCompletedJob") {
                try await c.eventMessages(reason: "SawCompletedJob").contains("Saw completed job: \(firstName), condition: Complete")
            }
        }
    }

    @Test func forbidSkipsWhileAJobRuns() async throws {
        let clock = ManualClock(Date())
        let node = NodeMode()
        try await BatchCluster.with(clock: clock, outcome: { _ in node.outcome }) { c in
            let created = try await Self.create(try Self.cronJob(["concurrencyPolicy": "Forbid"]), in: c, clock: clock)
            let first = Self.minute(after: created, plus: 0)
            clock.set(first.addingTimeInterval(5))
            try await eventually("first job") { try await jobNames(c).count == 1 }
            try await eventually("active") { try await c.cronJobs.get("hello", namespace: "default").status?.active?.count == 1 }
            clock.set(first.addingTimeInterval(65))
            try await eventually("forbid event") { try await !c.eventMessages(reason: "JobAlreadyActive").isEmpty }
            #expect(try await c.eventMessages(reason: "JobAlreadyActive").first
                    == "Not starting job because prior execution is running and concurrency policy is Forbid")
            #expect(try await jobNames(c).count == 1)

            // Once the running Job is done, the activation Forbid held back starts (there is no startingDeadlineSeconds).
            node.set(.succeed)
            let heldBack = "hello-\(Int(first.timeIntervalSince1970) / 60 + 1)"
            try await eventually("held-back job") { try await jobNames(c).last == heldBack }
        }
    }

    @Test func replaceDeletesTheRunningJob() async throws {
        let clock = ManualClock(Date())
        try await BatchCluster.with(clock: clock, outcome: { _ in .run }) { c in
            let created = try await Self.create(try Self.cronJob(["concurrencyPolicy": "Replace"]), in: c, clock: clock)
            let first = Self.minute(after: created, plus: 0)
            let firstName = "hello-\(Int(first.timeIntervalSince1970) / 60)"
            let secondName = "hello-\(Int(first.timeIntervalSince1970) / 60 + 1)"
            clock.set(first.addingTimeInterval(5))
            try await eventually("first job") { try await jobNames(c) == [firstName] }
            try await eventually("active") { try await c.cronJobs.get("hello", namespace: "default").status?.active?.count == 1 }
            clock.set(first.addingTimeInterval(65))
            try await eventually("replaced") { try await jobNames(c) == [secondName] }
            try await eventually("active is the new one") {
                try await c.cronJobs.get("hello", namespace: "default").status?.active?.map(\.name) == [secondName]
            }
            try await eventually("SuccessfulDelete") {
                try await c.eventMessages(reason: "SuccessfulDelete").contains("Deleted job \(firstName)")
            }
        }
    }

    @Test func historyLimitsKeepTheNewestFinishedJobs() async throws {
        let clock = ManualClock(Date())
        try await BatchCluster.with(clock: clock, outcome: { _ in .succeed }) { c in
            let created = try await Self.create(try Self.cronJob(["successfulJobsHistoryLimit": 2]), in: c, clock: clock)
            let first = Self.minute(after: created, plus: 0)
            var names: [String] = []
            for i in 0..<4 {
                let scheduled = first.addingTimeInterval(Double(60 * i))
                names.append("hello-\(Int(scheduled.timeIntervalSince1970) / 60)")
                clock.set(scheduled.addingTimeInterval(5))
                try await eventually("job \(i) complete") {
                    let job = try? await c.jobs.get(names[i], namespace: "default")
                    return job?.condition("Complete")?.status == "True"
                }
                try await eventually("job \(i) seen") { try await c.cronJobs.get("hello", namespace: "default").status?.active == nil }
            }
            try await eventually("two kept") { try await jobNames(c) == Array(names.suffix(2)) }
            try await eventually("delete events") {
                let deleted = try await c.eventMessages(reason: "SuccessfulDelete")
                return deleted.contains("Deleted job \(names[0])") && deleted.contains("Deleted job \(names[1])")
            }
        }
    }

    @Test func suspendedCronJobStartsNothingUntilResumed() async throws {
        let clock = ManualClock(Date())
        try await BatchCluster.with(clock: clock, outcome: { _ in .run }) { c in
            let created = try await Self.create(try Self.cronJob(["suspend": true]), in: c, clock: clock)
            let first = Self.minute(after: created, plus: 0)
            clock.set(first.addingTimeInterval(65))
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await jobNames(c).isEmpty)
            _ = try await c.cronJobs.patch("hello", namespace: "default", type: .merge, body: ["spec": ["suspend": false]])
            // On resume the most recent missed activation runs, once.
            let latest = "hello-\(Int(first.timeIntervalSince1970) / 60 + 1)"
            try await eventually("job after resume") { try await jobNames(c) == [latest] }
        }
    }

    @Test func startingDeadlineSkipsLateActivations() async throws {
        let clock = ManualClock(Date())
        try await BatchCluster.with(clock: clock, outcome: { _ in .run }) { c in
            let created = try await Self.create(try Self.cronJob(["startingDeadlineSeconds": 10]), in: c, clock: clock)
            let first = Self.minute(after: created, plus: 0)
            clock.set(first.addingTimeInterval(30))
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await jobNames(c).isEmpty)
            clock.set(first.addingTimeInterval(62))
            try await eventually("job within the deadline") { try await jobNames(c).count == 1 }
        }
    }

    @Test func tooManyMissedTimesWarnsAndRunsTheLatest() async throws {
        let clock = ManualClock(Date())
        try await BatchCluster.with(clock: clock, outcome: { _ in .run }) { c in
            let created = try await Self.create(try Self.cronJob(), in: c, clock: clock)
            let later = Self.minute(after: created, plus: 5, minutes: 200)
            clock.set(later)
            try await eventually("job") { try await jobNames(c).count == 1 }
            #expect(try await jobNames(c) == ["hello-\(Int(later.timeIntervalSince1970) / 60)"])
            try await eventually("warning") {
                try await c.eventMessages(reason: "TooManyMissedTimes").first
                    == "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"
            }
        }
    }
}
