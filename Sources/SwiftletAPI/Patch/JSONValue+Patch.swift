import Collections

/// The Go type a decoded JSON value has upstream (apimachinery's decoder keeps integers as int64).
enum GoKind: Hashable {
    case null, bool, int, double, string, array, object
}

extension JSONValue {
    var goKind: GoKind {
        switch self {
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .double: return .double
        case .string: return .string
        case .array: return .array
        case .object: return .object
        }
    }

    /// `reflect.DeepEqual` on decoded JSON: object key order does not matter, list order does, and an
    /// integer never equals a float.
    func isDeepEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.isDeepEqual(to: otherValue) else { return false }
            }
            return true
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            return zip(a, b).allSatisfy { $0.isDeepEqual(to: $1) }
        default:
            return self == other
        }
    }

    /// Equality as evanphx/json-patch's merge code sees it, where every number is a float64.
    func isJSONEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.isJSONEqual(to: otherValue) else { return false }
            }
            return true
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { return false }
            return zip(a, b).allSatisfy { $0.isJSONEqual(to: $1) }
        case (.int(let a), .double(let b)): return Double(a) == b
        case (.double(let a), .int(let b)): return a == Double(b)
        default:
            return self == other
        }
    }

    /// The same value with every object's keys sorted, as Go's encoder writes a `map[string]interface{}`.
    var sortingKeys: JSONValue {
        switch self {
        case .object(let object):
            var sorted = JSONObject()
            sorted.reserveCapacity(object.count)
            for key in object.keys.sorted(by: goStringLess) { sorted[key] = object[key]!.sortingKeys }
            return .object(sorted)
        case .array(let array):
            return .array(array.map(\.sortingKeys))
        default:
            return self
        }
    }
}

/// Go's `<` on strings: byte-wise on the UTF-8 encoding.
func goStringLess(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
