import Collections

extension StrategicMergeApplier {
    /// Upstream's `mergeSlice`: merges two lists under the `merge` strategy and puts the result in order.
    func mergeSlice(
        _ original: [JSONValue], _ patch: [JSONValue], _ elementSchema: PatchSchemaNode, mergeKey: String, isDeleteList: Bool
    ) throws(PatchError) -> [JSONValue] {
        if original.isEmpty && patch.isEmpty { return original }
        let kind = try StrategicListOrder.elementKind(original, patch)
        var original = original
        var patch = patch
        let merged: [JSONValue]
        if kind != .object {
            if mergeParallelList && isDeleteList {
                return original.filter { !patch.contains($0) }
            }
            merged = StrategicListOrder.uniqued(original + patch)
        } else {
            guard !mergeKey.isEmpty else {
                throw .internalError("cannot merge lists without merge key for \(elementSchema.name)")
            }
            (original, patch) = try Self.applySpecialElements(original, patch, mergeKey: mergeKey)
            merged = try mergeByKey(original, patch, elementSchema, mergeKey: mergeKey)
        }
        let (patchItems, serverOnly) = try StrategicListOrder.partition(merged, by: patch, mergeKey: mergeKey)
        return try StrategicListOrder.normalize(patchItems, serverOnly, patchOrder: patch, serverOrder: original,
                                                mergeKey: mergeKey, kind: kind)
    }

    /// Handles list elements that are directives: `$patch: delete` removes every element with that merge key,
    /// `$patch: replace` makes the rest of the patch the whole list. Returns the new original and the plain patch.
    static func applySpecialElements(
        _ original: [JSONValue], _ patch: [JSONValue], mergeKey: String
    ) throws(PatchError) -> ([JSONValue], [JSONValue]) {
        var original = original
        var plain: [JSONValue] = []
        var replace = false
        for element in patch {
            let map = element.objectValue ?? [:]
            guard let directive = map[Patch.directiveMarker] else {
                plain.append(element)
                continue
            }
            switch directive {
            case .string(Patch.deleteDirective):
                guard let value = map[mergeKey] else { throw .noMergeKey(map, mergeKey) }
                while let index = try StrategicListOrder.firstIndex(in: original, key: mergeKey, value: value) {
                    original.remove(at: index)
                }
            case .string(Patch.replaceDirective):
                replace = true
            case .string(Patch.mergeDirective):
                throw .internalError("merging lists cannot yet be specified in the patch")
            default:
                throw .badPatchType(directive, map)
            }
        }
        return replace ? (plain, []) : (original, plain)
    }

    /// Merges each patch element into the original element with the same merge key, or appends it.
    private func mergeByKey(
        _ original: [JSONValue], _ patch: [JSONValue], _ elementSchema: PatchSchemaNode, mergeKey: String
    ) throws(PatchError) -> [JSONValue] {
        var merged = original
        for element in patch {
            let map = element.objectValue ?? [:]
            guard let value = map[mergeKey] else { throw .noMergeKey(map, mergeKey) }
            guard let index = try StrategicListOrder.firstIndex(in: merged, key: mergeKey, value: value) else {
                merged.append(element)
                continue
            }
            do throws(PatchError) {
                merged[index] = .object(try mergeMap(merged[index].objectValue ?? [:], map, elementSchema))
            } catch {
                throw error.within("[\(mergeKey)=\(GoFormat.value(value))]")
            }
        }
        return merged
    }

    /// `$setElementOrder/<list>`: merges the list it names, then orders it as the directive says, with
    /// elements only the server has kept near their old neighbours (upstream's `mergePatchIntoOriginal`).
    func mergeOrderedLists(_ original: inout JSONObject, _ patch: inout JSONObject, _ schema: PatchSchemaNode) throws(PatchError) {
        let orderKeys = patch.keys.filter { $0.hasPrefix(Patch.setElementOrderPrefix) }
        for orderKey in orderKeys {
            guard let orderValue = patch.removeValue(forKey: orderKey) else { continue }
            if !mergeParallelList {
                // Merging two patches: the directive travels on, and both patches must agree on it.
                if let existing = original[orderKey] {
                    guard existing.isDeepEqual(to: orderValue) else { throw .badSetElementOrderFormat }
                } else {
                    original[orderKey] = orderValue
                }
            }
            guard case .array(let order) = orderValue else {
                throw .badArgType(expected: "[]interface {}", actual: orderValue)
            }
            let key = try Self.listKey(orderKey, prefix: Patch.setElementOrderPrefix, error: .badSetElementOrderFormat)
            do throws(PatchError) {
                try mergeOrderedList(key, order: order, &original, &patch, schema)
            } catch {
                throw error.within(key)
            }
        }
    }

    private func mergeOrderedList(
        _ key: String, order: [JSONValue], _ original: inout JSONObject, _ patch: inout JSONObject, _ schema: PatchSchemaNode
    ) throws(PatchError) {
        let originalList = original[key]
        let patchList = patch[key]
        var originalItems: [JSONValue] = []
        var patchItems: [JSONValue] = []
        if let originalList {
            guard case .array(let items) = originalList else {
                throw .badArgType(expected: "[]interface {}", actual: originalList)
            }
            originalItems = items
        }
        if let patchList {
            guard case .array(let items) = patchList else { throw .badArgType(expected: "[]interface {}", actual: patchList) }
            patchItems = items
        }
        let (elementSchema, meta) = schema.listField(key)
        let strategy = try meta.strategy().strategy
        try StrategicListOrder.validate(patchItems, against: order, mergeKey: meta.mergeKey)

        let merged: [JSONValue]
        switch (originalList != nil, patchList != nil) {
        case (true, false):
            merged = originalItems
        case (false, true):
            merged = Self.removingDirectives(.array(patchItems))?.arrayValue ?? []
        case (true, true):
            merged = try mergeList(originalItems, patchItems, elementSchema, strategy: strategy,
                                   mergeKey: meta.mergeKey, isDeleteList: false)
        case (false, false):
            return
        }
        let (ordered, serverOnly) = try StrategicListOrder.partition(merged, by: order, mergeKey: meta.mergeKey)
        let kind = try StrategicListOrder.elementKind(originalItems, patchItems)
        original[key] = .array(try StrategicListOrder.normalize(ordered, serverOnly, patchOrder: order,
                                                               serverOrder: originalItems, mergeKey: meta.mergeKey, kind: kind))
        patch.removeValue(forKey: key)
    }
}
