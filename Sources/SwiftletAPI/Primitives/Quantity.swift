import Foundation

/// A resource amount such as `500m`, `2`, `128Mi` or `1e3`, kept exactly and written in upstream's canonical form.
public struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// How the amount is written: binary (`Ki`, `Mi` …), decimal (`m`, `k`, `M` …) or with an exponent (`1e3`).
    public enum Format: Sendable, Hashable { case binarySI, decimalSI, decimalExponent }

    /// The exact amount.
    public private(set) var value: Decimal
    public private(set) var format: Format

    public init(value: Decimal, format: Format = .decimalSI) {
        self.value = value
        self.format = format
    }

    public init(integer: Int64, format: Format = .decimalSI) {
        self.init(value: Decimal(integer), format: format)
    }

    public init(milli: Int64) {
        self.init(value: Decimal(milli) / 1000, format: .decimalSI)
    }

    /// Parses upstream's quantity grammar; `nil` when the text is not a quantity.
    public init?(_ text: String) {
        guard let parsed = Quantity.parse(text) else { return nil }
        self = parsed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            guard let q = Quantity(s) else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
            }
            self = q
        } else if let i = try? c.decode(Int64.self) {
            self.init(integer: i)
        } else {
            let d = try c.decode(Double.self)
            guard let q = Quantity(String(d)) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "invalid quantity")
            }
            self = q
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// The amount in thousandths, rounded up (how upstream compares CPU).
    public var milliValue: Int64 { Quantity.roundUp(value * 1000) }

    /// The amount as a whole number, rounded up (how upstream compares memory and counts).
    public var int64Value: Int64 { Quantity.roundUp(value) }

    public var isZero: Bool { value.isZero }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value < rhs.value }
    public static func == (lhs: Quantity, rhs: Quantity) -> Bool { lhs.value == rhs.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }

    public static func + (lhs: Quantity, rhs: Quantity) -> Quantity { Quantity(value: lhs.value + rhs.value, format: lhs.format) }
    public static func - (lhs: Quantity, rhs: Quantity) -> Quantity { Quantity(value: lhs.value - rhs.value, format: lhs.format) }

    private static func roundUp(_ d: Decimal) -> Int64 {
        var input = d
        var result = Decimal()
        NSDecimalRound(&result, &input, 0, .up)
        let n = NSDecimalNumber(decimal: result)
        if result > Decimal(Int64.max) { return Int64.max }
        if result < Decimal(Int64.min) { return Int64.min }
        return n.int64Value
    }

    private static let binarySuffixes: [(String, Int)] = [("Ki", 10), ("Mi", 20), ("Gi", 30), ("Ti", 40), ("Pi", 50), ("Ei", 60)]
    private static let decimalSuffixes: [(String, Int)] = [("n", -9), ("u", -6), ("m", -3), ("", 0), ("k", 3), ("M", 6), ("G", 9), ("T", 12), ("P", 15), ("E", 18)]

    static func parse(_ text: String) -> Quantity? {
        guard !text.isEmpty, text.count < 100 else { return nil }
        var chars = Substring(text)
        var negative = false
        if chars.first == "+" || chars.first == "-" {
            negative = chars.first == "-"
            chars = chars.dropFirst()
        }
        let numberEnd = chars.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) ?? chars.endIndex
        let number = chars[chars.startIndex..<numberEnd]
        let suffix = String(chars[numberEnd...])
        guard !number.isEmpty, number.filter({ $0 == "." }).count <= 1, number != "." else { return nil }
        guard var amount = Decimal(string: String(number), locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        if negative { amount = -amount }
        var format = Format.decimalSI
        if let b = binarySuffixes.first(where: { $0.0 == suffix }) {
            format = .binarySI
            amount *= pow(Decimal(2), b.1)
        } else if let d = decimalSuffixes.first(where: { $0.0 == suffix }) {
            amount *= pow(Decimal(10), d.1 >= 0 ? d.1 : 0)
            if d.1 < 0 { amount /= pow(Decimal(10), -d.1) }
        } else if let first = suffix.first, first == "e" || first == "E" {
            guard let exp = Int(suffix.dropFirst()), abs(exp) < 40 else { return nil }
            format = .decimalExponent
            if exp >= 0 { amount *= pow(Decimal(10), exp) } else { amount /= pow(Decimal(10), -exp) }
        } else {
            return nil
        }
        // Upstream keeps at most nano precision, rounding up.
        var scaled = amount * Decimal(1_000_000_000)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .up)
        amount = rounded / Decimal(1_000_000_000)
        return Quantity(value: amount, format: format)
    }

    /// The canonical text: the largest suffix that keeps the mantissa a whole number.
    public var description: String {
        if value.isZero { return "0" }
        let negative = value < 0
        let magnitude = negative ? -value : value
        let sign = negative ? "-" : ""
        if format == .binarySI, Quantity.isWhole(magnitude), magnitude >= 1024 {
            var best: (Decimal, String) = (magnitude, "")
            for (suffix, exp) in Quantity.binarySuffixes {
                let divided = magnitude / pow(Decimal(2), exp)
                if Quantity.isWhole(divided) { best = (divided, suffix) } else { break }
            }
            if best.1 != "" || !Quantity.isWhole(magnitude) {
                return sign + Quantity.integerString(best.0) + best.1
            }
        }
        // Decimal forms: find the exponent (multiple of 3) that gives a whole mantissa.
        var exponent = -9
        var mantissa = magnitude * Decimal(1_000_000_000)
        while exponent < 18 {
            let next = mantissa / 1000
            if Quantity.isWhole(next) {
                mantissa = next
                exponent += 3
            } else {
                break
            }
        }
        if format == .decimalExponent {
            return sign + Quantity.integerString(mantissa) + (exponent == 0 ? "" : "e\(exponent)")
        }
        let suffix = Quantity.decimalSuffixes.first(where: { $0.1 == exponent })?.0 ?? ""
        return sign + Quantity.integerString(mantissa) + suffix
    }

    private static func isWhole(_ d: Decimal) -> Bool {
        var input = d
        var r = Decimal()
        NSDecimalRound(&r, &input, 0, .down)
        return r == d
    }

    private static func integerString(_ d: Decimal) -> String {
        NSDecimalNumber(decimal: d).stringValue
    }
}
