import Foundation

/// Turns one protobuf message into the JSON that upstream's JSON encoding writes for the same Go object,
/// led by the schema registry (field names and types) and the field table (field numbers, pointer-ness).
///
/// One instance decodes one body; it keeps the path of the field being read for error messages.
final class ProtobufMessageDecoder {
    /// Deeper than any served type nests; guards against nested RawExtension envelopes and hostile input.
    static let maxDepth = 100

    static let timeDefinition = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
    static let microTimeDefinition = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"
    static let rawExtensionDefinition = "io.k8s.apimachinery.pkg.runtime.RawExtension"
    static let fieldsV1Definition = "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1"

    // Earliest and latest seconds Go's Time accepts on the wire (years 1 through 9999).
    private static let secondsRange: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

    let registry: SchemaRegistry
    let table: ProtobufFieldTable
    private let bytes: [UInt8]
    private(set) var path: [String] = []

    init(bytes: [UInt8], registry: SchemaRegistry, table: ProtobufFieldTable) {
        self.bytes = bytes
        self.registry = registry
        self.table = table
    }

    /// The path of the field being read, as `spec.containers[0].ports`, for error messages.
    var fieldPath: String {
        path.reduce(into: "") { result, component in
            result += component.hasPrefix("[") || result.isEmpty ? component : "." + component
        }
    }

    // MARK: - Messages

    /// Decodes the message in `range` as the definition `name`.
    func decodeObject(definition name: String, range: Range<Int>, depth: Int) throws(KubernetesProtobufError) -> JSONObject {
        guard depth <= Self.maxDepth else {
            throw KubernetesProtobufError(.malformed, "messages nested more than \(Self.maxDepth) deep")
        }
        guard let definition = registry.definition(named: name) else {
            throw KubernetesProtobufError(.unknownKind, "no schema for \(name)")
        }
        let layout = table.layout(for: name) ?? ProtobufFieldTable.MessageLayout()
        var values: [String: JSONValue] = [:]
        try decodeFields(layout, range: range, definition: definition, into: &values, depth: depth)

        var object = JSONObject()
        for (field, property) in definition.properties {
            guard let value = values[field] else { continue }
            let keepsZero = layout.locations[field]?.field.keepsZero ?? false
            if !keepsZero, !definition.required.contains(field), isOmittedWhenZero(value, registry.resolvedType(of: property)) {
                continue
            }
            object[field] = value
        }
        return object
    }

