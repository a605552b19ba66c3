/// A parsed label selector (`app=web,tier in (a,b),!canary`), matching label sets as upstream's `labels.Selector`.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
        case greaterThan = "gt"
        case lessThan = "lt"
    }

    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var op: Operator
        public var values: [String]

        public init(key: String, op: Operator, values: [String] = []) {
            self.key = key
            self.op = op
            self.values = values
        }

        public func matches(_ labels: [String: String]) -> Bool {
            switch op {
            case .equals, .doubleEquals, .in:
                guard let v = labels[key] else { return false }
                return values.contains(v)
            case .notEquals, .notIn:
                guard let v = labels[key] else { return true }
                return !values.contains(v)
            case .exists: return labels[key] != nil
            case .doesNotExist: return labels[key] == nil
            case .greaterThan, .lessThan:
                guard let v = labels[key], let n = Int64(v), let bound = values.first.flatMap({ Int64($0) }) else { return false }
                return op == .greaterThan ? n > bound : n < bound
            }
        }

        public var description: String {
            switch op {
            case .equals, .doubleEquals, .notEquals: return "\(key)\(op.rawValue)\(values.first ?? "")"
            case .in, .notIn: return "\(key) \(op.rawValue) (\(values.joined(separator: ",")))"
            case .exists: return key
            case .doesNotExist: return "!\(key)"
            case .greaterThan: return "\(key)>\(values.first ?? "")"
            case .lessThan: return "\(key)<\(values.first ?? "")"
            }
        }
    }

    public var requirements: [Requirement]
    /// A selector that matches nothing (a nil selector in upstream's `LabelSelectorAsSelector`).
    public var matchesNothing: Bool

    public init(requirements: [Requirement] = [], matchesNothing: Bool = false) {
        self.requirements = requirements
        self.matchesNothing = matchesNothing
    }

    public static let everything = LabelSelector()
    public static let nothing = LabelSelector(matchesNothing: true)

    public var isEmpty: Bool { requirements.isEmpty && !matchesNothing }

    public func matches(_ labels: [String: String]) -> Bool {
        if matchesNothing { return false }
        return requirements.allSatisfy { $0.matches(labels) }
    }

    public var description: String { requirements.map(\.description).joined(separator: ",") }

    /// Parses the `labelSelector` query syntax; throws a message worded like upstream's parser.
    public static func parse(_ text: String) throws(SelectorParseError) -> LabelSelector {
        var parser = LabelSelectorParser(text)
        return LabelSelector(requirements: try parser.parse())
    }

    /// Builds a selector from a `metav1.LabelSelector` object (`matchLabels`, `matchExpressions`).
    /// A nil object selects nothing; an empty one selects everything, as upstream.
    public static func from(_ object: JSONValue?) throws(SelectorParseError) -> LabelSelector {
        guard let object, case .object(let o) = object else { return .nothing }
        var requirements: [Requirement] = []
        if case .object(let matchLabels)? = o["matchLabels"] {
            for (k, v) in matchLabels.sorted(by: { $0.key < $1.key }) {
                requirements.append(Requirement(key: k, op: .equals, values: [v.stringValue ?? ""]))
            }
        }
        if case .array(let expressions)? = o["matchExpressions"] {
            for e in expressions {
                let key = e["key"]?.stringValue ?? ""
                let values = e["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
                switch e["operator"]?.stringValue ?? "" {
                case "In": requirements.append(Requirement(key: key, op: .in, values: values))
                case "NotIn": requirements.append(Requirement(key: key, op: .notIn, values: values))
                case "Exists": requirements.append(Requirement(key: key, op: .exists))
                case "DoesNotExist": requirements.append(Requirement(key: key, op: .doesNotExist))
                case let other: throw SelectorParseError(message: "\"\(other)\" is not a valid label selector operator")
                }
            }
        }
        return LabelSelector(requirements: requirements)
    }
}

/// A selector that could not be parsed, with upstream's wording.
public struct SelectorParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

struct LabelSelectorParser {
    private let chars: [Character]
    private var index = 0

    init(_ text: String) { chars = Array(text) }

