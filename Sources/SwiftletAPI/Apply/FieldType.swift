/// How server-side apply sees a list: upstream's element relationship after kube-openapi's conversion.
enum ListRelation: Sendable, Hashable {
    /// Replaced as a whole, owned as one leaf.
    case atomic
    /// A set of scalars, elements named `v:<value>`.
    case set
    /// A map list, elements named `k:{<keys>}`.
    case map(keys: [String])
}

/// The type of one value as structured-merge-diff's schema atom sees it, resolved lazily from the
/// `SchemaRegistry` definitions with kube-openapi's rules (`schemaconv`):
///
/// - a list's relationship comes from `x-kubernetes-list-type`; without one, a `merge` patch strategy makes it a
///   map list keyed by the patch merge key (a set when there is none); anything else is atomic;
/// - structs and maps are granular unless `x-kubernetes-map-type: atomic` is on the field or the type;
/// - `RawExtension` is atomic and untyped; other undescribed objects are "deduced" from their values.
struct FieldType: Sendable {
    enum Shape: Sendable {
        case scalar
        case list(ListRelation, element: SchemaProperty)
        case structure(SchemaDefinition)
        case map(values: SchemaProperty)
        /// Untyped: objects are granular maps of deduced values, lists atomic.
        case deduced
        /// Untyped and atomic throughout (`RawExtension`).
        case untypedAtomic
    }

    var shape: Shape
    var atomic: Bool
    let lookup: any SchemaLookup

    /// The type of a kind's objects, deduced when the kind is unknown.
    init(kind: GroupVersionKind, registry: SchemaRegistry = .shared) {
        lookup = RegistryLookup(registry: registry)
        atomic = false
        if let definition = registry.definition(for: kind) {
            shape = .structure(definition)
            atomic = definition.mapType == "atomic"
        } else {
            shape = .deduced
        }
    }

    init(shape: Shape, atomic: Bool = false, lookup: any SchemaLookup) {
        self.shape = shape
        self.atomic = atomic
        self.lookup = lookup
    }

    init(property: SchemaProperty, lookup: any SchemaLookup) {
        self.lookup = lookup
        atomic = property.mapType == "atomic"
        switch property.type {
        case .string, .integer, .number, .boolean, .intOrString, .quantity:
            shape = .scalar
        case .any, .object:
            shape = .deduced
        case .map(let values):
            shape = .map(values: values)
        case .array(let element):
            shape = .list(Self.relation(of: property), element: element)
        case .reference(let name):
            guard let definition = lookup.definition(named: name) else {
                shape = .deduced
                return
            }
            switch definition.type {
            case .object where !definition.properties.isEmpty:
                shape = .structure(definition)
                atomic = atomic || definition.mapType == "atomic"
            case .object, .any:
                shape = name == "io.k8s.apimachinery.pkg.runtime.RawExtension" ? .untypedAtomic : .deduced
            case .map(let values):
                shape = .map(values: values)
                atomic = atomic || definition.mapType == "atomic"
            case .array(let element):
                shape = .list(Self.relation(of: SchemaProperty(type: definition.type)), element: element)
            default:
                shape = .scalar
            }
        }
    }

    private static func relation(of property: SchemaProperty) -> ListRelation {
        switch property.listType {
        case "atomic": return .atomic
        case "set": return .set
        case "map": return .map(keys: property.listMapKeys ?? [])
        case .some: return .atomic
        case nil:
            guard property.patchStrategy == "merge" || property.patchStrategy == "merge,retainKeys" else { return .atomic }
            return property.patchMergeKey.map { .map(keys: [$0]) } ?? .set
        }
    }

    /// A declared struct field's type; nil for maps, untyped objects and undeclared fields.
    func declaredField(_ name: String) -> FieldType? {
        guard case .structure(let definition) = shape, let property = definition.properties[name] else { return nil }
        return FieldType(property: property, lookup: lookup)
    }

    /// The type of a map entry or struct field; undeclared struct fields are deduced.
    func entry(_ name: String) -> FieldType {
        switch shape {
        case .structure: return declaredField(name) ?? FieldType(shape: .deduced, lookup: lookup)
        case .map(let values): return FieldType(property: values, lookup: lookup)
        case .untypedAtomic: return FieldType(shape: .untypedAtomic, lookup: lookup)
        default: return FieldType(shape: .deduced, lookup: lookup)
        }
    }

    /// The type of a list's elements.
    var element: FieldType {
        switch shape {
        case .list(_, let element): return FieldType(property: element, lookup: lookup)
        default: return FieldType(shape: .untypedAtomic, lookup: lookup)
        }
    }

    /// Whether `name` is a declared struct field (upstream's `Map.FindField`).
    func declares(_ name: String) -> Bool {
        if case .structure(let definition) = shape { return definition.properties[name] != nil }
        return false
    }

    /// What a value of this type is, upstream's `deduceAtom`: `nil` values (absent) take the declared form.
    enum Form {
        case leaf
        case list(ListRelation)
        case map(atomic: Bool)
    }

    func form(of value: JSONValue?) -> Form {
        switch shape {
        case .scalar:
            return .leaf
        case .list(let relation, _):
            switch value {
            case nil, .null?, .array?: return .list(relation)
            default: return .leaf
            }
        case .structure, .map:
            switch value {
            case nil, .null?, .object?: return .map(atomic: atomic)
            default: return .leaf
            }
        case .deduced, .untypedAtomic:
            let isAtomic: Bool
            if case .untypedAtomic = shape { isAtomic = true } else { isAtomic = false }
            switch value {
            case .object?: return .map(atomic: isAtomic)
            case .array?: return .list(.atomic)
            default: return .leaf
            }
        }
    }

    /// Defaults for missing map-list key fields, as the upstream OpenAPI declares them (`protocol: TCP`).
    func defaultKeyValue(_ key: String) -> JSONValue? {
        guard key == "protocol", case .list(_, let element) = shape, case .reference(let name) = element.type else { return nil }
        guard Self.protocolDefaulted.contains(name) else { return nil }
        return .string("TCP")
    }

    private static let protocolDefaulted: Set<String> = ["io.k8s.api.core.v1.ContainerPort", "io.k8s.api.core.v1.ServicePort"]
}

/// `SchemaRegistry` as a `SchemaLookup` (the API server declares that conformance itself, so it is wrapped here).
private struct RegistryLookup: SchemaLookup {
    let registry: SchemaRegistry
    func definition(named name: String) -> SchemaDefinition? { registry.definition(named: name) }
}
