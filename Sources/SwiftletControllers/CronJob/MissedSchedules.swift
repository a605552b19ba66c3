import Foundation

/// Which schedule times a CronJob has missed, as upstream's `mostRecentScheduleTime` works them out (pure, so
/// the controller and its tests share it): the most recent activation between the last schedule time (or the
/// creation time, or `now − startingDeadlineSeconds` if later) and now, and roughly how many were missed.
struct MissedSchedules: Equatable, Sendable {
    enum Count: Equatable, Sendable { case none, few, many }

    /// The time activations are counted from.
    var earliest: Date
    /// The most recent activation not after now, if any.
    var mostRecent: Date?
    /// `.many` past 100 missed activations (upstream's TooManyMissedTimes threshold).
    var missed: Count

    /// The error upstream gives a schedule whose activations are less than a second apart or never come.
    struct InvalidSchedule: Error, Equatable, CustomStringConvertible {
        var description: String { "time difference between two schedules is less than 1 second" }
    }

    static let tooManyThreshold: Int64 = 100

    static func compute(schedule: CronSchedule, created: Date, lastScheduled: Date?, startingDeadlineSeconds: Int64?,
                        now: Date) throws(InvalidSchedule) -> MissedSchedules {
        var earliest = lastScheduled ?? created
        if let deadline = startingDeadlineSeconds {
            let schedulingDeadline = now.addingTimeInterval(-Double(deadline))
            if schedulingDeadline > earliest { earliest = schedulingDeadline }
        }
        guard let t1 = schedule.next(after: earliest) else { throw InvalidSchedule() }
        if now < t1 { return MissedSchedules(earliest: earliest, mostRecent: nil, missed: .none) }
        guard let t2 = schedule.next(after: t1) else { throw InvalidSchedule() }
        if now < t2 { return MissedSchedules(earliest: earliest, mostRecent: t1, missed: .none) }
        let interval = Int64(t2.timeIntervalSince(t1).rounded())
        guard interval >= 1 else { throw InvalidSchedule() }
        let elapsed = Int64(now.timeIntervalSince(t1))
        let missedCount = elapsed / interval + 1
        // Start one interval before the estimate and let the schedule find the exact times, which also covers
        // uneven schedules such as "30 6-16/4 * * 1-5".
        var t = schedule.next(after: t1.addingTimeInterval(Double((missedCount - 2) * interval)))
        var mostRecent: Date?
        while let time = t, time <= now {
            mostRecent = time
            t = schedule.next(after: time)
        }
        let missed: Count = missedCount > tooManyThreshold ? .many : (missedCount > 0 ? .few : .none)
        return MissedSchedules(earliest: earliest, mostRecent: mostRecent, missed: missed)
    }

    /// How long until the next activation after now, plus upstream's 100 ms margin (`nextScheduleTimeDuration`).
    static func delayUntilNext(schedule: CronSchedule, created: Date, lastScheduled: Date?, now: Date) -> Duration? {
        let base: Date
        do {
            let missed = try compute(schedule: schedule, created: created, lastScheduled: lastScheduled, startingDeadlineSeconds: nil, now: now)
            base = missed.mostRecent ?? (missed.missed == .none ? missed.earliest : now)
        } catch {
            base = now
        }
        guard let next = schedule.next(after: base) else { return nil }
        return .milliseconds(Int64(next.timeIntervalSince(now) * 1000) + 100)
    }
}