    private func decodeFields(
        _ layout: ProtobufFieldTable.MessageLayout, range: Range<Int>, definition: SchemaDefinition,
        into values: inout [String: JSONValue], depth: Int
    ) throws(KubernetesProtobufError) {
        var reader = ProtobufReader(bytes, range: range)
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            switch layout.slots[number] {
            case .inline(let inner):
                let inlined = try readLengthDelimited(&reader, wireType, field: "embedded message \(number)")
                guard depth + 1 <= Self.maxDepth else {
                    throw KubernetesProtobufError(.malformed, "messages nested more than \(Self.maxDepth) deep")
                }
                try decodeFields(inner, range: inlined, definition: definition, into: &values, depth: depth + 1)
            case .field(let field):
                guard let property = definition.properties[field.name] else {
                    try reader.skipField(wireType)
                    continue
                }
                path.append(field.name)
                try decodeField(field, property, wireType, &reader, into: &values, depth: depth)
                path.removeLast()
            case nil:
                // A field this version does not know: upstream skips it too.
                try reader.skipField(wireType)
            }
        }
    }

    private func decodeField(
        _ field: ProtobufFieldTable.Field, _ property: SchemaProperty, _ wireType: ProtobufWireType,
        _ reader: inout ProtobufReader, into values: inout [String: JSONValue], depth: Int
    ) throws(KubernetesProtobufError) {
        switch property.type {
        case .array(let item):
            var elements = values[field.name]?.arrayValue ?? []
            if field.isWrappedList {
                let wrapper = try readLengthDelimited(&reader, wireType, field: field.name)
                var inner = ProtobufReader(bytes, range: wrapper)
                while !inner.isAtEnd {
                    let (number, innerWireType) = try inner.readTag()
                    guard number == 1 else {
                        try inner.skipField(innerWireType)
                        continue
                    }
                    if let element = try decodeValue(item.type, innerWireType, &inner, depth: depth) {
                        elements.append(element)
                    }
                }
            } else if wireType == .lengthDelimited, let packed = packedScalar(item.type) {
                let range = try reader.readLengthDelimited()
                var inner = ProtobufReader(bytes, range: range)
                while !inner.isAtEnd {
                    if let element = try decodeValue(item.type, packed, &inner, depth: depth) {
                        elements.append(element)
                    }
                }
            } else {
                path.append("[\(elements.count)]")
                let element = try decodeValue(item.type, wireType, &reader, depth: depth)
                path.removeLast()
                elements.append(element ?? .null)
            }
            values[field.name] = .array(elements)
        case .map(let valueProperty):
            var map = values[field.name]?.objectValue ?? [:]
            let entry = try readLengthDelimited(&reader, wireType, field: field.name)
            var inner = ProtobufReader(bytes, range: entry)
            var key = ""
            var value: JSONValue?
            while !inner.isAtEnd {
                let (number, entryWireType) = try inner.readTag()
                switch number {
                case 1:
                    let range = try readLengthDelimited(&inner, entryWireType, field: "map key")
                    key = String(decoding: bytes[range], as: UTF8.self)
                case 2:
                    path.append("[\(key)]")
                    value = try decodeValue(valueProperty.type, entryWireType, &inner, depth: depth)
                    path.removeLast()
                default:
                    try inner.skipField(entryWireType)
                }
            }
            if value == nil {
                // An entry without a value holds the value type's zero value.
                value = try decodeValue(valueProperty.type, nil, &inner, depth: depth)
            }
            map[key] = value ?? .null
            values[field.name] = .object(map)
        default:
            let value = try decodeValue(property.type, wireType, &reader, depth: depth)
            if case .object(let new)? = value, case .object(let old)? = values[field.name] {
                // A message field that occurs twice is merged, as protobuf specifies.
                values[field.name] = .object(merge(old, new))
            } else {
                values[field.name] = value
            }
        }
    }

    /// Decodes one value of `type`; nil for values upstream's JSON omits (a zero Time, an empty RawExtension).
    /// A nil `wireType` asks for the type's zero value (a map entry without its value).
    private func decodeValue(
        _ type: SchemaType, _ wireType: ProtobufWireType?, _ reader: inout ProtobufReader, depth: Int
    ) throws(KubernetesProtobufError) -> JSONValue? {
        switch type {
        case .string(let format):
            guard let wireType else { return .string("") }
            let range = try readLengthDelimited(&reader, wireType, field: "string")
            if format == "byte" {
                return .string(Data(bytes[range]).base64EncodedString())
            }
            // Like Go's JSON encoder, invalid UTF-8 becomes U+FFFD.
            return .string(String(decoding: bytes[range], as: UTF8.self))
        case .integer(let format):
            guard let wireType else { return .int(0) }
            try expect(wireType, .varint, "integer")
            let raw = try reader.readVarint()
            // int32 is sent sign-extended to 64 bits; Go keeps the low 32.
            return .int(format == "int32" ? Int64(Int32(truncatingIfNeeded: raw)) : Int64(bitPattern: raw))
        case .boolean:
            guard let wireType else { return .bool(false) }
            try expect(wireType, .varint, "boolean")
            return .bool(try reader.readVarint() != 0)
        case .number:
            switch wireType {
            case nil: return .double(0)
            case .fixed64?: return .double(Double(bitPattern: try reader.readFixed64()))
            case .fixed32?: return .double(Double(Float(bitPattern: try reader.readFixed32())))
            case let other?:
                throw KubernetesProtobufError(.malformed, "number sent with wire type \(other.rawValue)", field: fieldPath)
            }
        case .quantity:
            return try decodeQuantity(try readOptionalMessage(&reader, wireType))
        case .intOrString:
            return try decodeIntOrString(try readOptionalMessage(&reader, wireType))
        case .object, .any:
            return try decodeRaw(try readOptionalMessage(&reader, wireType), depth: depth)
        case .reference(let name):
            let range = try readOptionalMessage(&reader, wireType)
            switch name {
            case Self.timeDefinition: return try decodeTime(range, fractionalDigits: 0)
            case Self.microTimeDefinition: return try decodeTime(range, fractionalDigits: 6)
            case Self.rawExtensionDefinition, Self.fieldsV1Definition: return try decodeRaw(range, depth: depth)
            default: break
            }
            switch registry.definition(named: name)?.type {
            case .quantity?: return try decodeQuantity(range)
            case .intOrString?: return try decodeIntOrString(range)
            default: return .object(try decodeObject(definition: name, range: range, depth: depth + 1))
            }
        case .array, .map:
            throw KubernetesProtobufError(.unsupported, "lists of lists and maps of lists are not supported", field: fieldPath)
        }
    }

    // MARK: - Types with their own JSON shape

    /// resource.Quantity: {1 string} → `"500m"`.
    private func decodeQuantity(_ range: Range<Int>) throws(KubernetesProtobufError) -> JSONValue {
        var reader = ProtobufReader(bytes, range: range)
        var text = ""
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            if number == 1 {
                text = String(decoding: bytes[try readLengthDelimited(&reader, wireType, field: "quantity")], as: UTF8.self)
            } else {
                try reader.skipField(wireType)
            }
        }
        return .string(text.isEmpty ? "0" : text)
    }

    /// intstr.IntOrString: {1 type, 2 intVal, 3 strVal} → `8080` or `"http"`.
    private func decodeIntOrString(_ range: Range<Int>) throws(KubernetesProtobufError) -> JSONValue {
        var reader = ProtobufReader(bytes, range: range)
        var kind: UInt64 = 0
        var intValue: Int64 = 0
        var stringValue = ""
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            switch number {
            case 1:
                try expect(wireType, .varint, "IntOrString type")
                kind = try reader.readVarint()
            case 2:
                try expect(wireType, .varint, "IntOrString intVal")
                intValue = Int64(Int32(truncatingIfNeeded: try reader.readVarint()))
            case 3:
                stringValue = String(decoding: bytes[try readLengthDelimited(&reader, wireType, field: "IntOrString strVal")], as: UTF8.self)
            default:
                try reader.skipField(wireType)
            }
        }
        switch kind {
        case 0: return .int(intValue)
        case 1: return .string(stringValue)
        default: throw KubernetesProtobufError(.malformed, "IntOrString has type \(kind), neither 0 (int) nor 1 (string)", field: fieldPath)
        }
    }

    /// meta/v1 Time and MicroTime: {1 seconds, 2 nanos} → RFC 3339; nil for the zero time, which upstream
    /// JSON writes as null.
    private func decodeTime(_ range: Range<Int>, fractionalDigits: Int) throws(KubernetesProtobufError) -> JSONValue? {
        var reader = ProtobufReader(bytes, range: range)
        var seconds: Int64 = 0
        var nanos: Int64 = 0
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            switch number {
            case 1:
                try expect(wireType, .varint, "seconds")
                seconds = Int64(bitPattern: try reader.readVarint())
            case 2:
                try expect(wireType, .varint, "nanos")
                nanos = Int64(Int32(truncatingIfNeeded: try reader.readVarint()))
            default:
                try reader.skipField(wireType)
            }
        }
        if seconds == 0, nanos == 0 { return nil }
        guard Self.secondsRange.contains(seconds), (0..<1_000_000_000).contains(nanos) else {
            throw KubernetesProtobufError(.malformed, "time \(seconds)s \(nanos)ns is out of range", field: fieldPath)
        }
        let whole = RFC3339.format(Date(timeIntervalSince1970: TimeInterval(seconds)), fractionalDigits: 0)
        guard fractionalDigits > 0 else { return .string(whole) }
        var micros = String(nanos / 1000)
        micros = String(repeating: "0", count: 6 - micros.count) + micros
        return .string(String(whole.dropLast()) + "." + micros + "Z")
    }

    /// runtime.RawExtension and meta/v1 FieldsV1: {1 raw} → the raw bytes as JSON (or, if they are a
    /// protobuf envelope themselves, that object); nil when empty.
    private func decodeRaw(_ range: Range<Int>, depth: Int) throws(KubernetesProtobufError) -> JSONValue? {
        var reader = ProtobufReader(bytes, range: range)
        var raw: Range<Int>?
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            if number == 1 {
                raw = try readLengthDelimited(&reader, wireType, field: "raw")
            } else {
                try reader.skipField(wireType)
            }
        }
        guard let raw, !raw.isEmpty else { return nil }
        if KubernetesProtobuf.hasMagicPrefix(bytes[raw]) {
            return try decodeEnvelope(range: raw, depth: depth + 1)
        }
        do {
            return try JSONParser.parse(bytes[raw])
        } catch {
            throw KubernetesProtobufError(.malformed, "embedded object is neither JSON nor protobuf: \(error)", field: fieldPath)
        }
    }

    // MARK: - Envelope

    /// Decodes `k8s\0` + runtime.Unknown in `range` into a JSON object with apiVersion and kind.
    func decodeEnvelope(range: Range<Int>, depth: Int) throws(KubernetesProtobufError) -> JSONValue {
        guard depth <= Self.maxDepth else {
            throw KubernetesProtobufError(.malformed, "messages nested more than \(Self.maxDepth) deep", field: fieldPath)
        }
        guard range.count >= 4, KubernetesProtobuf.hasMagicPrefix(bytes[range]) else {
            throw KubernetesProtobufError(.malformed, "missing the k8s\\0 prefix of Kubernetes' protobuf encoding", field: fieldPath)
        }
        var reader = ProtobufReader(bytes, range: (range.lowerBound + 4)..<range.upperBound)
        var apiVersion = ""
        var kind = ""
        var raw: Range<Int> = range.upperBound..<range.upperBound
        var contentEncoding = ""
        var contentType = ""
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            switch number {
            case 1:
                var typeMeta = ProtobufReader(bytes, range: try readLengthDelimited(&reader, wireType, field: "typeMeta"))
                while !typeMeta.isAtEnd {
                    let (inner, innerWireType) = try typeMeta.readTag()
                    switch inner {
                    case 1: apiVersion = try readString(&typeMeta, innerWireType, field: "typeMeta.apiVersion")
                    case 2: kind = try readString(&typeMeta, innerWireType, field: "typeMeta.kind")
                    default: try typeMeta.skipField(innerWireType)
                    }
                }
            case 2: raw = try readLengthDelimited(&reader, wireType, field: "raw")
            case 3: contentEncoding = try readString(&reader, wireType, field: "contentEncoding")
            case 4: contentType = try readString(&reader, wireType, field: "contentType")
            default: try reader.skipField(wireType)
            }
        }
        guard contentEncoding.isEmpty else {
            throw KubernetesProtobufError(.unsupported, "content encoding \"\(contentEncoding)\" is not supported", field: fieldPath)
        }
        if contentType.hasPrefix("application/json") {
            do {
                return try JSONParser.parse(bytes[raw])
            } catch {
                throw KubernetesProtobufError(.malformed, "embedded JSON: \(error)", field: fieldPath)
            }
        }
        guard contentType.isEmpty || contentType.hasPrefix(KubernetesProtobuf.contentType) else {
            throw KubernetesProtobufError(.unsupported, "embedded content type \"\(contentType)\" is not supported", field: fieldPath)
        }
        guard !apiVersion.isEmpty, !kind.isEmpty else {
            throw KubernetesProtobufError(.malformed, "the envelope names no apiVersion and kind", field: fieldPath)
        }
        let gvk = KubernetesProtobuf.groupVersionKind(apiVersion: apiVersion, kind: kind)
        guard let definition = registry.definition(for: gvk) else {
            throw KubernetesProtobufError(.unknownKind, "no kind \(kind) in \(apiVersion) is served", field: fieldPath)
        }
        var object: JSONObject = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
        for (field, value) in try decodeObject(definition: definition.name, range: raw, depth: depth) {
            object[field] = value
        }
        return .object(object)
    }

    // MARK: - Helpers

    /// The message's range, or an empty one when asked for a zero value.
    private func readOptionalMessage(
        _ reader: inout ProtobufReader, _ wireType: ProtobufWireType?
    ) throws(KubernetesProtobufError) -> Range<Int> {
        guard let wireType else { return 0..<0 }
        return try readLengthDelimited(&reader, wireType, field: "message")
    }

    private func readLengthDelimited(
        _ reader: inout ProtobufReader, _ wireType: ProtobufWireType, field: String
    ) throws(KubernetesProtobufError) -> Range<Int> {
        try expect(wireType, .lengthDelimited, field)
        return try reader.readLengthDelimited()
    }

    private func readString(
        _ reader: inout ProtobufReader, _ wireType: ProtobufWireType, field: String
    ) throws(KubernetesProtobufError) -> String {
        String(decoding: bytes[try readLengthDelimited(&reader, wireType, field: field)], as: UTF8.self)
    }

    private func expect(
        _ wireType: ProtobufWireType, _ expected: ProtobufWireType, _ what: String
    ) throws(KubernetesProtobufError) {
        guard wireType == expected else {
            throw KubernetesProtobufError(
                .malformed, "\(what) sent with wire type \(wireType.rawValue), expected \(expected.rawValue)", field: fieldPath)
        }
    }

    /// The wire type of a scalar list element that may come packed.
    private func packedScalar(_ type: SchemaType) -> ProtobufWireType? {
        switch type {
        case .integer, .boolean: return .varint
        case .number: return .fixed64
        default: return nil
        }
    }

    /// Whether upstream's JSON encoding (`omitempty`) leaves out this value of a non-pointer field.
    private func isOmittedWhenZero(_ value: JSONValue, _ type: SchemaType) -> Bool {
        switch value {
        case .string(let s): return s.isEmpty || (type == .quantity && s == "0")
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .bool(let b): return !b
        case .array(let a): return a.isEmpty
        case .object(let o):
            if case .map = type { return o.isEmpty }
            return false
        case .null: return true
        }
    }

    private func merge(_ old: JSONObject, _ new: JSONObject) -> JSONObject {
        var result = old
        for (key, value) in new {
            switch (result[key], value) {
            case (.object(let a)?, .object(let b)): result[key] = .object(merge(a, b))
            case (.array(let a)?, .array(let b)): result[key] = .array(a + b)
            default: result[key] = value
            }
        }
        return result
    }
}
