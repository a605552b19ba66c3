import Collections

/// Computes a strategic merge patch between two documents: upstream's `diffMaps`, `diffLists` and helpers.
struct StrategicMergeDiffer {
    /// Upstream's `DiffOptions`.
    struct Options {
        /// Whether to emit `$setElementOrder` lists for merged lists.
        var setElementOrder = false
        var ignoreChangesAndAdditions = false
        var ignoreDeletions = false
        /// Set while diffing inside a field whose strategy includes `retainKeys`.
        var buildRetainKeys = false
    }

    var options: Options

    typealias Patch = StrategicMergePatch

    /// The patch that, applied to `original`, yields `modified`.
    func diffMaps(_ original: JSONObject, _ modified: JSONObject, _ schema: PatchSchemaNode) throws(PatchError) -> JSONObject {
        var patch = JSONObject()
        var retainKeys: [String] = []
        for (key, modifiedValue) in modified {
            if options.buildRetainKeys && !modifiedValue.isNull { retainKeys.append(key) }
            guard let originalValue = original[key] else {
                if !options.ignoreChangesAndAdditions { patch[key] = modifiedValue }
                continue
            }
            if key == Patch.directiveMarker {
                guard case .string = originalValue, case .string = modifiedValue else {
                    throw .internalError("invalid value for special key: \(Patch.directiveMarker)")
                }
                if originalValue != modifiedValue { patch[key] = modifiedValue }
                continue
            }
            do throws(PatchError) {
                try diff(key, originalValue, modifiedValue, into: &patch, schema)
            } catch {
                throw error.within(key)
            }
        }
        if !options.ignoreDeletions {
            for key in original.keys where modified[key] == nil { patch[key] = .null }
        }
        // The list goes in only when there is something to patch or a key the server must clear.
        if !retainKeys.isEmpty && (!patch.isEmpty || original.contains { !$0.value.isNull && modified[$0.key] == nil }) {
            patch[Patch.retainKeysDirective] = .array(retainKeys.sorted(by: goStringLess).map { .string($0) })
        }
        return patch
    }

    private func diff(
        _ key: String, _ original: JSONValue, _ modified: JSONValue, into patch: inout JSONObject, _ schema: PatchSchemaNode
    ) throws(PatchError) {
        guard original.goKind == modified.goKind else {
            if !options.ignoreChangesAndAdditions { patch[key] = modified }
            return
        }
        switch (original, modified) {
        case (.object(let originalMap), .object(let modifiedMap)):
            let (fieldSchema, meta) = schema.structField(key)
            let (retainKeys, strategy) = try meta.strategy()
            var nested = self
            nested.options.buildRetainKeys = retainKeys
            if strategy == Patch.replaceDirective {
                if !options.ignoreChangesAndAdditions { patch[key] = modified }
                return
            }
            let value = try nested.diffMaps(originalMap, modifiedMap, fieldSchema)
            if !value.isEmpty { patch[key] = .object(value) }
        case (.array(let originalList), .array(let modifiedList)):
            let (elementSchema, meta) = schema.listField(key)
            let (retainKeys, strategy) = try meta.strategy()
            guard strategy == Patch.mergeDirective else {
                replaceIfChanged(key, original, modified, in: &patch)
                return
            }
            var nested = self
            nested.options.buildRetainKeys = retainKeys
            let lists = try nested.diffLists(originalList, modifiedList, elementSchema, mergeKey: meta.mergeKey)
            if !lists.patch.isEmpty { patch[key] = .array(lists.patch) }
            if !lists.deletions.isEmpty { patch["\(Patch.deleteFromPrimitiveListPrefix)/\(key)"] = .array(lists.deletions) }
            if !lists.order.isEmpty { patch["\(Patch.setElementOrderPrefix)/\(key)"] = .array(lists.order) }
        default:
            replaceIfChanged(key, original, modified, in: &patch)
        }
    }

    private func replaceIfChanged(_ key: String, _ original: JSONValue, _ modified: JSONValue, in patch: inout JSONObject) {
        if !options.ignoreChangesAndAdditions && !original.isDeepEqual(to: modified) { patch[key] = modified }
    }

    /// For a list with the `merge` strategy: the patch list, the `$deleteFromPrimitiveList` list (scalars only)
    /// and the `$setElementOrder` list.
    private func diffLists(
        _ original: [JSONValue], _ modified: [JSONValue], _ elementSchema: PatchSchemaNode, mergeKey: String
    ) throws(PatchError) -> (patch: [JSONValue], deletions: [JSONValue], order: [JSONValue]) {
        if original.isEmpty {
            if modified.isEmpty || options.ignoreChangesAndAdditions { return ([], [], []) }
            return (modified, [], [])
        }
        let kind = try StrategicListOrder.elementKind(original, modified)
        if kind == .object {
            var (patch, deletions) = try diffListsOfMaps(original, modified, elementSchema, mergeKey: mergeKey)
            patch = try StrategicListOrder.normalize(patch, [], patchOrder: modified, serverOrder: [], mergeKey: mergeKey, kind: kind)
            let orderSame = try Self.sameOrder(original, modified, mergeKey: mergeKey)
            patch += deletions
            var order: [JSONValue] = []
            if options.setElementOrder
                && ((!options.ignoreChangesAndAdditions && (!patch.isEmpty || !orderSame))
                    || (!options.ignoreDeletions && !patch.isEmpty)) {
                order = modified.map { .object([mergeKey: $0[mergeKey] ?? .null]) }
            }
            return (patch, [], order)
        }
        var (patch, deletions) = diffListsOfScalars(original, modified)
        patch = try StrategicListOrder.normalize(patch, [], patchOrder: modified, serverOrder: [], mergeKey: "", kind: kind)
        var order: [JSONValue] = []
        if options.setElementOrder
            && ((!options.ignoreDeletions && !deletions.isEmpty)
                || (!options.ignoreChangesAndAdditions && !JSONValue.array(original).isDeepEqual(to: .array(modified)))) {
            order = modified
        }
        return (patch, deletions, order)
    }

