/// Finds and removes fields the schema of a kind does not have, as upstream's strict decoding reports them
/// (`spec.template.spec.containers[0].foo`).
public enum FieldValidation {
    /// The dotted paths of every unknown field, in document order.
    public static func unknownFields(in value: JSONValue, kind gvk: GroupVersionKind, registry: SchemaRegistry = .shared) -> [String] {
        guard let definition = registry.definition(for: gvk) else { return [] }
        var found: [String] = []
        var copy = value
        walk(&copy, type: .reference(definition.name), path: "", registry: registry, prune: false, found: &found)
        return found
    }

    /// The value with every unknown field removed.
    public static func pruned(_ value: JSONValue, kind gvk: GroupVersionKind, registry: SchemaRegistry = .shared) -> JSONValue {
        guard let definition = registry.definition(for: gvk) else { return value }
        var found: [String] = []
        var copy = value
        walk(&copy, type: .reference(definition.name), path: "", registry: registry, prune: true, found: &found)
        return copy
    }

    private static func walk(_ value: inout JSONValue, type: SchemaType, path: String, registry: SchemaRegistry, prune: Bool,
                             found: inout [String]) {
        switch type {
        case .reference(let name):
            guard let definition = registry.definition(named: name), !definition.properties.isEmpty,
                  case .object(var object) = value else { return }
            var removed: [String] = []
            for key in object.keys {
                let childPath = path.isEmpty ? key : path + "." + key
                if let property = definition.properties[key] {
                    var child = object[key]!
                    walk(&child, type: property.type, path: childPath, registry: registry, prune: prune, found: &found)
                    if prune { object[key] = child }
                } else {
                    found.append(childPath)
                    removed.append(key)
                }
            }
            if prune {
                for key in removed { object.removeValue(forKey: key) }
                value = .object(object)
            }
        case .array(let item):
            guard case .array(var elements) = value else { return }
            for i in elements.indices {
                walk(&elements[i], type: item.type, path: "\(path)[\(i)]", registry: registry, prune: prune, found: &found)
            }
            if prune { value = .array(elements) }
        case .map(let item):
            guard case .object(var object) = value else { return }
            for key in object.keys {
                var child = object[key]!
                walk(&child, type: item.type, path: path + "." + key, registry: registry, prune: prune, found: &found)
                if prune { object[key] = child }
            }
            if prune { value = .object(object) }
        default:
            return
        }
    }
}
