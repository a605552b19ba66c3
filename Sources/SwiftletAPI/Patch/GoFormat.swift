import Collections

/// Renders values the way Go's `fmt` renders decoded JSON, so that patch error texts read as upstream's.
///
/// Upstream builds these messages with `%v`, `%s` and `reflect.TypeOf` on `map[string]interface{}` values.
enum GoFormat {
    /// `fmt.Sprintf("%v", x)`: maps as `map[k:v …]` with sorted keys, slices as `[a b]`, nil as `<nil>`.
    static func value(_ value: JSONValue) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .string(let s): return s
        case .array(let a): return "[" + a.map { Self.value($0) }.joined(separator: " ") + "]"
        case .object(let o):
            let entries = o.keys.sorted(by: goStringLess).map { "\($0):\(Self.value(o[$0]!))" }
            return "map[" + entries.joined(separator: " ") + "]"
        }
    }

    /// `fmt.Sprintf("%s", x)`: strings as they are, other scalars as Go's `%!s(type=value)` complaint.
    static func verbS(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .null: return "%!s(<nil>)"
        case .bool, .int, .double: return "%!s(\(typeName(value))=\(Self.value(value)))"
        case .array, .object: return Self.value(value)
        }
    }

    /// `reflect.TypeOf(x).String()` for a decoded JSON value; `%!s(<nil>)` for a missing one, as `%s` prints it.
    static func typeName(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "%!s(<nil>)"
        case .bool?: return "bool"
        case .int?: return "int64"
        case .double?: return "float64"
        case .string?: return "string"
        case .array?: return "[]interface {}"
        case .object?: return "map[string]interface {}"
        }
    }

    /// `strconv.FormatFloat(d, 'g', -1, 64)`, which is what `%v` prints for a float64.
    static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        // Shortest round-tripping digits and the decimal exponent, taken from Swift's own shortest rendering.
        let text = "\(d.magnitude)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let dot = mantissa.firstIndex(of: ".")
        let integerPart = dot.map { mantissa[..<$0] } ?? mantissa
        let fractionPart = dot.map { mantissa[mantissa.index(after: $0)...] } ?? ""
        var digits = Array(integerPart + fractionPart)
        var pointPosition = integerPart.count + exponent
        while digits.first == "0" && digits.count > 1 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == "0" && digits.count > 1 { digits.removeLast() }
        let sign = d < 0 ? "-" : ""
        let decimalExponent = pointPosition - 1
        // %g with the shortest precision switches to %e below 1e-4 and from 1e6 on (fmt.Println(1e6) is "1e+06").
        if decimalExponent < -4 || decimalExponent >= 6 {
            var result = String(digits[0])
            if digits.count > 1 { result += "." + String(digits[1...]) }
            let magnitude = abs(decimalExponent)
            result += (decimalExponent < 0 ? "e-" : "e+") + (magnitude < 10 ? "0" : "") + String(magnitude)
            return sign + result
        }
        if pointPosition <= 0 {
            return sign + "0." + String(repeating: "0", count: -pointPosition) + String(digits)
        }
        if pointPosition >= digits.count {
            return sign + String(digits) + String(repeating: "0", count: pointPosition - digits.count)
        }
        return sign + String(digits[..<pointPosition]) + "." + String(digits[pointPosition...])
    }
}
