/// Where a strategic merge is in the schema: upstream's `LookupPatchMeta`, resolved from `SchemaDefinition`s.
///
/// Fields the schema does not know resolve to `unknown`, whose maps merge and lists replace: JSON merge
/// semantics. Upstream only gets there when both sides hold the field, which a stored object never does for
/// an unknown one, and then errors ("unable to find api field"); falling back to merging is what a client expects.
struct PatchSchemaNode: Sendable {
    enum Shape: Sendable {
        case object(SchemaDefinition)
        /// A map whose values have this schema (`additionalProperties`).
        case map(SchemaProperty)
        case unknown
    }

    let shape: Shape
    let lookup: any SchemaLookup

    static func unknown(_ lookup: any SchemaLookup) -> PatchSchemaNode {
        PatchSchemaNode(shape: .unknown, lookup: lookup)
    }

    /// The node for a named definition.
    static func definition(named name: String, in lookup: any SchemaLookup) -> PatchSchemaNode {
        PatchSchemaNode(shape: .unknown, lookup: lookup).resolve(.reference(name))
    }

    /// The schema of an object-valued field and its patch metadata (`LookupPatchMetadataForStruct`).
    func structField(_ key: String) -> (PatchSchemaNode, PatchMeta) {
        guard let property = property(key) else { return (.unknown(lookup), PatchMeta()) }
        return (resolve(property.type), PatchMeta(property))
    }

    /// The schema of a list field's elements and its patch metadata (`LookupPatchMetadataForSlice`).
    func listField(_ key: String) -> (PatchSchemaNode, PatchMeta) {
        guard let property = property(key) else { return (.unknown(lookup), PatchMeta()) }
        if case .array(let element) = property.type {
            return (resolve(element.type), PatchMeta(property))
        }
        return (resolve(property.type), PatchMeta(property))
    }

    /// What `PatchMetaFromStruct.Name()` reports in "cannot merge lists without merge key" errors.
    var name: String {
        switch shape {
        case .object: return "struct"
        case .map: return "map"
        case .unknown: return "interface"
        }
    }

    private func property(_ key: String) -> SchemaProperty? {
        switch shape {
        case .object(let definition): return definition.properties[key]
        case .map(let values): return values
        case .unknown: return nil
        }
    }

    private func resolve(_ type: SchemaType) -> PatchSchemaNode {
        switch type {
        case .reference(let name):
            guard let definition = lookup.definition(named: name) else { return .unknown(lookup) }
            switch definition.type {
            case .object: return PatchSchemaNode(shape: .object(definition), lookup: lookup)
            case .map(let values): return PatchSchemaNode(shape: .map(values), lookup: lookup)
            case .reference(let other) where other != name: return resolve(definition.type)
            default: return .unknown(lookup)
            }
        case .map(let values):
            return PatchSchemaNode(shape: .map(values), lookup: lookup)
        case .array(let element):
            return resolve(element.type)
        default:
            return .unknown(lookup)
        }
    }
}

/// A field's `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key`.
struct PatchMeta: Sendable {
    var strategies: [String] = []
    var mergeKey = ""

    init() {}

    init(_ property: SchemaProperty) {
        strategies = property.patchStrategy.map { $0.split(separator: ",").map(String.init) } ?? []
        mergeKey = property.patchMergeKey ?? ""
    }

    /// Upstream's `extractRetainKeysPatchStrategy`: whether `retainKeys` is set, and the other strategy.
    func strategy() throws(PatchError) -> (retainKeys: Bool, strategy: String) {
        switch strategies.count {
        case 0:
            return (false, "")
        case 1:
            return strategies[0] == StrategicMergePatch.retainKeysStrategy ? (true, "") : (false, strategies[0])
        case 2 where strategies[0] == StrategicMergePatch.retainKeysStrategy:
            return (true, strategies[1])
        case 2 where strategies[1] == StrategicMergePatch.retainKeysStrategy:
            return (true, strategies[0])
        default:
            throw PatchError.internalError("unexpected patch strategy: [\(strategies.joined(separator: " "))]")
        }
    }
}
