extension FieldSet {
    /// Every field an object sets, as upstream's `TypedValue.ToFieldSet`: scalars, atomic lists and maps as
    /// leaves, map entries (labels …) and list elements as members with their insides, struct fields only
    /// through what they hold. Elements that cannot be named (a map-list element without its key) are skipped.
    public init(of object: JSONValue, kind: GroupVersionKind) {
        self = (try? Self.leaves(of: object, type: FieldType(kind: kind), strict: false)) ?? FieldSet()
    }

    /// The leaves of `value`; `strict` rejects list elements that cannot be named or repeat (apply configs).
    static func leaves(of value: JSONValue, type: FieldType, strict: Bool) throws(TypedValueError) -> FieldSet {
        var path: [FieldPathElement] = []
        return try collect(value, type, strict: strict, path: &path)
    }

    /// The set below one value; the value's own path is added by the caller where upstream inserts it.
    private static func collect(
        _ value: JSONValue, _ type: FieldType, strict: Bool, path: inout [FieldPathElement]
    ) throws(TypedValueError) -> FieldSet {
        var set = FieldSet()
        switch type.form(of: value) {
        case .leaf, .list(.atomic), .map(atomic: true):
            break
        case .list(let relation):
            guard case .array(let items) = value else { return set }
            let indexed: [(FieldPathElement, JSONValue)]
            let duplicates: Set<FieldPathElement>
            do {
                (indexed, duplicates) = try type.indexedItems(items, relation: relation, allowDuplicates: !strict)
            } catch {
                if strict { throw TypedValueError(error.description, at: path) }
                (indexed, duplicates) = lenientItems(items, type: type, relation: relation)
            }
            let element = type.element
            for (pe, item) in indexed {
                set.members.insert(pe)
                // Upstream owns a repeated element as a whole and nothing inside it.
                if duplicates.contains(pe) { continue }
                path.append(pe)
                defer { path.removeLast() }
                let inner = try collect(item, element, strict: strict, path: &path)
                if !inner.isEmpty { set.children[pe, default: FieldSet()].formUnion(inner) }
            }
        case .map:
            guard case .object(let object) = value else { return set }
            for (key, child) in object {
                let pe = FieldPathElement.field(key)
                path.append(pe)
                defer { path.removeLast() }
                let inner = try collect(child, type.entry(key), strict: strict, path: &path)
                if !inner.isEmpty { set.children[pe] = inner }
                if !type.declares(key) || isLeaf(child, type.entry(key)) { set.members.insert(pe) }
            }
        }
        return set
    }

    /// Whether upstream inserts a struct field's own path: scalars, atomic values and (for fields) nothing else.
    private static func isLeaf(_ value: JSONValue, _ type: FieldType) -> Bool {
        switch type.form(of: value) {
        case .leaf, .list(.atomic), .map(atomic: true): return true
        case .list, .map: return false
        }
    }

    /// The elements that can be named, skipping the others, for objects that are stored already.
    private static func lenientItems(
        _ items: [JSONValue], type: FieldType, relation: ListRelation
    ) -> ([(FieldPathElement, JSONValue)], Set<FieldPathElement>) {
        var out: [(FieldPathElement, JSONValue)] = []
        var seen: Set<FieldPathElement> = []
        var duplicates: Set<FieldPathElement> = []
        for (index, item) in items.enumerated() {
            guard let pe = try? type.pathElement(of: item, at: index, relation: relation) else { continue }
            if !seen.insert(pe).inserted { duplicates.insert(pe) }
            out.append((pe, item))
        }
        return (out, duplicates)
    }

    /// Upstream's `EnsureNamedFieldsAreMembers`: every declared struct field on the way to a member becomes a
    /// member too, so that removing it removes the whole field.
    func withNamedFieldsAsMembers(_ type: FieldType?) -> FieldSet {
        var result = FieldSet()
        result.members = members
        for (element, child) in children {
            var childType: FieldType?
            switch (element, type?.shape) {
            case (.field(let name), .structure?), (.field(let name), .map?), (.field(let name), .deduced?), (.field(let name), .untypedAtomic?):
                if type!.declares(name) { result.members.insert(element) }
                childType = type!.entry(name)
            case (.key, .list?):
                childType = type!.element
            default:
                childType = nil
            }
            result.children[element] = child.withNamedFieldsAsMembers(childType)
        }
        return result
    }
}
