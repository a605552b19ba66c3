/// Go's `time.ParseDuration`, as duration flags (`50s`, `2m`), annotations and CronJob's `@every` take it: a
/// sequence of decimal numbers with units ns, us, µs, ms, s, m, h ("1h30m", "1.5s", "90s"), optionally signed.
public enum GoDuration {
    /// The duration in seconds, or nil when the text is not a Go duration.
    public static func seconds(_ text: String) -> Double? {
        var rest = Substring(text)
        var sign = 1.0
        if let first = rest.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, number != ".", let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !$0.isNumber && $0 != "." }
            guard let scale = units.first(where: { $0.0 == unit })?.1 else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return sign * total
    }
}

extension GoDuration {
    /// A non-negative duration (flags and annotations), or nil when the text is not one.
    public static func parse(_ text: String) -> Duration? {
        guard let seconds = seconds(text), seconds >= 0 else { return nil }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }
}

extension Duration {
    /// The duration in seconds, for arithmetic with `Date`.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
