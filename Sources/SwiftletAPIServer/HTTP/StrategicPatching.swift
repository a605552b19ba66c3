import SwiftletAPI

extension SchemaRegistry: SchemaLookup {}

/// Strategic merge patch driven by the schema of the kind (merge keys, strategies, directives).
enum StrategicPatching {
    static func apply(_ patch: JSONValue, to object: JSONValue, gvk: GroupVersionKind) throws -> JSONValue {
        guard let definition = SchemaRegistry.shared.definition(for: gvk) else {
            throw APIError(.unsupportedMediaType, "strategic merge patch format is not supported")
        }
        return try StrategicMergePatch(definitionName: definition.name, schemas: SchemaRegistry.shared).apply(patch, to: object)
    }
}
