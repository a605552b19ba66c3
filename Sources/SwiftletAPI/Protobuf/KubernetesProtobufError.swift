/// A body in Kubernetes' protobuf encoding that could not be read or written.
public struct KubernetesProtobufError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is, for choosing the HTTP status.
    public enum Reason: Sendable, Hashable {
        /// The bytes are not a valid message: bad magic, truncated, wrong wire type, nested too deeply …
        case malformed
        /// The envelope names a kind this server has no schema for.
        case unknownKind
        /// Valid, but uses something Swiftlet does not implement (a content encoding, protobuf groups …).
        case unsupported
    }

    public var reason: Reason
    /// The JSON path of the field being read when the problem was found (`spec.template.spec.containers`),
    /// empty for problems in the envelope.
    public var field: String
    public var message: String

    public init(_ reason: Reason, _ message: String, field: String = "") {
        self.reason = reason
        self.message = message
        self.field = field
    }

    public var description: String {
        field.isEmpty ? "protobuf: \(message)" : "protobuf: \(field): \(message)"
    }
}
