/// A `fieldsV1` document that is not a valid field set.
public struct FieldsV1Error: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension FieldSet {
    /// Reads upstream's FieldsV1 format: `{"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}}`.
    ///
    /// An empty object, or one holding `"."`, makes its path a member; elements of unknown kinds are
    /// skipped, as upstream does for forward compatibility.
    public init(fieldsV1: JSONValue) throws(FieldsV1Error) {
        guard case .object = fieldsV1 else { throw FieldsV1Error("FieldsV1 must be a JSON object, got \(fieldsV1.typeName)") }
        self = try Self.read(fieldsV1).children ?? FieldSet()
    }

    private static func read(_ value: JSONValue) throws(FieldsV1Error) -> (children: FieldSet?, isMember: Bool) {
        guard case .object(let object) = value else {
            throw FieldsV1Error("parsing FieldsV1: expected an object, got \(value.typeName)")
        }
        var children: FieldSet?
        var isMember = false
        for (key, child) in object {
            if key == "." {
                isMember = true
                continue
            }
            guard let element = try FieldPathElement(serialized: key) else { continue }
            let (grandchildren, childIsMember) = try read(child)
            if childIsMember {
                children = children ?? FieldSet()
                children!.members.insert(element)
            }
            if let grandchildren, !grandchildren.isEmpty {
                children = children ?? FieldSet()
                children!.children[element, default: FieldSet()].formUnion(grandchildren)
            }
        }
        return (children, children == nil ? true : isMember)
    }

    /// Writes upstream's FieldsV1 format, elements in upstream's order and `"."` first where a path is both
    /// a member and a prefix.
    public var fieldsV1: JSONValue { .object(contents(includeSelf: false)) }

    private func contents(includeSelf: Bool) -> JSONObject {
        var out = JSONObject()
        if includeSelf && !isEmpty { out["."] = .object([:]) }
        let elements = members.union(children.keys).sorted()
        for element in elements {
            if let child = children[element] {
                out[element.serialized] = .object(child.contents(includeSelf: members.contains(element)))
            } else {
                out[element.serialized] = .object([:])
            }
        }
        return out
    }
}

extension FieldPathElement {
    /// The FieldsV1 key: `f:name`, `k:{"name":"nginx"}`, `v:"value"`, `i:0`.
    public var serialized: String {
        switch self {
        case .field(let name): return "f:" + name
        case .key(let fields):
            var object = JSONObject()
            for field in fields { object[field.name] = field.value.sortingKeys }
            return "k:" + JSONSerializer.string(.object(object))
        case .value(let value): return "v:" + JSONSerializer.string(value.sortingKeys)
        case .index(let index): return "i:\(index)"
        }
    }

    /// Parses a FieldsV1 key; nil for element kinds this version does not know.
    init?(serialized key: String) throws(FieldsV1Error) {
        let bytes = Array(key.utf8)
        guard bytes.count >= 2 else { throw FieldsV1Error("key must be 2 characters long: \(key)") }
        guard bytes[1] == UInt8(ascii: ":") else { throw FieldsV1Error("missing colon: \(key)") }
        let body = String(decoding: bytes[2...], as: UTF8.self)
        switch bytes[0] {
        case UInt8(ascii: "f"):
            self = .field(body)
        case UInt8(ascii: "v"):
            self = .setValue(try Self.parse(body, key))
        case UInt8(ascii: "k"):
            guard case .object(let object) = try Self.parse(body, key) else {
                throw FieldsV1Error("parsing key \(key): expected an object")
            }
            self = .keyed(object.map { ($0.key, $0.value) })
        case UInt8(ascii: "i"):
            guard let index = Int(body) else { throw FieldsV1Error("parsing index \(key): invalid syntax") }
            self = .index(index)
        default:
            return nil
        }
    }

    private static func parse(_ text: String, _ key: String) throws(FieldsV1Error) -> JSONValue {
        do {
            return try JSONParser.parse(text)
        } catch {
            throw FieldsV1Error("parsing \(key): \(error)")
        }
    }
}
