import SwiftletAPI

/// What differs between kinds on the write path: defaults, validation, which parts a write may touch, selectable fields.
///
/// Implementations are value types registered once per resource; the generic storage calls them in
/// upstream's order: prepare → default → validate (→ admission) → store.
public protocol ResourceStrategy: Sendable {
    /// Whether a spec change bumps `metadata.generation` (workloads do; pods, config maps do not).
    var tracksGeneration: Bool { get }
    /// Whether the main resource ignores `status` writes (served through `/status` instead).
    var hasStatusSubresource: Bool { get }
    /// Whether DELETE answers with the deleted object rather than a `Status` (pods, namespaces).
    var returnsDeletedObject: Bool { get }
    /// Field selector names this kind supports besides `metadata.name` and `metadata.namespace`.
    var selectableFields: [String] { get }

    /// Clears what a client may not set on create (status for most kinds) and sets initial state.
    func prepareForCreate(_ object: inout JSONValue)
    /// Keeps what a main-resource update may not change (status), given the stored object.
    func prepareForUpdate(_ object: inout JSONValue, old: JSONValue)
    /// Keeps what a status update may not change (everything but status and some metadata).
    func prepareForStatusUpdate(_ object: inout JSONValue, old: JSONValue)
    /// Fills upstream's defaults.
    func applyDefaults(_ object: inout JSONValue)
    /// Every problem with a new object (metadata is checked by the caller).
    func validate(_ object: JSONValue) -> [FieldError]
    /// Every problem with an update, including fields that may not change.
    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError]
    /// The values of the selectable fields of an object.
    func fields(of object: JSONValue) -> [String: String]
}

extension ResourceStrategy {
    public var tracksGeneration: Bool { false }
    public var hasStatusSubresource: Bool { false }
    public var returnsDeletedObject: Bool { false }
    public var selectableFields: [String] { [] }

    public func prepareForCreate(_ object: inout JSONValue) {
        if hasStatusSubresource { object["status"] = nil }
    }

    public func prepareForUpdate(_ object: inout JSONValue, old: JSONValue) {
        if hasStatusSubresource { object["status"] = old["status"] }
    }

    public func prepareForStatusUpdate(_ object: inout JSONValue, old: JSONValue) {
        var updated = old
        updated["status"] = object["status"]
        // Status writers may still change labels, annotations and finalizers? Upstream resets all metadata
        // changes except these on most kinds.
        object = updated
    }

    public func applyDefaults(_ object: inout JSONValue) {}
    public func validate(_ object: JSONValue) -> [FieldError] { [] }
    public func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] { validate(object) }

    public func fields(of object: JSONValue) -> [String: String] {
        var fields: [String: String] = [
            "metadata.name": object["metadata"]?["name"]?.stringValue ?? "",
            "metadata.namespace": object["metadata"]?["namespace"]?.stringValue ?? "",
        ]
        for path in selectableFields {
            let parts = path.split(separator: ".").map(String.init)
            fields[path] = object[path: parts].map(Self.fieldString) ?? ""
        }
        return fields
    }

    static func fieldString(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        default: return ""
        }
    }
}

/// The strategy for kinds with nothing special.
public struct DefaultStrategy: ResourceStrategy {
    public var tracksGeneration: Bool
    public var hasStatusSubresource: Bool
    public var selectableFields: [String]
    public init(tracksGeneration: Bool = false, hasStatusSubresource: Bool = false, selectable: [String] = []) {
        self.tracksGeneration = tracksGeneration
        self.hasStatusSubresource = hasStatusSubresource
        self.selectableFields = selectable
    }
}
