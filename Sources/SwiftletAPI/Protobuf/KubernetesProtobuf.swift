/// Kubernetes' protobuf wire format (`application/vnd.kubernetes.protobuf`), read into the same JSON that
/// upstream's JSON encoding writes for the object, so the API server can store it like any JSON body.
///
/// A body is the magic `k8s\0` followed by a `runtime.Unknown` message: {1 typeMeta {1 apiVersion,
/// 2 kind}, 2 raw, 3 contentEncoding, 4 contentType}, where `raw` is the object's own message. Field names
/// and types come from `SchemaRegistry`, field numbers from the table in `ProtobufFieldNumbers.swift`.
public enum KubernetesProtobuf {
    /// The media type of the encoding.
    public static let contentType = "application/vnd.kubernetes.protobuf"

    /// The four bytes every body starts with: `k8s` and a zero byte.
    public static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    /// Whether `bytes` start with `k8s\0`.
    public static func hasMagicPrefix<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Bool {
        bytes.starts(with: magic)
    }

    /// Decodes a body into a JSON object whose `apiVersion` and `kind` come from the envelope.
    ///
    /// Zero values of non-pointer fields, which Go's protobuf marshaller always writes, are left out as
    /// upstream's JSON (`omitempty`) leaves them out; explicit zeros of pointer fields (`replicas: 0`) stay.
    public static func decode(_ bytes: [UInt8], registry: SchemaRegistry = .shared) throws(KubernetesProtobufError) -> JSONValue {
        let decoder = ProtobufMessageDecoder(bytes: bytes, registry: registry, table: .shared)
        do {
            return try decoder.decodeEnvelope(range: 0..<bytes.count, depth: 0)
        } catch {
            var located = error
            if located.field.isEmpty { located.field = decoder.fieldPath }
            throw located
        }
    }

    /// Decodes a bare message (the `raw` of an envelope) of the kind `gvk`.
    public static func decodeMessage(
        _ bytes: [UInt8], as gvk: GroupVersionKind, registry: SchemaRegistry = .shared
    ) throws(KubernetesProtobufError) -> JSONValue {
        guard let definition = registry.definition(for: gvk) else {
            throw KubernetesProtobufError(.unknownKind, "no kind \(gvk.kind) in \(gvk.apiVersion) is served")
        }
        let decoder = ProtobufMessageDecoder(bytes: bytes, registry: registry, table: .shared)
        do {
            var object: JSONObject = ["apiVersion": .string(gvk.apiVersion), "kind": .string(gvk.kind)]
            for (field, value) in try decoder.decodeObject(definition: definition.name, range: 0..<bytes.count, depth: 0) {
                object[field] = value
            }
            return .object(object)
        } catch {
            var located = error
            if located.field.isEmpty { located.field = decoder.fieldPath }
            throw located
        }
    }

    /// Encodes a JSON object of the kind `gvk` as a body, for clients that accept only protobuf: the reverse
    /// of `decode`. Fields missing from the JSON are left out, which a Go reader takes as their zero values.
    public static func encode(
        _ value: JSONValue, gvk: GroupVersionKind, registry: SchemaRegistry = .shared
    ) throws(KubernetesProtobufError) -> [UInt8] {
        guard let object = value.objectValue else {
            throw KubernetesProtobufError(.malformed, "expected an object, got \(value.typeName)")
        }
        guard let definition = registry.definition(for: gvk) else {
            throw KubernetesProtobufError(.unknownKind, "no kind \(gvk.kind) in \(gvk.apiVersion) is served")
        }
        let encoder = ProtobufMessageEncoder(registry: registry, table: .shared)
        let raw = try encoder.encodeObject(object, definition: definition.name, depth: 0)
        var typeMeta = ProtobufWriter()
        typeMeta.stringField(1, gvk.apiVersion)
        typeMeta.stringField(2, gvk.kind)
        var envelope = ProtobufWriter(bytes: magic)
        envelope.bytesField(1, typeMeta.bytes)
        envelope.bytesField(2, raw)
        envelope.stringField(3, "")
        envelope.stringField(4, "")
        return envelope.bytes
    }

    /// `apps/v1` + `Deployment` → group `apps`, version `v1`; `v1` is the core group.
    static func groupVersionKind(apiVersion: String, kind: String) -> GroupVersionKind {
        guard let slash = apiVersion.lastIndex(of: "/") else {
            return GroupVersionKind(group: "", version: apiVersion, kind: kind)
        }
        return GroupVersionKind(
            group: String(apiVersion[..<slash]), version: String(apiVersion[apiVersion.index(after: slash)...]), kind: kind)
    }
}
