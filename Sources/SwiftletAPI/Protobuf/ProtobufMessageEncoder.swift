import Foundation

/// Appends protobuf wire primitives to a byte array.
struct ProtobufWriter {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ number: Int, _ wireType: ProtobufWireType) {
        varint(UInt64(number) << 3 | UInt64(wireType.rawValue))
    }

    mutating func varintField(_ number: Int, _ value: UInt64) {
        tag(number, .varint)
        varint(value)
    }

    mutating func bytesField<Bytes: Collection<UInt8>>(_ number: Int, _ value: Bytes) {
        tag(number, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func stringField(_ number: Int, _ value: String) { bytesField(number, Array(value.utf8)) }
}

/// Turns stored JSON back into the protobuf message Go's marshaller writes for the same object: the
/// reverse of `ProtobufMessageDecoder`, for clients that accept only protobuf.
///
/// Fields go out in field-number order, map entries sorted by key, as gogo-protobuf writes them; fields
/// the JSON leaves out are left out (a Go reader takes them as zero, as it would from JSON).
final class ProtobufMessageEncoder {
    let registry: SchemaRegistry
    let table: ProtobufFieldTable
    private(set) var path: [String] = []

    init(registry: SchemaRegistry, table: ProtobufFieldTable) {
        self.registry = registry
        self.table = table
    }

    var fieldPath: String {
        path.reduce(into: "") { result, component in
            result += component.hasPrefix("[") || result.isEmpty ? component : "." + component
        }
    }

    func encodeObject(_ object: JSONObject, definition name: String, depth: Int) throws(KubernetesProtobufError) -> [UInt8] {
        guard depth <= ProtobufMessageDecoder.maxDepth else {
            throw KubernetesProtobufError(.malformed, "objects nested more than \(ProtobufMessageDecoder.maxDepth) deep", field: fieldPath)
        }
        guard let definition = registry.definition(named: name) else {
            throw KubernetesProtobufError(.unknownKind, "no schema for \(name)", field: fieldPath)
        }
        guard let layout = table.layout(for: name) else {
            throw KubernetesProtobufError(.unsupported, "\(name) has no protobuf form", field: fieldPath)
        }
        var writer = ProtobufWriter()
        try encodeFields(object, layout: layout, definition: definition, into: &writer, depth: depth)
        return writer.bytes
    }

    private func encodeFields(
        _ object: JSONObject, layout: ProtobufFieldTable.MessageLayout, definition: SchemaDefinition,
        into writer: inout ProtobufWriter, depth: Int
    ) throws(KubernetesProtobufError) {
        for number in layout.slots.keys.sorted() {
            switch layout.slots[number]! {
            case .inline(let inner):
                var nested = ProtobufWriter()
                try encodeFields(object, layout: inner, definition: definition, into: &nested, depth: depth + 1)
                writer.bytesField(number, nested.bytes)
            case .field(let field):
                guard let value = object[field.name], !value.isNull, let property = definition.properties[field.name] else { continue }
                path.append(field.name)
                try encodeField(field, value, property.type, into: &writer, depth: depth)
                path.removeLast()
            }
        }
    }

    private func encodeField(
        _ field: ProtobufFieldTable.Field, _ value: JSONValue, _ type: SchemaType, into writer: inout ProtobufWriter, depth: Int
    ) throws(KubernetesProtobufError) {
        switch type {
        case .array(let item):
            guard let elements = value.arrayValue else { throw mismatch("a list", value) }
            if field.isWrappedList {
                var wrapper = ProtobufWriter()
                for element in elements where !element.isNull {
                    try encodeValue(element, item.type, number: 1, into: &wrapper, depth: depth)
                }
                writer.bytesField(field.number, wrapper.bytes)
                return
            }
            for (index, element) in elements.enumerated() {
                path.append("[\(index)]")
                if element.isNull {
                    // A null list element is the element type's zero value in Go.
                    writer.bytesField(field.number, [UInt8]())
                } else {
                    try encodeValue(element, item.type, number: field.number, into: &writer, depth: depth)
                }
                path.removeLast()
            }
        case .map(let valueProperty):
            guard let map = value.objectValue else { throw mismatch("an object", value) }
            for key in map.keys.sorted() {
                path.append("[\(key)]")
                var entry = ProtobufWriter()
                entry.stringField(1, key)
                if let element = map[key], !element.isNull {
                    try encodeValue(element, valueProperty.type, number: 2, into: &entry, depth: depth)
                }
                writer.bytesField(field.number, entry.bytes)
                path.removeLast()
            }
        default:
            try encodeValue(value, type, number: field.number, into: &writer, depth: depth)
        }
    }

    private func encodeValue(
        _ value: JSONValue, _ type: SchemaType, number: Int, into writer: inout ProtobufWriter, depth: Int
    ) throws(KubernetesProtobufError) {
        switch type {
        case .string(let format):
            guard let text = value.stringValue else { throw mismatch("a string", value) }
            if format == "byte" {
                guard let data = Data(base64Encoded: text) else {
                    throw KubernetesProtobufError(.malformed, "\"\(text.prefix(20))\" is not base64", field: fieldPath)
                }
                writer.bytesField(number, Array(data))
            } else {
                writer.stringField(number, text)
            }
        case .integer:
            guard let int = value.intValue else { throw mismatch("an integer", value) }
            writer.varintField(number, UInt64(bitPattern: int))
        case .boolean:
            guard let bool = value.boolValue else { throw mismatch("a boolean", value) }
            writer.varintField(number, bool ? 1 : 0)
        case .number:
            let double: Double
            switch value {
            case .double(let d): double = d
            case .int(let i): double = Double(i)
            default: throw mismatch("a number", value)
            }
            writer.tag(number, .fixed64)
            var bits = double.bitPattern
            for _ in 0..<8 {
                writer.bytes.append(UInt8(truncatingIfNeeded: bits))
                bits >>= 8
            }
        case .quantity:
            writer.bytesField(number, try quantityMessage(value))
        case .intOrString:
            writer.bytesField(number, try intOrStringMessage(value))
        case .object, .any:
            writer.bytesField(number, rawMessage(value))
        case .reference(let name):
            switch name {
            case ProtobufMessageDecoder.timeDefinition, ProtobufMessageDecoder.microTimeDefinition:
                writer.bytesField(number, try timeMessage(value))
                return
            case ProtobufMessageDecoder.rawExtensionDefinition, ProtobufMessageDecoder.fieldsV1Definition:
                writer.bytesField(number, rawMessage(value))
                return
            default:
                break
            }
            switch registry.definition(named: name)?.type {
            case .quantity?: writer.bytesField(number, try quantityMessage(value))
            case .intOrString?: writer.bytesField(number, try intOrStringMessage(value))
            default:
                guard let object = value.objectValue else { throw mismatch("an object", value) }
                writer.bytesField(number, try encodeObject(object, definition: name, depth: depth + 1))
            }
        case .array, .map:
            throw KubernetesProtobufError(.unsupported, "lists of lists and maps of lists are not supported", field: fieldPath)
        }
    }

    private func quantityMessage(_ value: JSONValue) throws(KubernetesProtobufError) -> [UInt8] {
        let text: String
        switch value {
        case .string(let s): text = s
        case .int(let i): text = String(i)
        case .double(let d): text = JSONSerializer.formatDouble(d)
        default: throw mismatch("a quantity", value)
        }
        var message = ProtobufWriter()
        message.stringField(1, text)
        return message.bytes
    }

    private func intOrStringMessage(_ value: JSONValue) throws(KubernetesProtobufError) -> [UInt8] {
        var message = ProtobufWriter()
        switch value {
        case .string(let s):
            message.varintField(1, 1)
            message.varintField(2, 0)
            message.stringField(3, s)
        default:
            guard let int = value.intValue, let int32 = Int32(exactly: int) else { throw mismatch("an int32 or a string", value) }
            message.varintField(1, 0)
            message.varintField(2, UInt64(bitPattern: Int64(int32)))
            message.stringField(3, "")
        }
        return message.bytes
    }

    private func timeMessage(_ value: JSONValue) throws(KubernetesProtobufError) -> [UInt8] {
        guard let text = value.stringValue, let stamp = Self.timestamp(text) else {
            throw mismatch("an RFC 3339 time", value)
        }
        var message = ProtobufWriter()
        message.varintField(1, UInt64(bitPattern: stamp.seconds))
        message.varintField(2, UInt64(stamp.nanos))
        return message.bytes
    }

    private func rawMessage(_ value: JSONValue) -> [UInt8] {
        var message = ProtobufWriter()
        message.bytesField(1, JSONSerializer.serialize(value))
        return message.bytes
    }

    /// Whole seconds and nanoseconds of an RFC 3339 time, read from the text so no precision is lost.
    static func timestamp(_ text: String) -> (seconds: Int64, nanos: Int64)? {
        var utf8 = Array(text.utf8)
        var nanos: Int64 = 0
        if utf8.count > 20, utf8[19] == UInt8(ascii: ".") {
            var end = 20
            var scale: Int64 = 100_000_000
            while end < utf8.count, utf8[end] >= UInt8(ascii: "0"), utf8[end] <= UInt8(ascii: "9") {
                nanos += Int64(utf8[end] - UInt8(ascii: "0")) * scale
                scale /= 10
                end += 1
            }
            utf8.removeSubrange(19..<end)
        }
        guard let date = RFC3339.parse(String(decoding: utf8, as: UTF8.self)) else { return nil }
        return (Int64(date.timeIntervalSince1970), nanos)
    }

    private func mismatch(_ expected: String, _ value: JSONValue) -> KubernetesProtobufError {
        KubernetesProtobufError(.malformed, "expected \(expected), got \(value.typeName)", field: fieldPath)
    }
}