    private mutating func skipSpaces() {
        while index < chars.count, chars[index] == " " { index += 1 }
    }

    private func isIdentifierChar(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." || c == "/"
    }

    private mutating func identifier() -> String {
        let start = index
        while index < chars.count, isIdentifierChar(chars[index]) { index += 1 }
        return String(chars[start..<index])
    }

    mutating func parse() throws(SelectorParseError) -> [LabelSelector.Requirement] {
        var result: [LabelSelector.Requirement] = []
        skipSpaces()
        if index >= chars.count { return [] }
        while true {
            result.append(try requirement())
            skipSpaces()
            if index >= chars.count { break }
            guard chars[index] == "," else {
                throw SelectorParseError(message: "found '\(chars[index])', expected: ',' or 'end of string'")
            }
            index += 1
        }
        for r in result { try validate(r) }
        return result
    }

    private func validate(_ r: LabelSelector.Requirement) throws(SelectorParseError) {
        if let problem = LabelValidation.qualifiedNameProblems(r.key).first {
            throw SelectorParseError(message: "unable to parse requirement: values[0][\(r.key)]: Invalid value: \"\(r.key)\": \(problem)")
        }
        for v in r.values {
            if let problem = LabelValidation.labelValueProblems(v).first {
                throw SelectorParseError(message: "unable to parse requirement: values[0][\(r.key)]: Invalid value: \"\(v)\": \(problem)")
            }
        }
    }

    private mutating func requirement() throws(SelectorParseError) -> LabelSelector.Requirement {
        skipSpaces()
        if index < chars.count, chars[index] == "!" {
            index += 1
            skipSpaces()
            let key = identifier()
            if key.isEmpty { throw SelectorParseError(message: "unable to parse requirement: found '', expected: identifier") }
            return .init(key: key, op: .doesNotExist)
        }
        let key = identifier()
        if key.isEmpty {
            let found = index < chars.count ? String(chars[index]) : ""
            throw SelectorParseError(message: "unable to parse requirement: found '\(found)', expected: identifier")
        }
        skipSpaces()
        if index >= chars.count || chars[index] == "," { return .init(key: key, op: .exists) }
        let c = chars[index]
        if c == "=" {
            index += 1
            var op = LabelSelector.Operator.equals
            if index < chars.count, chars[index] == "=" { index += 1; op = .doubleEquals }
            skipSpaces()
            return .init(key: key, op: op, values: [identifier()])
        }
        if c == "!" {
            index += 1
            guard index < chars.count, chars[index] == "=" else {
                throw SelectorParseError(message: "unable to parse requirement: found '!', expected: '=', '!=', '==', 'in', notin'")
            }
            index += 1
            skipSpaces()
            return .init(key: key, op: .notEquals, values: [identifier()])
        }
        if c == ">" || c == "<" {
            index += 1
            skipSpaces()
            let v = identifier()
            guard Int64(v) != nil else {
                throw SelectorParseError(message: "unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer")
            }
            return .init(key: key, op: c == ">" ? .greaterThan : .lessThan, values: [v])
        }
        let word = identifier()
        let op: LabelSelector.Operator
        switch word {
        case "in": op = .in
        case "notin": op = .notIn
        default:
            throw SelectorParseError(message: "unable to parse requirement: found '\(word)', expected: '=', '!=', '==', 'in', notin'")
        }
        skipSpaces()
        guard index < chars.count, chars[index] == "(" else {
            throw SelectorParseError(message: "unable to parse requirement: found '\(index < chars.count ? String(chars[index]) : "")', expected: '('")
        }
        index += 1
        var values: [String] = []
        while true {
            skipSpaces()
            values.append(identifier())
            skipSpaces()
            guard index < chars.count else {
                throw SelectorParseError(message: "unable to parse requirement: found '', expected: ',', ')' or identifier")
            }
            if chars[index] == ")" { index += 1; break }
            guard chars[index] == "," else {
                throw SelectorParseError(message: "unable to parse requirement: found '\(chars[index])', expected: ',', ')' or identifier")
            }
            index += 1
        }
        return .init(key: key, op: op, values: values)
    }
}
