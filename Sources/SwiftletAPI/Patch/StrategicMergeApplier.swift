import Collections

/// Merges a strategic merge patch into a document: upstream's `mergeMap` and the functions it calls.
///
/// Server side (`mergeParallelList`, `ignoreUnmatchedNulls`) it applies the directives. For the three-way patch
/// it merges one patch into another, keeping the directives and explicit nulls for the server.
struct StrategicMergeApplier {
    var mergeParallelList: Bool
    var ignoreUnmatchedNulls: Bool

    typealias Patch = StrategicMergePatch

    func mergeMap(_ original: JSONObject, _ patch: JSONObject, _ schema: PatchSchemaNode) throws(PatchError) -> JSONObject {
        if let directive = patch[Patch.directiveMarker] {
            return try Self.applyDirective(directive, in: patch)
        }
        var original = original
        var patch = patch
        try applyRetainKeys(&original, &patch)
        try mergeOrderedLists(&original, &patch, schema)

        for (patchKey, patchValue) in patch {
            var key = patchKey
            var isDeleteList = false
            if patchKey.hasPrefix(Patch.deleteFromPrimitiveListPrefix) {
                guard mergeParallelList else {
                    original[patchKey] = patchValue
                    continue
                }
                key = try Self.listKey(patchKey, prefix: Patch.deleteFromPrimitiveListPrefix, error: .badPrimitiveListFormat)
                isDeleteList = true
            }
            do throws(PatchError) {
                try merge(key, patchValue, into: &original, schema, isDeleteList: isDeleteList)
            } catch {
                throw error.within(key)
            }
        }
        return original
    }

    /// Merges one member of the patch into `original`.
    private func merge(
        _ key: String, _ patchValue: JSONValue, into original: inout JSONObject, _ schema: PatchSchemaNode, isDeleteList: Bool
    ) throws(PatchError) {
        if case .null = patchValue {
            original.removeValue(forKey: key)
            // Client side the null stays, to be sent to the server as an explicit deletion.
            if ignoreUnmatchedNulls { return }
        }
        guard let originalValue = original[key], originalValue.goKind == patchValue.goKind else {
            // Not in the original, or of another type: the patch value wins (minus directives), unless it
            // only lists what to delete.
            if !isDeleteList { setRemovingDirectives(key, patchValue, in: &original) }
            return
        }
        switch (originalValue, patchValue) {
        case (.object(let originalMap), .object(let patchMap)):
            let (fieldSchema, meta) = schema.structField(key)
            let strategy = try meta.strategy().strategy
            original[key] = strategy == Patch.replaceDirective
                ? patchValue : .object(try mergeMap(originalMap, patchMap, fieldSchema))
        case (.array(let originalList), .array(let patchList)):
            let (elementSchema, meta) = schema.listField(key)
            let strategy = try meta.strategy().strategy
            original[key] = .array(try mergeList(originalList, patchList, elementSchema, strategy: strategy,
                                                 mergeKey: meta.mergeKey, isDeleteList: isDeleteList).items)
        default:
            setRemovingDirectives(key, patchValue, in: &original)
        }
    }

    /// Upstream's `mergeSliceHandler`: lists merge under the `merge` strategy or as a deletion list, else replace.
    func mergeList(
        _ original: [JSONValue], _ patch: [JSONValue], _ elementSchema: PatchSchemaNode,
        strategy: String, mergeKey: String, isDeleteList: Bool
    ) throws(PatchError) -> MergedList {
        guard strategy == Patch.mergeDirective || isDeleteList else {
            return MergedList(items: patch, originalAfterwards: original)
        }
        return try mergeSlice(original, patch, elementSchema, mergeKey: mergeKey, isDeleteList: isDeleteList)
    }

    /// Takes a patch value for a key the original lacks: directives are dropped and, server side, so are nulls.
    private func setRemovingDirectives(_ key: String, _ value: JSONValue, in original: inout JSONObject) {
        let value = ignoreUnmatchedNulls ? Self.discardingNulls(value) : value
        if let kept = Self.removingDirectives(value) {
            original[key] = kept
        } else {
            original.removeValue(forKey: key)
        }
    }

    // MARK: Directives

    /// `$patch` on a map: `replace` takes the patch as it is, `delete` empties the map.
    static func applyDirective(_ directive: JSONValue, in patch: JSONObject) throws(PatchError) -> JSONObject {
        switch directive {
        case .string(Patch.replaceDirective):
            var replacement = patch
            replacement.removeValue(forKey: Patch.directiveMarker)
            return replacement
        case .string(Patch.deleteDirective):
            return [:]
        default:
            throw .badPatchType(directive, patch)
        }
    }

    /// `$retainKeys`: server side, clears the original's keys not listed (and checks the patch sets no others).
    private func applyRetainKeys(_ original: inout JSONObject, _ patch: inout JSONObject) throws(PatchError) {
        guard let retainKeys = patch.removeValue(forKey: Patch.retainKeysDirective) else { return }
        guard mergeParallelList else {
            if let existing = original[Patch.retainKeysDirective] {
                guard existing.isDeepEqual(to: retainKeys) else {
                    throw .internalError("\(GoFormat.value(existing)) and \(GoFormat.value(retainKeys)) are not deep equal: "
                                         + "this may happen when calculating the 3-way diff patch")
                }
            } else {
                original[Patch.retainKeysDirective] = retainKeys
            }
            return
        }
        guard case .array(let list) = retainKeys else { throw .badRetainKeysFormat }
        let retained = Set(list.compactMap(\.stringValue))
        for (key, value) in patch where !value.isNull {
            if key.hasPrefix(Patch.deleteFromPrimitiveListPrefix) || key.hasPrefix(Patch.setElementOrderPrefix) { continue }
            guard retained.contains(key) else { throw .badRetainKeysFormat }
        }
        original.removeAll { !retained.contains($0.key) }
    }

    /// The list a `$setElementOrder/…` or `$deleteFromPrimitiveList/…` key is about.
    static func listKey(_ key: String, prefix: String, error: PatchError) throws(PatchError) -> String {
        guard let slash = key.firstIndex(of: "/"), key[..<slash] == prefix else { throw error }
        return String(key[key.index(after: slash)...])
    }

    /// Upstream's `removeDirectives`: nil when the value itself is a `$patch` directive.
    static func removingDirectives(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .object(let object):
            if object[Patch.directiveMarker] != nil { return nil }
            var kept = JSONObject()
            kept.reserveCapacity(object.count)
            for (key, member) in object {
                if let member = removingDirectives(member) { kept[key] = member }
            }
            return .object(kept)
        case .array(let array):
            return .array(array.compactMap(removingDirectives))
        default:
            return value
        }
    }

    /// Upstream's `discardNullValuesFromPatch`: drops null members of objects, at any depth.
    static func discardingNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var kept = JSONObject()
            kept.reserveCapacity(object.count)
            for (key, member) in object where !member.isNull { kept[key] = discardingNulls(member) }
            return .object(kept)
        case .array(let array):
            return .array(array.map(discardingNulls))
        default:
            return value
        }
    }
}
