import Collections

extension StrategicMergeApplier {
    /// A merged list, plus what upstream's original list holds afterwards.
    ///
    /// Upstream deletes from and appends to the original list in place (Go slices share their backing array),
    /// and `$setElementOrder` then orders server-only elements by that changed list. Replaying it keeps the
    /// order of the result identical to kube-apiserver's, whose lists have no spare capacity.
    struct MergedList {
        var items: [JSONValue]
        var originalAfterwards: [JSONValue]
    }

    /// Upstream's `mergeSlice`: merges two lists under the `merge` strategy and puts the result in order.
    func mergeSlice(
        _ original: [JSONValue], _ patch: [JSONValue], _ elementSchema: PatchSchemaNode, mergeKey: String, isDeleteList: Bool
    ) throws(PatchError) -> MergedList {
        if original.isEmpty && patch.isEmpty { return MergedList(items: original, originalAfterwards: original) }
        let kind = try StrategicListOrder.elementKind(original, patch)
        var serverOrder = original
        var patch = patch
        var backing = original
        let merged: [JSONValue]
        if kind != .object {
            if mergeParallelList && isDeleteList {
                return MergedList(items: original.filter { !patch.contains($0) }, originalAfterwards: original)
            }
            if patch.isEmpty {
                merged = Array(backing[..<StrategicListOrder.deduplicateInPlace(&backing)])
            } else {
                merged = StrategicListOrder.goDeduplicated(original + patch)
            }
        } else {
            guard !mergeKey.isEmpty else {
                throw .internalError("cannot merge lists without merge key for \(elementSchema.name)")
            }
            let replaced: Bool
            (serverOrder, patch, replaced) = try Self.applySpecialElements(&backing, patch, mergeKey: mergeKey)
            merged = try mergeByKey(serverOrder, patch, elementSchema, mergeKey: mergeKey)
            if !replaced {
                // Appended elements land in the original's backing array until it is full.
                let appended = merged[serverOrder.count...].prefix(backing.count - serverOrder.count)
                backing.replaceSubrange(serverOrder.count..<(serverOrder.count + appended.count), with: appended)
            }
        }
        let (patchItems, serverOnly) = try StrategicListOrder.partition(merged, by: patch, mergeKey: mergeKey)
        let items = try StrategicListOrder.normalize(patchItems, serverOnly, patchOrder: patch, serverOrder: serverOrder,
                                                     mergeKey: mergeKey, kind: kind)
        return MergedList(items: items, originalAfterwards: backing)
    }

    /// Handles list elements that are directives: `$patch: delete` removes every element with that merge key,
    /// `$patch: replace` makes the rest of the patch the whole list. Deletions shift `backing` in place as Go's
    /// `append(s[:i], s[i+1:]...)` does. Returns the new original, the plain patch, and whether it was replaced.
    static func applySpecialElements(
        _ backing: inout [JSONValue], _ patch: [JSONValue], mergeKey: String
    ) throws(PatchError) -> ([JSONValue], [JSONValue], Bool) {
        var length = backing.count
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
                while let index = try StrategicListOrder.firstIndex(in: backing[..<length], key: mergeKey, value: value) {
                    for i in index..<(length - 1) { backing[i] = backing[i + 1] }
                    length -= 1
                }
            case .string(Patch.replaceDirective):
                replace = true
            case .string(Patch.mergeDirective):
                throw .internalError("merging lists cannot yet be specified in the patch")
            default:
                throw .badPatchType(directive, map)
            }
        }
        return replace ? (plain, [], true) : (Array(backing[..<length]), plain, false)
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

        var merged = MergedList(items: originalItems, originalAfterwards: originalItems)
        switch (originalList != nil, patchList != nil) {
        case (true, false):
            break
        case (false, true):
            merged.items = Self.removingDirectives(.array(patchItems))?.arrayValue ?? []
        case (true, true):
            merged = try mergeList(originalItems, patchItems, elementSchema, strategy: strategy,
                                   mergeKey: meta.mergeKey, isDeleteList: false)
        case (false, false):
            return
        }
        let (ordered, serverOnly) = try StrategicListOrder.partition(merged.items, by: order, mergeKey: meta.mergeKey)
        let kind = try StrategicListOrder.elementKind(originalItems, patchItems)
        original[key] = .array(try StrategicListOrder.normalize(ordered, serverOnly, patchOrder: order,
                                                               serverOrder: merged.originalAfterwards,
                                                               mergeKey: meta.mergeKey, kind: kind))
        patch.removeValue(forKey: key)
    }
}
