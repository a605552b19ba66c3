import Foundation
import SwiftletAPI

/// A CronJob schedule as upstream parses it (robfig/cron v3 `ParseStandard`): five fields (minute, hour,
/// day of month, month, day of week) with `*`, `?`, ranges, steps, lists and the names JAN–DEC and SUN–SAT;
/// the descriptors `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly` and
/// `@every <duration>`; and a leading `TZ=`/`CRON_TZ=` zone (which API validation rejects on create, but
/// the parser, like upstream's, still reads). Times are computed in `timeZone`.
public struct CronSchedule: Sendable, Hashable {
    /// The parse failure, with robfig/cron's wording.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    enum Kind: Sendable, Hashable {
        /// Bit sets per field (bit n = value n), plus whether day of month / day of week were `*` or `?`.
        case fields(minute: UInt64, hour: UInt64, dayOfMonth: UInt64, month: UInt64, dayOfWeek: UInt64, domStar: Bool, dowStar: Bool)
        /// `@every`: whole seconds, at least one.
        case every(seconds: Int64)
    }

    let kind: Kind
    public let timeZone: TimeZone

    /// Parses `spec`; `timeZone` applies unless the spec names its own with `TZ=`/`CRON_TZ=`.
    public init(_ spec: String, timeZone: TimeZone = .current) throws(ParseError) {
        var spec = spec.trimmingCharacters(in: .whitespaces)
        guard !spec.isEmpty else { throw ParseError(description: "empty spec string") }
        var zone = timeZone
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            guard let space = spec.firstIndex(of: " "), let equals = spec.firstIndex(of: "=") else {
                throw ParseError(description: "provided bad location \(spec): unknown time zone")
            }
            let name = String(spec[spec.index(after: equals)..<space])
            guard let named = Self.zone(named: name) else {
                throw ParseError(description: "provided bad location \(name): unknown time zone \(name)")
            }
            zone = named
            spec = spec[space...].trimmingCharacters(in: .whitespaces)
        }
        self.timeZone = zone
        if spec.hasPrefix("@") {
            kind = try Self.descriptor(spec)
            return
        }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "expected exactly 5 fields, found \(fields.count): [\(fields.joined(separator: " "))]")
        }
        let minute = try Self.field(fields[0], .minute)
        let hour = try Self.field(fields[1], .hour)
        let dom = try Self.field(fields[2], .dayOfMonth)
        let month = try Self.field(fields[3], .month)
        let dow = try Self.field(fields[4], .dayOfWeek)
        kind = .fields(minute: minute.bits, hour: hour.bits, dayOfMonth: dom.bits, month: month.bits, dayOfWeek: dow.bits,
                       domStar: dom.star, dowStar: dow.star)
    }

    /// A zone by IANA name as Go's `time.LoadLocation` reads it: "" and "UTC" are UTC.
    public static func zone(named name: String) -> TimeZone? {
        if name.isEmpty || name == "UTC" { return TimeZone(identifier: "UTC") }
        if name == "Local" { return .current }
        return TimeZone(identifier: name)
    }

    struct Bounds: Sendable {
        var min: Int, max: Int, names: [String: Int] = [:]
        static let minute = Bounds(min: 0, max: 59)
        static let hour = Bounds(min: 0, max: 23)
        static let dayOfMonth = Bounds(min: 1, max: 31)
        static let month = Bounds(min: 1, max: 12, names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                                           "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12])
        static let dayOfWeek = Bounds(min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])
        var all: UInt64 { Self.bits(min, max, 1) }
        static func bits(_ low: Int, _ high: Int, _ step: Int) -> UInt64 {
            stride(from: low, through: high, by: step).reduce(0) { $0 | (1 << UInt64($1)) }
        }
    }

    /// One field: the union of its comma-separated ranges; `star` when a `*`/`?` range without a step > 1 is in it.
    static func field(_ text: String, _ bounds: Bounds) throws(ParseError) -> (bits: UInt64, star: Bool) {
        var bits: UInt64 = 0
        var star = false
        for expr in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let range = try Self.range(expr, bounds)
            bits |= range.bits
            star = star || range.star
        }
        return (bits, star)
    }

    static func range(_ expr: String, _ bounds: Bounds) throws(ParseError) -> (bits: UInt64, star: Bool) {
        let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        var start: Int, end: Int, step = 1, star = false
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = bounds.min
            end = bounds.max
            star = true
        } else {
            start = try number(lowAndHigh[0], bounds.names)
            switch lowAndHigh.count {
            case 1: end = start
            case 2: end = try number(lowAndHigh[1], bounds.names)
            default: throw ParseError(description: "too many hyphens: \(expr)")
            }
        }
        switch rangeAndStep.count {
        case 1: break
        case 2:
            step = try number(rangeAndStep[1], [:])
            // "N/step" means N through the maximum.
            if lowAndHigh.count == 1 { end = bounds.max }
            if step > 1 { star = false }
        default: throw ParseError(description: "too many slashes: \(expr)")
        }
        if start < bounds.min { throw ParseError(description: "beginning of range (\(start)) below minimum (\(bounds.min)): \(expr)") }
        if end > bounds.max { throw ParseError(description: "end of range (\(end)) above maximum (\(bounds.max)): \(expr)") }
        if start > end { throw ParseError(description: "beginning of range (\(start)) beyond end of range (\(end)): \(expr)") }
        if step == 0 { throw ParseError(description: "step of range should be a positive number: \(expr)") }
        return (Bounds.bits(start, end, step), star)
    }

    static func number(_ text: String, _ names: [String: Int]) throws(ParseError) -> Int {
        if let named = names[text.lowercased()] { return named }
        guard let value = Int(text) else {
            throw ParseError(description: "failed to parse int from \(text): strconv.Atoi: parsing \"\(text)\": invalid syntax")
        }
        if value < 0 { throw ParseError(description: "negative number (\(value)) not allowed: \(text)") }
        return value
    }

    static func descriptor(_ spec: String) throws(ParseError) -> Kind {
        let dom = Bounds.dayOfMonth.all, month = Bounds.month.all, dow = Bounds.dayOfWeek.all, hour = Bounds.hour.all
        switch spec {
        case "@yearly", "@annually":
            return .fields(minute: 1, hour: 1, dayOfMonth: 1 << 1, month: 1 << 1, dayOfWeek: dow, domStar: false, dowStar: true)
        case "@monthly":
            return .fields(minute: 1, hour: 1, dayOfMonth: 1 << 1, month: month, dayOfWeek: dow, domStar: false, dowStar: true)
        case "@weekly":
            return .fields(minute: 1, hour: 1, dayOfMonth: dom, month: month, dayOfWeek: 1, domStar: true, dowStar: false)
        case "@daily", "@midnight":
            return .fields(minute: 1, hour: 1, dayOfMonth: dom, month: month, dayOfWeek: dow, domStar: true, dowStar: true)
        case "@hourly":
            return .fields(minute: 1, hour: hour, dayOfMonth: dom, month: month, dayOfWeek: dow, domStar: true, dowStar: true)
        default:
            guard spec.hasPrefix("@every ") else { throw ParseError(description: "unrecognized descriptor: \(spec)") }
            let text = String(spec.dropFirst("@every ".count))
            guard let seconds = GoDuration.seconds(text) else {
                throw ParseError(description: "failed to parse duration \(spec): time: invalid duration \"\(text)\"")
            }
            // robfig/cron rounds the delay down to whole seconds, at least one.
            return .every(seconds: max(1, Int64(seconds.rounded(.down))))
        }
    }
}
