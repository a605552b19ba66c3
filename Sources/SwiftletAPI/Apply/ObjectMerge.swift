/// Merges an applied configuration into a live object, as upstream's `TypedValue.Merge`: leaves, atomic lists and
/// atomic maps are taken from the configuration; granular maps are merged key by key; map and set lists are
/// merged element by element, in the configuration's order where both hold an element.
enum ObjectMerge {
    static func merge(live: JSONValue?, config: JSONValue, type: FieldType) -> JSONValue {
        merge(live, config, type) ?? .object([:])
    }

    private static func merge(_ lhs: JSONValue?, _ rhs: JSONValue?, _ type: FieldType) -> JSONValue? {
        if let lhs, let rhs, lhs == rhs { return rhs }
        let l = type.form(of: lhs), r = type.form(of: rhs)
        let form: FieldType.Form
        switch (lhs, rhs) {
        case (nil, _): form = r
        case (_, nil): form = l
        default:
            switch (l, r) {
            case (.list(let a), .list(let b)) where a == b: form = l
            case (.map(let a), .map(let b)) where a == b: form = l
            default: form = .leaf
            }
        }
        switch form {
        case .leaf, .list(.atomic), .map(atomic: true):
            return rhs ?? lhs
        case .list(let relation):
            let left = lhs?.arrayValue ?? [], right = rhs?.arrayValue ?? []
            if left.isEmpty && right.isEmpty { return rhs ?? lhs }
            let merged = mergeLists(left, right, type, relation)
            if merged.isEmpty { return nil }
            return .array(merged)
        case .map:
            let left = lhs?.objectValue ?? [:], right = rhs?.objectValue ?? [:]
            if left.isEmpty && right.isEmpty { return rhs ?? lhs }
            var out = JSONObject()
            out.reserveCapacity(left.count + right.count)
            for (key, value) in left {
                out[key] = merge(value, right[key], type.entry(key))
            }
            for (key, value) in right where left[key] == nil {
                out[key] = merge(nil, value, type.entry(key))
            }
            if out.isEmpty { return nil }
            return .object(out)
        }
    }

    /// Upstream's list merge: live elements keep their places, configured elements are placed in the
    /// configuration's order among the elements both sides share, and new ones follow their predecessors.
    private static func mergeLists(_ left: [JSONValue], _ right: [JSONValue], _ type: FieldType, _ relation: ListRelation) -> [JSONValue] {
        let lhs = named(left, type, relation), rhs = named(right, type, relation)
        var observedLHS: [FieldPathElement: JSONValue?] = [:]
        for (pe, item) in lhs {
            // A repeated live element cannot be merged with one configured element; it is replaced.
            if observedLHS[pe] == nil { observedLHS[pe] = .some(item) } else { observedLHS[pe] = .some(nil) }
        }
        var observedRHS: [FieldPathElement: JSONValue] = [:]
        for (pe, item) in rhs where observedRHS[pe] == nil { observedRHS[pe] = item }

        var shared = rhs.map(\.0).filter { observedLHS[$0] != nil }[...]
        var nextShared = shared.popFirst()
        var mergedRHS: Set<FieldPathElement> = []
        let element = type.element
        var out: [JSONValue] = []
        out.reserveCapacity(max(left.count, right.count))
        var (lI, rI) = (0, 0)
        while lI < lhs.count || rI < rhs.count {
            if lI < lhs.count && rI < rhs.count {
                let pe = lhs[lI].0
                if pe == rhs[rI].0 {
                    mergedRHS.insert(pe)
                    if let item = merge(liveItem(observedLHS, pe), observedRHS[pe], element) { out.append(item) }
                    lI += 1
                    rI += 1
                    nextShared = shared.popFirst()
                    continue
                }
                if observedRHS[pe] != nil, let next = nextShared, next != pe {
                    lI += 1
                    continue
                }
            }
            if lI < lhs.count {
                let pe = lhs[lI].0
                if observedRHS[pe] == nil {
                    if let item = merge(lhs[lI].1, nil, element) { out.append(item) }
                    lI += 1
                    continue
                } else if mergedRHS.contains(pe) {
                    lI += 1
                    continue
                }
            }
            if rI < rhs.count {
                let pe = rhs[rI].0
                mergedRHS.insert(pe)
                if let item = merge(liveItem(observedLHS, pe), observedRHS[pe], element) { out.append(item) }
                rI += 1
                if nextShared == pe { nextShared = shared.popFirst() }
            }
        }
        return out
    }

    /// The live element for `pe`: nil when there is none or when it is repeated.
    private static func liveItem(_ observed: [FieldPathElement: JSONValue?], _ pe: FieldPathElement) -> JSONValue? {
        guard let entry = observed[pe], let item = entry else { return nil }
        return item
    }

    /// The elements that can be named, with their path elements.
    private static func named(_ items: [JSONValue], _ type: FieldType, _ relation: ListRelation) -> [(FieldPathElement, JSONValue)] {
        items.enumerated().compactMap { i, item in
            (try? type.pathElement(of: item, at: i, relation: relation)).map { ($0, item) }
        }
    }
}