    /// Walks both lists sorted by the string form of their values, as upstream does.
    private func diffListsOfScalars(_ original: [JSONValue], _ modified: [JSONValue]) -> (patch: [JSONValue], deletions: [JSONValue]) {
        let originalSorted = Self.sortedScalars(original)
        let modifiedSorted = Self.sortedScalars(modified)
        var additions: [JSONValue] = []
        var deletions: [JSONValue] = []
        var i = 0
        var j = 0
        while i < originalSorted.count || j < modifiedSorted.count {
            let o = i < originalSorted.count ? GoFormat.value(originalSorted[i]) : nil
            let m = j < modifiedSorted.count ? GoFormat.value(modifiedSorted[j]) : nil
            if let o, let m, o == m {
                i += 1; j += 1
            } else if let m, o.map({ goStringLess(m, $0) }) ?? true {
                if !options.ignoreChangesAndAdditions { additions.append(modifiedSorted[j]) }
                j += 1
            } else {
                if !options.ignoreDeletions { deletions.append(originalSorted[i]) }
                i += 1
            }
        }
        return (additions, StrategicListOrder.goDeduplicated(deletions))
    }

    /// Walks both lists sorted by the string form of their merge key values: matching elements are diffed,
    /// new ones added whole, missing ones deleted with `$patch: delete`.
    private func diffListsOfMaps(
        _ original: [JSONValue], _ modified: [JSONValue], _ elementSchema: PatchSchemaNode, mergeKey: String
    ) throws(PatchError) -> (patch: [JSONValue], deletions: [JSONValue]) {
        let originalSorted = try Self.sortedByMergeKey(original, mergeKey)
        let modifiedSorted = try Self.sortedByMergeKey(modified, mergeKey)
        var patch: [JSONValue] = []
        var deletions: [JSONValue] = []
        var i = 0
        var j = 0
        while i < originalSorted.count || j < modifiedSorted.count {
            let o = i < originalSorted.count ? originalSorted[i] : nil
            let m = j < modifiedSorted.count ? modifiedSorted[j] : nil
            if let o, let m, o.keyText == m.keyText {
                do throws(PatchError) {
                    var value = try diffMaps(o.map, m.map, elementSchema)
                    if !value.isEmpty {
                        value[mergeKey] = m.key
                        patch.append(.object(value))
                    }
                } catch {
                    throw error.within("[\(mergeKey)=\(m.keyText)]")
                }
                i += 1; j += 1
            } else if let m, o.map({ goStringLess(m.keyText, $0.keyText) }) ?? true {
                if !options.ignoreChangesAndAdditions { patch.append(.object(m.map)) }
                j += 1
            } else if let o {
                if !options.ignoreDeletions {
                    deletions.append(.object([mergeKey: o.key, Patch.directiveMarker: .string(Patch.deleteDirective)]))
                }
                i += 1
            }
        }
        return (patch, deletions)
    }

    private struct KeyedElement {
        var map: JSONObject
        var key: JSONValue
        var keyText: String
    }

    private static func sortedByMergeKey(_ list: [JSONValue], _ mergeKey: String) throws(PatchError) -> [KeyedElement] {
        var keyed: [KeyedElement] = []
        keyed.reserveCapacity(list.count)
        for element in list {
            guard case .object(let map) = element else { throw .badArgType(expected: "map[string]interface {}", actual: element) }
            guard let key = map[mergeKey] else { throw .noMergeKey(map, mergeKey) }
            keyed.append(KeyedElement(map: map, key: key, keyText: GoFormat.value(key)))
        }
        return keyed.sorted { goStringLess($0.keyText, $1.keyText) }
    }

    /// Upstream's `sortScalars`: ordered by the `%v` form of each value.
    static func sortedScalars(_ list: [JSONValue]) -> [JSONValue] {
        list.map { (value: $0, text: GoFormat.value($0)) }
            .enumerated()
            .sorted { goStringLess($0.element.text, $1.element.text) || ($0.element.text == $1.element.text && $0.offset < $1.offset) }
            .map(\.element.value)
    }

    /// Whether both lists hold the same merge keys in the same order.
    private static func sameOrder(_ original: [JSONValue], _ modified: [JSONValue], mergeKey: String) throws(PatchError) -> Bool {
        guard original.count == modified.count else { return false }
        for (o, m) in zip(original, modified) {
            guard case .object(let om) = o else { throw .badArgType(expected: "map[string]interface {}", actual: o) }
            guard case .object(let mm) = m else { throw .badArgType(expected: "map[string]interface {}", actual: m) }
            guard let ov = om[mergeKey] else { throw .noMergeKey(om, mergeKey) }
            guard let mv = mm[mergeKey] else { throw .noMergeKey(mm, mergeKey) }
            if ov != mv { return false }
        }
        return true
    }
}
