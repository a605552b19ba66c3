/// Removes the members of a field set from an object, as upstream's `TypedValue.RemoveItems`: a member path
/// removes the field, map entry or list element with everything below it; a path that is only a prefix is
/// descended into. Atomic values are never descended into.
///
/// Where upstream leaves a `null` behind (a map or list whose entries all went), the field is dropped instead:
/// that is what the typed object upstream decodes it into serializes as.
enum FieldRemoval {
    static func remove(_ fields: FieldSet, from object: JSONValue, type: FieldType) -> JSONValue {
        guard !fields.isEmpty else { return object }
        return remove(fields, object, type) ?? .object([:])
    }

    private static func remove(_ fields: FieldSet, _ value: JSONValue, _ type: FieldType) -> JSONValue? {
        switch type.form(of: value) {
        case .leaf, .list(.atomic), .map(atomic: true):
            // Upstream nulls an atomic value reached this way; only sets written under an older schema
            // (which upstream reconciles first) reach one, so it is kept.
            return value
        case .list(let relation):
            guard case .array(let items) = value, !items.isEmpty else { return nil }
            let element = type.element
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard let pe = try? type.pathElement(of: item, at: i, relation: relation) else {
                    out.append(item)
                    continue
                }
                if fields.members.contains(pe) { continue }
                if let below = fields.children[pe] {
                    if let kept = remove(below, item, element) { out.append(kept) }
                } else {
                    out.append(item)
                }
            }
            if out.isEmpty { return nil }
            return .array(out)
        case .map:
            guard case .object(let object) = value, !object.isEmpty else { return nil }
            var out = JSONObject()
            out.reserveCapacity(object.count)
            for (key, child) in object {
                let pe = FieldPathElement.field(key)
                if fields.members.contains(pe) { continue }
                if let below = fields.children[pe] {
                    out[key] = remove(below, child, type.entry(key))
                } else {
                    out[key] = child
                }
            }
            if out.isEmpty { return nil }
            return .object(out)
        }
    }
}
