import Collections

/// Renders schema definitions as OpenAPI 3.0 component schemas, the way kube-apiserver serves them
/// under `/openapi/v3/api/v1` and `/openapi/v3/apis/<group>/<version>` (what `kubectl explain` reads).
///
/// Upstream's conventions kept here: a `$ref` with siblings is wrapped as `allOf: [{$ref}]`, nullability
/// is not written, `IntOrString` is `format: int-or-string` with `oneOf` integer/string, `Quantity` is
/// `oneOf` string/number, and object keys are sorted. Descriptions are Swiftlet's own short ones.
public enum OpenAPIV3Schemas {
    /// The prefix of every schema reference.
    public static let referencePrefix = "#/components/schemas/"

    /// The named definitions and everything they reference, as a `components.schemas` object sorted by name.
    /// Names the registry does not know are skipped.
    public static func componentSchemas(
        for names: some Sequence<String>, registry: SchemaRegistry = .shared
    ) -> JSONValue {
        var schemas = JSONObject()
        for name in closure(of: names, registry: registry) {
            if let definition = registry.definition(named: name) {
                schemas[name] = schema(of: definition, registry: registry)
            }
        }
        return .object(schemas)
    }

    /// The component schemas of one group-version (`""` is the core group): every definition that has a
    /// group-version-kind in it, plus the meta types its REST paths use, plus everything they reference.
    public static func componentSchemas(
        group: String, version: String, registry: SchemaRegistry = .shared
    ) -> JSONValue {
        componentSchemas(for: rootDefinitions(group: group, version: version, registry: registry), registry: registry)
    }

    /// The definitions a group-version document starts from, before references are followed.
    public static func rootDefinitions(group: String, version: String, registry: SchemaRegistry = .shared) -> [String] {
        var roots = registry.allDefinitions
            .filter { definition in definition.groupVersionKinds.contains { $0.group == group && $0.version == version } }
            .map(\.name)
        roots.append(contentsOf: pathDefinitions)
        return roots
    }

    /// Meta types that every group-version's paths name as request or response bodies.
    private static let pathDefinitions = [
        "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList",
        "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
        "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
    ]

    /// A whole group-version document: component schemas plus a `get` operation for the collection and item
    /// path of each resource, carrying `x-kubernetes-group-version-kind` (which `kubectl explain` uses to find
    /// the schema of a resource).
    public static func document(
        group: String, version: String, resources: [APIResourceInfo], registry: SchemaRegistry = .shared
    ) -> JSONValue {
        let prefix = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        let tag = (group.isEmpty ? "core" : group.split(separator: ".").first.map(String.init) ?? group) + "_" + version
        var roots = rootDefinitions(group: group, version: version, registry: registry)
        var paths = JSONObject()
        paths["\(prefix)/"] = [
            "get": operation(
                description: "get available resources", action: nil, gvk: nil,
                response: "io.k8s.apimachinery.pkg.apis.meta.v1.APIResourceList", tag: tag
            )
        ]
        for resource in resources.sorted(by: { $0.plural < $1.plural })
        where resource.group == group && resource.version == version && !resource.plural.contains("/") {
            let gvk = GroupVersionKind(group: group, version: version, kind: resource.kind)
            guard let item = registry.definition(for: gvk) else { continue }
            let list = registry.definition(for: GroupVersionKind(group: group, version: version, kind: resource.listKind))
            roots.append(item.name)
            if let list { roots.append(list.name) }
            let collection = resource.namespaced ? "\(prefix)/namespaces/{namespace}/\(resource.plural)" : "\(prefix)/\(resource.plural)"
            let listOp = operation(
                description: "list or watch objects of kind \(resource.kind)", action: "list", gvk: gvk,
                response: list?.name ?? item.name, tag: tag, parameters: queryParameters(["labelSelector", "fieldSelector", "limit", "continue",
                                                                                          "resourceVersion", "resourceVersionMatch", "watch",
                                                                                          "allowWatchBookmarks", "timeoutSeconds", "sendInitialEvents"]))
            var collectionOps: JSONObject = ["get": listOp]
            let writeParameters = queryParameters(["dryRun", "fieldManager", "fieldValidation"])
            if resource.verbs.contains("create") {
                collectionOps["post"] = operation(description: "create a \(resource.kind)", action: "post", gvk: gvk, response: item.name,
                                                  tag: tag, parameters: writeParameters)
            }
            if resource.verbs.contains("deletecollection") {
                collectionOps["delete"] = operation(description: "delete collection of \(resource.kind)", action: "deletecollection", gvk: gvk,
                                                    response: "io.k8s.apimachinery.pkg.apis.meta.v1.Status", tag: tag,
                                                    parameters: queryParameters(["dryRun", "gracePeriodSeconds", "propagationPolicy", "labelSelector", "fieldSelector"]))
            }
            paths[collection] = .object(collectionOps)
            var itemOps: JSONObject = [
                "get": operation(description: "read the specified \(resource.kind)", action: "get", gvk: gvk, response: item.name, tag: tag,
                                 parameters: [])
            ]
            if resource.verbs.contains("update") {
                itemOps["put"] = operation(description: "replace the specified \(resource.kind)", action: "put", gvk: gvk, response: item.name,
                                           tag: tag, parameters: writeParameters)
            }
            if resource.verbs.contains("patch") {
                itemOps["patch"] = operation(description: "partially update the specified \(resource.kind)", action: "patch", gvk: gvk,
                                             response: item.name, tag: tag, parameters: writeParameters + queryParameters(["force"]))
            }
            if resource.verbs.contains("delete") {
                itemOps["delete"] = operation(description: "delete a \(resource.kind)", action: "delete", gvk: gvk,
                                              response: "io.k8s.apimachinery.pkg.apis.meta.v1.Status", tag: tag,
                                              parameters: queryParameters(["dryRun", "gracePeriodSeconds", "propagationPolicy"]))
            }
            paths["\(collection)/{name}"] = .object(itemOps)
        }
        var components = JSONObject()
        components["schemas"] = componentSchemas(for: roots, registry: registry)
        components["securitySchemes"] = [
            "BearerToken": [
                "description": "Bearer Token authentication", "in": "header", "name": "authorization", "type": "apiKey",
            ]
        ]
        var document = JSONObject()
        document["components"] = .object(components)
        document["info"] = ["title": "Kubernetes", "version": "unversioned"]
        document["openapi"] = "3.0.0"
        document["paths"] = .object(paths)
        return .object(document)
    }

