/// One step of a field path, as structured-merge-diff's `PathElement`: a struct field or map key, a map-list
/// element by its keys, a set-list element by its value, or an index (used only for atomic lists' innards).
public enum FieldPathElement: Sendable, Hashable, Comparable, CustomStringConvertible {
    case field(String)
    /// The key fields of a map-list element, sorted by name.
    case key([KeyField])
    case value(JSONValue)
    case index(Int)

    /// One key field of a map-list element, such as `name: "nginx"`.
    public struct KeyField: Sendable, Hashable {
        public var name: String
        public var value: JSONValue

        public init(name: String, value: JSONValue) {
            self.name = name
            self.value = value.normalizedNumbers
        }
    }

    /// A map-list element's path element from its key fields, in any order.
    public static func keyed(_ fields: [(String, JSONValue)]) -> FieldPathElement {
        .key(fields.map { KeyField(name: $0.0, value: $0.1) }.sorted { goStringLess($0.name, $1.name) })
    }

    /// A set-list element's path element; whole floats become integers so `1.0` and `1` are one element.
    public static func setValue(_ value: JSONValue) -> FieldPathElement {
        .value(value.normalizedNumbers)
    }

    /// Upstream's `PathElement.String()`, used in conflict messages: `.spec`, `[name="nginx"]`, `[=foo]`, `[0]`.
    public var description: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let fields): return "[" + fields.map { "\($0.name)=\(Self.render($0.value))" }.joined(separator: ",") + "]"
        case .value(let value): return "[=\(Self.render(value))]"
        case .index(let index): return "[\(index)]"
        }
    }

    /// Upstream's `value.ToString`: strings quoted as Go's `%q`, lists and maps spelled out.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return GoFormat.float(d)
        case .string(let s): return goQuote(s)
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .object(let object):
            return "{" + object.keys.sorted(by: goStringLess).map { "\($0)=\(render(object[$0]!))" }.joined(separator: ",") + "}"
        }
    }

    /// Upstream's `PathElement.Compare`: fields before keys before values before indexes.
    public static func < (lhs: FieldPathElement, rhs: FieldPathElement) -> Bool {
        compare(lhs, rhs) < 0
    }

    static func compare(_ lhs: FieldPathElement, _ rhs: FieldPathElement) -> Int {
        switch (lhs, rhs) {
        case (.field(let a), .field(let b)): return goCompare(a, b)
        case (.field, _): return -1
        case (_, .field): return 1
        case (.key(let a), .key(let b)):
            for (x, y) in zip(a, b) {
                let names = goCompare(x.name, y.name)
                if names != 0 { return names }
                let values = compareValues(x.value, y.value)
                if values != 0 { return values }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        case (.key, _): return -1
        case (_, .key): return 1
        case (.value(let a), .value(let b)): return compareValues(a, b)
        case (.value, _): return -1
        case (_, .value): return 1
        case (.index(let a), .index(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        }
    }

    /// Upstream's `value.Compare`: numbers, then strings, booleans, lists, maps, and null last.
    static func compareValues(_ lhs: JSONValue, _ rhs: JSONValue) -> Int {
        func rank(_ v: JSONValue) -> Int {
            switch v {
            case .int, .double: return 0
            case .string: return 1
            case .bool: return 2
            case .array: return 3
            case .object: return 4
            case .null: return 5
            }
        }
        let (l, r) = (rank(lhs), rank(rhs))
        if l != r { return l < r ? -1 : 1 }
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a == b ? 0 : (a < b ? -1 : 1)
        case (.int, _), (.double, _):
            let a = lhs.numberValue, b = rhs.numberValue
            return a == b ? 0 : (a < b ? -1 : 1)
        case (.string(let a), .string(let b)): return goCompare(a, b)
        case (.bool(let a), .bool(let b)): return a == b ? 0 : (a ? 1 : -1)
        case (.array(let a), .array(let b)):
            for (x, y) in zip(a, b) {
                let c = compareValues(x, y)
                if c != 0 { return c }
            }
            return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
        case (.object(let a), .object(let b)):
            let keysA = a.keys.sorted(by: goStringLess), keysB = b.keys.sorted(by: goStringLess)
            for (x, y) in zip(keysA, keysB) {
                let names = goCompare(x, y)
                if names != 0 { return names }
                let c = compareValues(a[x]!, b[y]!)
                if c != 0 { return c }
            }
            return keysA.count == keysB.count ? 0 : (keysA.count < keysB.count ? -1 : 1)
        default: return 0
        }
    }
}

/// Go's `strings.Compare`: byte-wise on UTF-8.
func goCompare(_ a: String, _ b: String) -> Int {
    if a == b { return 0 }
    return goStringLess(a, b) ? -1 : 1
}

/// Go's `%q` / `strconv.Quote`: managed-field messages and the downward API's `key="value"` files use it.
public func goQuote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{07}": out += "\\a"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\u{0B}": out += "\\v"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension JSONValue {
    /// Whole floats as integers, recursively, so that values decoded as float64 upstream (`80`) compare
    /// and hash like the integers Swiftlet's parser produces.
    var normalizedNumbers: JSONValue {
        switch self {
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return .int(Int64(d))
        case .array(let items): return .array(items.map(\.normalizedNumbers))
        case .object(let object): return .object(object.mapValues(\.normalizedNumbers))
        default: return self
        }
    }

    fileprivate var numberValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return 0
        }
    }
}
