/// The fields added, modified and removed between two versions of an object, as upstream's
/// `TypedValue.Compare`: leaves (scalars, atomic and empty values) by value, and every struct field, map
/// entry or list element that appears or disappears as a whole.
struct ObjectComparison: Sendable, Equatable {
    var added = FieldSet()
    var modified = FieldSet()
    var removed = FieldSet()

    init() {}

    /// Compares `old` (nil for a create) with `new`.
    init(old: JSONValue?, new: JSONValue?, type: FieldType) {
        guard old != nil || new != nil else { return }
        self = Self.compare(old, new, type).below
    }

    /// Drops the reset fields (such as `status`) and everything below them from all three sets.
    func excluding(_ fields: FieldSet) -> ObjectComparison {
        guard !fields.isEmpty else { return self }
        var result = self
        result.added = added.recursivelySubtracting(fields)
        result.modified = modified.recursivelySubtracting(fields)
        result.removed = removed.recursivelySubtracting(fields)
        return result
    }

    private enum Change { case none, added, modified, removed }

    /// Compares one value pair: the changes below it, and the change of the value itself, which the caller
    /// records under the value's path element.
    private static func compare(_ lhs: JSONValue?, _ rhs: JSONValue?, _ type: FieldType) -> (below: ObjectComparison, change: Change) {
        var result = ObjectComparison()
        // Identical values have nothing to compare, however large (upstream skips them too).
        if let lhs, let rhs, lhs == rhs { return (result, .none) }
        switch form(lhs, rhs, type) {
        case .leaf, .list(.atomic), .map(atomic: true):
            return (result, leafChange(lhs, rhs))
        case .list(let relation):
            let left = lhs?.arrayValue ?? [], right = rhs?.arrayValue ?? []
            if left.isEmpty && right.isEmpty { return (result, leafChange(lhs, rhs)) }
            let l = index(left, type, relation), r = index(right, type, relation)
            let element = type.element
            for pe in l.order {
                result.attach(pe, compare(l.items[pe], r.items[pe], element))
            }
            for pe in r.order where l.items[pe] == nil {
                result.attach(pe, compare(nil, r.items[pe], element))
            }
        case .map:
            let left = lhs?.objectValue ?? [:], right = rhs?.objectValue ?? [:]
            if left.isEmpty && right.isEmpty { return (result, leafChange(lhs, rhs)) }
            for (key, value) in left {
                result.attach(.field(key), compare(value, right[key], type.entry(key)))
            }
            for (key, value) in right where left[key] == nil {
                result.attach(.field(key), compare(nil, value, type.entry(key)))
            }
        }
        if lhs == nil { return (result, .added) }
        if rhs == nil { return (result, .removed) }
        return (result, .none)
    }

    private mutating func attach(_ pe: FieldPathElement, _ child: (below: ObjectComparison, change: Change)) {
        if !child.below.added.isEmpty { added.children[pe] = child.below.added }
        if !child.below.modified.isEmpty { modified.children[pe] = child.below.modified }
        if !child.below.removed.isEmpty { removed.children[pe] = child.below.removed }
        switch child.change {
        case .none: break
        case .added: added.members.insert(pe)
        case .modified: modified.members.insert(pe)
        case .removed: removed.members.insert(pe)
        }
    }

    private static func leafChange(_ lhs: JSONValue?, _ rhs: JSONValue?) -> Change {
        guard let lhs else { return .added }
        guard let rhs else { return .removed }
        return lhs.isJSONEqual(to: rhs) ? .none : .modified
    }

    /// The form both sides share; values of different shapes compare as leaves.
    private static func form(_ lhs: JSONValue?, _ rhs: JSONValue?, _ type: FieldType) -> FieldType.Form {
        let l = type.form(of: lhs), r = type.form(of: rhs)
        guard lhs != nil, rhs != nil else { return lhs == nil ? r : l }
        switch (l, r) {
        case (.list(let a), .list(let b)) where a == b: return l
        case (.map(let a), .map(let b)) where a == b: return l
        default: return .leaf
        }
    }

    /// The named elements of a list, in order; a repeated element counts once (its first occurrence), and
    /// elements that cannot be named are left out, as upstream does when it compares stored objects.
    private static func index(
        _ items: [JSONValue], _ type: FieldType, _ relation: ListRelation
    ) -> (order: [FieldPathElement], items: [FieldPathElement: JSONValue]) {
        var order: [FieldPathElement] = []
        var byElement: [FieldPathElement: JSONValue] = [:]
        for (i, item) in items.enumerated() {
            guard let pe = try? type.pathElement(of: item, at: i, relation: relation), byElement[pe] == nil else { continue }
            byElement[pe] = item
            order.append(pe)
        }
        return (order, byElement)
    }
}
