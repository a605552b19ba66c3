/// Finds the schema of a named definition (`io.k8s.api.core.v1.PodSpec`), for schema-driven patching.
public protocol SchemaLookup: Sendable {
    func definition(named name: String) -> SchemaDefinition?
}

/// A table of definitions by name is the simplest lookup.
extension Dictionary: SchemaLookup where Key == String, Value == SchemaDefinition {
    public func definition(named name: String) -> SchemaDefinition? {
        self[name]
    }
}
