import SwiftletAPI

/// Strategic merge patch driven by the schema of the kind.
enum StrategicPatching {
    static func apply(_ patch: JSONValue, to object: JSONValue, gvk: GroupVersionKind) throws -> JSONValue {
        // Until the schema-driven engine lands, lists are replaced as a JSON merge patch would.
        try JSONMergePatch.apply(patch, to: object)
    }
}
