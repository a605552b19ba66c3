import Collections

/// Whether two strategic merge patches change the same thing differently: upstream's `MergingMapsHaveConflicts`,
/// used by the three-way patch when it must not overwrite changes made on the server.
enum StrategicMergeConflicts {
    typealias Patch = StrategicMergePatch

    static func mapsConflict(_ left: JSONObject, _ right: JSONObject, _ schema: PatchSchemaNode) throws(PatchError) -> Bool {
        for (key, leftValue) in left where key != Patch.directiveMarker && key != Patch.retainKeysDirective {
            guard let rightValue = right[key] else { continue }
            var fieldSchema = PatchSchemaNode.unknown(schema.lookup)
            var meta = PatchMeta()
            switch leftValue {
            case .array: (fieldSchema, meta) = schema.listField(key)
            case .object: (fieldSchema, meta) = schema.structField(key)
            default: break
            }
            let strategy = try meta.strategy().strategy
            if try valuesConflict(leftValue, rightValue, fieldSchema, strategy: strategy, mergeKey: meta.mergeKey) {
                return true
            }
        }
        return false
    }

    private static func valuesConflict(
        _ left: JSONValue, _ right: JSONValue, _ schema: PatchSchemaNode, strategy: String, mergeKey: String
    ) throws(PatchError) -> Bool {
        switch left {
        case .object(let leftMap):
            guard case .object(let rightMap) = right else { return true }
            // A directive acts on the whole map, so both sides must carry the same one.
            let leftDirective = leftMap[Patch.directiveMarker]
            let rightDirective = rightMap[Patch.directiveMarker]
            if (leftDirective != nil || rightDirective != nil) && leftDirective != rightDirective { return true }
            if strategy == Patch.replaceDirective { return false }
            return try mapsConflict(leftMap, rightMap, schema)
        case .array(let leftList):
            guard case .array(let rightList) = right else { return true }
            return try listsConflict(leftList, rightList, schema, strategy: strategy, mergeKey: mergeKey)
        default:
            return !left.isDeepEqual(to: right)
        }
    }

    private static func listsConflict(
        _ left: [JSONValue], _ right: [JSONValue], _ elementSchema: PatchSchemaNode, strategy: String, mergeKey: String
    ) throws(PatchError) -> Bool {
        // Upstream fails on two empty lists ("no elements in any of the given slices"); they cannot conflict.
        if left.isEmpty && right.isEmpty { return false }
        let kind = try StrategicListOrder.elementKind(left, right)
        if strategy == Patch.mergeDirective {
            // Merged lists of scalars never conflict; merged lists of objects conflict element by element.
            guard kind == .object else { return false }
            let leftByKey = try elementsByKey(left, mergeKey)
            let rightByKey = try elementsByKey(right, mergeKey)
            for (key, leftElement) in leftByKey {
                guard let rightElement = rightByKey[key] else { continue }
                if try valuesConflict(leftElement, rightElement, elementSchema, strategy: "", mergeKey: "") { return true }
            }
            return false
        }
        guard left.count == right.count else { return true }
        var left = left
        var right = right
        if kind != .object {
            left = StrategicMergeDiffer.sortedScalars(StrategicListOrder.goDeduplicated(left))
            right = StrategicMergeDiffer.sortedScalars(StrategicListOrder.goDeduplicated(right))
        }
        for (l, r) in zip(left, right) {
            if try valuesConflict(l, r, elementSchema, strategy: "", mergeKey: "") { return true }
        }
        return false
    }

    private static func elementsByKey(_ list: [JSONValue], _ mergeKey: String) throws(PatchError) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for element in list {
            guard case .object(let map) = element else {
                throw .internalError("invalid element type in merging list:\(GoFormat.value(.array(list)))")
            }
            guard let value = map[mergeKey] else {
                throw .internalError("cannot find merge key `\(mergeKey)` in merging list element:\(GoFormat.value(element))")
            }
            result[GoFormat.verbS(value)] = element
        }
        return result
    }
}
