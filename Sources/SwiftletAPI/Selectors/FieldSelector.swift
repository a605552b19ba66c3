/// A parsed field selector (`metadata.name=web,status.phase!=Running`): only `=`, `==` and `!=`, as upstream.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    public struct Requirement: Sendable, Hashable {
        public var field: String
        public var value: String
        public var negated: Bool
    }

    public var requirements: [Requirement]

    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    public var isEmpty: Bool { requirements.isEmpty }

    public static func parse(_ text: String) throws(SelectorParseError) -> FieldSelector {
        var result: [Requirement] = []
        for part in splitUnescaped(text) where !part.trimmingSpaces.isEmpty {
            let p = part.trimmingSpaces
            if let r = p.range(of: "!=") {
                result.append(Requirement(field: String(p[..<r.lowerBound]), value: unescape(String(p[r.upperBound...])), negated: true))
            } else if let r = p.range(of: "==") {
                result.append(Requirement(field: String(p[..<r.lowerBound]), value: unescape(String(p[r.upperBound...])), negated: false))
            } else if let r = p.range(of: "=") {
                result.append(Requirement(field: String(p[..<r.lowerBound]), value: unescape(String(p[r.upperBound...])), negated: false))
            } else {
                throw SelectorParseError(message: "invalid selector: '\(text)'; can't understand '\(p)'")
            }
        }
        return FieldSelector(requirements: result)
    }

    /// Whether the fields (as produced by a kind's field extractor) satisfy every requirement.
    public func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            let v = fields[r.field] ?? ""
            return r.negated ? v != r.value : v == r.value
        }
    }

    /// The value a requirement pins a field to, when it does (`spec.nodeName=n1` → `n1`).
    public func requiredValue(for field: String) -> String? {
        requirements.first { $0.field == field && !$0.negated }?.value
    }

    public var description: String {
        requirements.map { "\($0.field)\($0.negated ? "!=" : "=")\($0.value)" }.joined(separator: ",")
    }

    private static func splitUnescaped(_ s: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var escaped = false
        for c in s {
            if escaped { current.append(c); escaped = false; continue }
            if c == "\\" { current.append(c); escaped = true; continue }
            if c == "," { parts.append(current); current = ""; continue }
            current.append(c)
        }
        parts.append(current)
        return parts
    }

    private static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var escaped = false
        for c in s {
            if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces.
    public var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
