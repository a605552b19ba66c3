import Collections

/// A schema document that `SchemaRegistry` could not read.
public struct SchemaRegistryError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The upstream schemas of the served API types, by definition name and by group-version-kind.
///
/// `shared` holds the definitions generated into `APIDefinitions.json` by hack/generate-api-types.py;
/// it is parsed on first use and never changes afterwards.
public final class SchemaRegistry: Sendable {
    /// The registry of the generated types.
    public static let shared: SchemaRegistry = {
        do {
            return try SchemaRegistry(json: APIDefinitions.json)
        } catch {
            // The document is generated and covered by tests; failing here means the generator is broken.
            fatalError("APIDefinitions.json is not a valid schema document: \(error)")
        }
    }()

    /// The Kubernetes minor version the definitions come from, such as `v1.32`.
    public let kubernetesVersion: String
    private let definitions: [String: SchemaDefinition]
    private let definitionNamesByGVK: [GroupVersionKind: String]
    private let swiftNames: [String: String]
    private let sortedNames: [String]

    /// Reads a document in the format hack/generate-api-types.py writes into `APIDefinitions.json`.
    public init(json: String) throws(SchemaRegistryError) {
        let document: JSONValue
        do {
            document = try JSONParser.parse(json)
        } catch {
            throw SchemaRegistryError("schema document: \(error)")
        }
        guard let entries = document["definitions"]?.objectValue else {
            throw SchemaRegistryError("schema document has no definitions object")
        }
        var commonDescriptions: [String: String] = [:]
        for (field, text) in document["commonFieldDescriptions"]?.objectValue ?? [:] {
            commonDescriptions[field] = text.stringValue
        }

        var definitions: [String: SchemaDefinition] = [:]
        var swiftNames: [String: String] = [:]
        for (name, entry) in entries {
            definitions[name] = try Self.parseDefinition(name: name, entry, commonDescriptions: commonDescriptions)
            if let swiftName = entry["swiftName"]?.stringValue {
                swiftNames[name] = swiftName
            }
        }
        let sortedNames = definitions.keys.sorted()
        var byGVK: [GroupVersionKind: String] = [:]
        for name in sortedNames {
            for gvk in definitions[name]!.groupVersionKinds where byGVK[gvk] == nil {
                byGVK[gvk] = name
            }
        }
        self.kubernetesVersion = document["kubernetesVersion"]?.stringValue ?? ""
        self.definitions = definitions
        self.definitionNamesByGVK = byGVK
        self.swiftNames = swiftNames
        self.sortedNames = sortedNames
    }

    /// Every definition, sorted by name.
    public var allDefinitions: [SchemaDefinition] { sortedNames.map { definitions[$0]! } }

    /// Every definition name, sorted.
    public var definitionNames: [String] { sortedNames }

    /// The definition with the given full upstream name, such as `io.k8s.api.core.v1.PodSpec`.
    public func definition(named name: String) -> SchemaDefinition? { definitions[name] }

    /// The definition whose `x-kubernetes-group-version-kind` lists `gvk`.
    public func definition(for gvk: GroupVersionKind) -> SchemaDefinition? {
        definitionNamesByGVK[gvk].flatMap { definitions[$0] }
    }

    /// The definition of a generated type, such as `Deployment.self`.
    public func definition<T: KubernetesKind>(for type: T.Type) -> SchemaDefinition? {
        definition(for: T.groupVersionKind)
    }

    /// The name of the Swift type generated for (or standing for) a definition, such as `Pod` or `Quantity`.
    public func swiftTypeName(ofDefinition name: String) -> String? { swiftNames[name] }

    /// The field at `path` below a definition: `["spec", "template", "spec", "containers"]` on
    /// `io.k8s.api.apps.v1.Deployment` is `PodSpec.containers`.
    ///
    /// References are followed and arrays are walked through without an index (`containers`, `image`
    /// reaches `Container.image`); below a map the next component is a key (`labels`, `app`).
    public func property(of definition: String, path: [String]) -> SchemaProperty? {
        guard let first = path.first, let property = definitions[definition]?.properties[first] else { return nil }
        return walk(property, path.dropFirst())
    }