    /// Query parameters of an operation, as upstream lists them (kubectl looks for `fieldValidation` and `dryRun` on PATCH).
    private static func queryParameters(_ names: [String]) -> [JSONValue] {
        names.map { name in
            let type: JSONValue
            switch name {
            case "limit", "timeoutSeconds", "gracePeriodSeconds": type = ["type": "integer", "uniqueItems": true]
            case "watch", "allowWatchBookmarks", "sendInitialEvents", "force": type = ["type": "boolean", "uniqueItems": true]
            default: type = ["type": "string", "uniqueItems": true]
            }
            return ["in": "query", "name": .string(name), "schema": type]
        }
    }

    private static func operation(
        description: String, action: String?, gvk: GroupVersionKind?, response: String, tag: String, parameters: [JSONValue] = []
    ) -> JSONValue {
        var op = JSONObject()
        op["description"] = .string(description)
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        op["responses"] = [
            "200": [
                "content": ["application/json": ["schema": ["$ref": .string(referencePrefix + response)]]],
                "description": "OK",
            ]
        ]
        op["tags"] = [.string(tag)]
        if let action { op["x-kubernetes-action"] = .string(action) }
        if let gvk { op["x-kubernetes-group-version-kind"] = groupVersionKind(gvk) }
        return .object(op)
    }

    /// The names reachable from `names`, sorted.
    public static func closure(of names: some Sequence<String>, registry: SchemaRegistry = .shared) -> [String] {
        var seen = Set<String>()
        var pending = Array(names)
        while let name = pending.popLast() {
            guard seen.insert(name).inserted, let definition = registry.definition(named: name) else { continue }
            for property in definition.properties.values {
                collectReferences(property.type, into: &pending)
            }
        }
        return seen.filter { registry.definition(named: $0) != nil }.sorted()
    }

    private static func collectReferences(_ type: SchemaType, into names: inout [String]) {
        switch type {
        case .reference(let name): names.append(name)
        case .array(let item): collectReferences(item.type, into: &names)
        case .map(let value): collectReferences(value.type, into: &names)
        default: break
        }
    }

    // MARK: - Schemas

    /// One definition as a component schema.
    public static func schema(of definition: SchemaDefinition, registry: SchemaRegistry = .shared) -> JSONValue {
        var out: [String: JSONValue] = [:]
        if let description = definition.description { out["description"] = .string(description) }
        switch definition.type {
        case .quantity:
            out["oneOf"] = [["type": "string"], ["type": "number"]]
        case .intOrString:
            out["format"] = "int-or-string"
            out["oneOf"] = [["type": "integer"], ["type": "string"]]
        case .object:
            out["type"] = "object"
            if !definition.properties.isEmpty {
                let required = Set(definition.required)
                var properties: [String: JSONValue] = [:]
                for (name, property) in definition.properties {
                    properties[name] = propertySchema(
                        property, default: propertyDefault(name: name, property, required: required.contains(name), registry: registry)
                    )
                }
                out["properties"] = sorted(properties)
            }
        case .any:
            break
        default:
            out.merge(baseSchema(definition.type)) { _, new in new }
        }
        if !definition.required.isEmpty {
            out["required"] = .array(definition.required.map(JSONValue.string))
        }
        if !definition.groupVersionKinds.isEmpty {
            out["x-kubernetes-group-version-kind"] = .array(definition.groupVersionKinds.map(groupVersionKind))
        }
        if let mapType = definition.mapType { out["x-kubernetes-map-type"] = .string(mapType) }
        return sorted(out)
    }

