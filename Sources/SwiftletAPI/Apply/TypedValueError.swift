/// An object that does not fit its schema the way server-side apply needs, worded as upstream's
/// `ValidationErrors`: `.spec.containers: element 0: associative list with keys has an element that omits key field "name" …`.
struct TypedValueError: Error, Sendable, CustomStringConvertible {
    var messages: [String]

    init(_ message: String, at path: [FieldPathElement]) {
        let prefix = path.map(\.description).joined()
        messages = [prefix.isEmpty ? message : "\(prefix): \(message)"]
    }

    var description: String { messages.joined(separator: "\n") }
}

extension FieldType {
    /// The path element naming a list element (upstream's `listItemToPathElement`).
    func pathElement(of item: JSONValue, at index: Int, relation: ListRelation) throws(TypedValueError) -> FieldPathElement {
        switch relation {
        case .atomic:
            return .index(index)
        case .map(let keys) where !keys.isEmpty:
            guard case .object(let object) = item else {
                let what = item.isNull ? "may not have a null element" : "may not have non-map elements"
                throw TypedValueError("element \(index): associative list with keys \(what)", at: [])
            }
            var fields: [(String, JSONValue)] = []
            for key in keys {
                if let value = object[key] {
                    fields.append((key, value))
                } else if let value = defaultKeyValue(key) {
                    fields.append((key, value))
                } else {
                    throw TypedValueError(
                        "element \(index): associative list with keys has an element that omits key field \(goQuote(key)) (and doesn't have default value)",
                        at: [])
                }
            }
            return .keyed(fields)
        case .map, .set:
            switch item {
            case .object: throw TypedValueError("element \(index): associative list without keys has an element that's a map type", at: [])
            case .array: throw TypedValueError("element \(index): not supported: associative list with lists as elements", at: [])
            case .null: throw TypedValueError("element \(index): associative list without keys has an element that's an explicit null", at: [])
            default: return .setValue(item)
            }
        }
    }

    /// Each element of a granular list with its path element; a repeated element is reported in `duplicates`
    /// and, unless duplicates are allowed, is an error.
    func indexedItems(
        _ items: [JSONValue], relation: ListRelation, allowDuplicates: Bool
    ) throws(TypedValueError) -> (items: [(FieldPathElement, JSONValue)], duplicates: Set<FieldPathElement>) {
        var out: [(FieldPathElement, JSONValue)] = []
        var seen: Set<FieldPathElement> = []
        var duplicates: Set<FieldPathElement> = []
        out.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let element = try pathElement(of: item, at: index, relation: relation)
            if !seen.insert(element).inserted {
                guard allowDuplicates else { throw TypedValueError("duplicate entries for key \(element)", at: []) }
                duplicates.insert(element)
            }
            out.append((element, item))
        }
        return (out, duplicates)
    }
}