    private func walk(_ property: SchemaProperty, _ rest: ArraySlice<String>) -> SchemaProperty? {
        guard let key = rest.first else { return property }
        switch property.type {
        case .array(let item):
            return walk(item, rest)
        case .map(let value):
            return walk(value, rest.dropFirst())
        case .reference(let name):
            guard let next = definitions[name]?.properties[key] else { return nil }
            return walk(next, rest.dropFirst())
        default:
            return nil
        }
    }

    /// The type of a field with references to named non-object types resolved: a reference to
    /// `Quantity` is `.quantity`, to `Time` `.string(format: "date-time")`, to `RawExtension` `.object`.
    /// References to object types stay references.
    public func resolvedType(of property: SchemaProperty) -> SchemaType {
        guard case .reference(let name) = property.type, let definition = definitions[name] else { return property.type }
        if case .object = definition.type, !definition.properties.isEmpty { return property.type }
        return definition.type
    }

    // MARK: - Parsing

    private static func parseDefinition(
        name: String, _ entry: JSONValue, commonDescriptions: [String: String]
    ) throws(SchemaRegistryError) -> SchemaDefinition {
        // The common descriptions (apiVersion, kind, metadata, spec, status, items) are worded for kinds;
        // the same field names mean other things elsewhere (a condition's status, a volume's items).
        let isKind = !(entry["gvk"]?.arrayValue?.isEmpty ?? true)
        var properties = OrderedDictionary<String, SchemaProperty>()
        for (field, value) in entry["properties"]?.objectValue ?? [:] {
            var property = try parseProperty(value, at: "\(name).\(field)")
            if property.description == nil, isKind {
                property.description = commonDescriptions[field]
            }
            properties[field] = property
        }
        let type: SchemaType
        switch entry["type"]?.stringValue {
        case "object": type = .object
        case "quantity": type = .quantity
        case "int-or-string": type = .intOrString
        case "any": type = .any
        default: type = try parseType(entry, at: name)
        }
        var gvks: [GroupVersionKind] = []
        for triple in entry["gvk"]?.arrayValue ?? [] {
            guard let parts = triple.arrayValue?.compactMap(\.stringValue), parts.count == 3 else {
                throw SchemaRegistryError("\(name): malformed group-version-kind \(triple)")
            }
            gvks.append(GroupVersionKind(group: parts[0], version: parts[1], kind: parts[2]))
        }
        return SchemaDefinition(
            name: name,
            type: type,
            properties: properties,
            required: entry["required"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            groupVersionKinds: gvks,
            mapType: entry["mapType"]?.stringValue,
            description: entry["description"]?.stringValue
        )
    }

    private static func parseProperty(_ value: JSONValue, at location: String) throws(SchemaRegistryError) -> SchemaProperty {
        SchemaProperty(
            type: try parseType(value, at: location),
            nullable: value["nullable"]?.boolValue ?? false,
            enumValues: value["enum"]?.arrayValue?.compactMap(\.stringValue),
            patchStrategy: value["patchStrategy"]?.stringValue,
            patchMergeKey: value["patchMergeKey"]?.stringValue,
            listType: value["listType"]?.stringValue,
            listMapKeys: value["listMapKeys"]?.arrayValue?.compactMap(\.stringValue),
            mapType: value["mapType"]?.stringValue,
            description: value["description"]?.stringValue
        )
    }

    private static func parseType(_ value: JSONValue, at location: String) throws(SchemaRegistryError) -> SchemaType {
        if let ref = value["ref"]?.stringValue {
            return .reference(ref)
        }
        let format = value["format"]?.stringValue
        switch value["type"]?.stringValue {
        case "string": return .string(format: format)
        case "integer": return .integer(format: format)
        case "number": return .number(format: format)
        case "boolean": return .boolean
        case "object": return .object
        case "any": return .any
        case "quantity": return .quantity
        case "int-or-string": return .intOrString
        case "array":
            guard let items = value["items"] else { throw SchemaRegistryError("\(location): array without items") }
            return .array(try parseProperty(items, at: "\(location)[]"))
        case "map":
            guard let values = value["values"] else { throw SchemaRegistryError("\(location): map without values") }
            return .map(try parseProperty(values, at: "\(location){}"))
        case let other:
            throw SchemaRegistryError("\(location): unknown type \(other ?? "(none)")")
        }
    }
}