    private static func groupVersionKind(_ gvk: GroupVersionKind) -> JSONValue {
        ["group": .string(gvk.group), "kind": .string(gvk.kind), "version": .string(gvk.version)]
    }

    /// A field's schema; `default` is the value upstream writes for it, if any.
    private static func propertySchema(_ property: SchemaProperty, default defaultValue: JSONValue?) -> JSONValue {
        var base = baseSchema(property.type)
        if case .array(let item) = property.type {
            base["items"] = propertySchema(item, default: elementDefault(item))
        } else if case .map(let value) = property.type {
            base["additionalProperties"] = propertySchema(value, default: elementDefault(value))
        }
        var siblings: [String: JSONValue] = [:]
        if let defaultValue { siblings["default"] = defaultValue }
        if let description = property.description { siblings["description"] = .string(description) }
        if let values = property.enumValues { siblings["enum"] = .array(values.map(JSONValue.string)) }
        if let keys = property.listMapKeys { siblings["x-kubernetes-list-map-keys"] = .array(keys.map(JSONValue.string)) }
        if let listType = property.listType { siblings["x-kubernetes-list-type"] = .string(listType) }
        if let mapType = property.mapType { siblings["x-kubernetes-map-type"] = .string(mapType) }
        if let key = property.patchMergeKey { siblings["x-kubernetes-patch-merge-key"] = .string(key) }
        if let strategy = property.patchStrategy { siblings["x-kubernetes-patch-strategy"] = .string(strategy) }
        if let ref = base["$ref"], !siblings.isEmpty {
            // OpenAPI 3.0 ignores the siblings of a $ref, so upstream wraps it.
            base = ["allOf": [["$ref": ref]]]
        }
        base.merge(siblings) { _, new in new }
        return sorted(base)
    }

    private static func baseSchema(_ type: SchemaType) -> [String: JSONValue] {
        func typed(_ name: String, _ format: String?) -> [String: JSONValue] {
            var out: [String: JSONValue] = ["type": .string(name)]
            if let format { out["format"] = .string(format) }
            return out
        }
        switch type {
        case .string(let format): return typed("string", format)
        case .integer(let format): return typed("integer", format)
        case .number(let format): return typed("number", format)
        case .boolean: return ["type": "boolean"]
        case .intOrString: return ["$ref": .string(referencePrefix + "io.k8s.apimachinery.pkg.util.intstr.IntOrString")]
        case .quantity: return ["$ref": .string(referencePrefix + "io.k8s.apimachinery.pkg.api.resource.Quantity")]
        case .reference(let name): return ["$ref": .string(referencePrefix + name)]
        case .array: return ["type": "array"]
        case .map, .object: return ["type": "object"]
        case .any: return [:]
        }
    }

    // MARK: - Defaults

    // Upstream's generator writes the zero value as `default` for fields that Go stores by value rather than
    // behind a pointer. The definitions carry no pointer information, so this follows the usual shape of
    // the API types: list elements and map values are values; required fields are values, except label
    // selectors and int-or-strings; metadata, spec, status and template are always values.

    private static let pointerTypes: Set<String> = [
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
        "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
        "io.k8s.apimachinery.pkg.api.resource.Quantity",
    ]
    private static let valueFields: Set<String> = ["metadata", "spec", "status", "template"]

    private static func propertyDefault(
        name: String, _ property: SchemaProperty, required: Bool, registry: SchemaRegistry
    ) -> JSONValue? {
        if case .reference(let target) = property.type {
            if pointerTypes.contains(target) { return nil }
            guard let definition = registry.definition(named: target) else { return nil }
            let isStruct = definition.type == .object && !definition.properties.isEmpty
            return required || (isStruct && valueFields.contains(name)) ? .object([:]) : nil
        }
        return required ? zeroValue(property.type) : nil
    }

    private static func elementDefault(_ element: SchemaProperty) -> JSONValue? {
        if case .reference(let target) = element.type {
            return target == "io.k8s.apimachinery.pkg.util.intstr.IntOrString" ? nil : .object([:])
        }
        return zeroValue(element.type)
    }

    private static func zeroValue(_ type: SchemaType) -> JSONValue? {
        switch type {
        case .string: return ""
        case .integer: return 0
        case .number: return .double(0)
        case .boolean: return false
        default: return nil
        }
    }

    private static func sorted(_ object: [String: JSONValue]) -> JSONValue {
        var out = JSONObject()
        for key in object.keys.sorted() { out[key] = object[key] }
        return .object(out)
    }
}
