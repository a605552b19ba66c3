import Foundation

extension CronSchedule {
    /// The first activation strictly after `date` (to the second), or nil when none falls within five years
    /// (a schedule such as "0 0 30 2 *"). Follows robfig/cron's `SpecSchedule.Next` step for step, so DST
    /// behaves as upstream: a wall-clock time skipped by spring-forward does not run that day, and one repeated
    /// by fall-back runs twice; an `@every` schedule adds its delay to `date` truncated to the second.
    public func next(after date: Date) -> Date? {
        let start = date.timeIntervalSince1970.rounded(.down)
        guard case let .fields(minute, hour, dom, month, dow, domStar, dowStar) = kind else {
            if case let .every(seconds) = kind { return Date(timeIntervalSince1970: start + Double(seconds)) }
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        func parts(_ t: Date) -> DateComponents {
            calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: t)
        }
        // Go's time.Date: a wall-clock time in the zone, with month and day overflow carried forward.
        func wall(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0) -> Date {
            var carry = (mo - 1).quotientAndRemainderFlooring(12)
            var (year, month, day) = (y + carry.quotient, carry.remainder + 1, d)
            while let noon = calendar.date(from: DateComponents(year: year, month: month, day: 1, hour: 12)),
                  let days = calendar.range(of: .day, in: .month, for: noon)?.count, day > days {
                day -= days
                carry = month.quotientAndRemainderFlooring(12)
                (year, month) = (year + carry.quotient, carry.remainder + 1)
            }
            return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: h, minute: mi, second: 0))
                ?? Date(timeIntervalSince1970: 0)
        }
        func has(_ bits: UInt64, _ value: Int?) -> Bool { bits & (1 << UInt64(value ?? 0)) != 0 }
        func dayMatches(_ c: DateComponents) -> Bool {
            let domMatch = has(dom, c.day), dowMatch = has(dow, (c.weekday ?? 1) - 1)
            return domStar || dowStar ? domMatch && dowMatch : domMatch || dowMatch
        }

        var t = Date(timeIntervalSince1970: start + 1)
        var added = false
        let yearLimit = (parts(t).year ?? 0) + 5
        wrap: while true {
            var c = parts(t)
            if (c.year ?? 0) > yearLimit { return nil }
            while !has(month, c.month) {
                if !added {
                    added = true
                    t = wall(c.year!, c.month!, 1)
                }
                let now = parts(t)
                t = wall(now.year!, now.month! + 1, now.day!, now.hour!, now.minute!)
                c = parts(t)
                if c.month == 1 { continue wrap }
            }
            while !dayMatches(c) {
                if !added {
                    added = true
                    t = wall(c.year!, c.month!, c.day!)
                }
                let now = parts(t)
                t = wall(now.year!, now.month!, now.day! + 1, now.hour!, now.minute!)
                c = parts(t)
                // Midnight may have moved by DST: back to 0 h, forward when it landed late in the previous day.
                if let h = c.hour, h != 0 {
                    t = t.addingTimeInterval(Double(h > 12 ? 24 - h : -h) * 3600)
                    c = parts(t)
                }
                if c.day == 1 { continue wrap }
            }
            while !has(hour, c.hour) {
                if !added {
                    added = true
                    t = wall(c.year!, c.month!, c.day!, c.hour!)
                }
                t = t.addingTimeInterval(3600)
                c = parts(t)
                if c.hour == 0 { continue wrap }
            }
            while !has(minute, c.minute) {
                if !added {
                    added = true
                    t = Date(timeIntervalSince1970: (t.timeIntervalSince1970 / 60).rounded(.down) * 60)
                }
                t = t.addingTimeInterval(60)
                c = parts(t)
                if c.minute == 0 { continue wrap }
            }
            // Only second 0 activates.
            if c.second != 0 {
                added = true
                t = t.addingTimeInterval(Double(60 - (c.second ?? 0)))
                continue wrap
            }
            return t
        }
    }
}

private extension Int {
    /// Division rounding toward negative infinity, so month 0 carries to December of the year before.
    func quotientAndRemainderFlooring(_ divisor: Int) -> (quotient: Int, remainder: Int) {
        let q = Int((Double(self) / Double(divisor)).rounded(.down))
        return (q, self - q * divisor)
    }
}
