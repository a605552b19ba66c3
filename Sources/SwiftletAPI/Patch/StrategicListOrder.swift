import Collections

/// How strategic merge patch orders merged lists, and the list checks that go with it.
///
/// The order of precedence is: `$setElementOrder`, then the order in the patch, then the order on the server;
/// elements only the server has stay next to the neighbours they had. Ported from upstream's
/// `normalizeElementOrder`, `mergeSortedSlice` and `normalizeSliceOrder`.
enum StrategicListOrder {
    /// Upstream's `sliceElementType`: the one kind all elements share, which may not be a list.
    static func elementKind(_ lists: [JSONValue]...) throws(PatchError) -> GoKind {
        var kind: GoKind?
        for list in lists {
            for element in list {
                guard let known = kind else {
                    if element.goKind == .array { throw .listOfLists }
                    kind = element.goKind
                    continue
                }
                if known != element.goKind {
                    let all = JSONValue.array(lists.map { .array($0) })
                    throw .internalError("list element types are not identical: \(GoFormat.value(all))")
                }
            }
        }
        guard let kind else { throw .internalError("no elements in any of the given slices") }
        return kind
    }

    /// Upstream's `deduplicateScalars`, whose swapping decides the order of a generated deletion list.
    static func goDeduplicated(_ values: [JSONValue]) -> [JSONValue] {
        var s = values
        return Array(s[..<deduplicateInPlace(&s)])
    }

    /// `deduplicateScalars` on a Go slice: rewrites `s` in place and returns the length of the unique prefix.
    static func deduplicateInPlace(_ s: inout [JSONValue]) -> Int {
        var length = s.count - 1
        var i = 0
        while i < length {
            var j = i + 1
            while j <= length {
                if s[i] == s[j] {
                    s[j] = s[length]
                    length -= 1
                    j -= 1
                }
                j += 1
            }
            i += 1
        }
        return max(length + 1, 0)
    }

    /// Splits `list` into the elements present in `reference` (by merge key, or by value for scalars) and the rest.
    static func partition(
        _ list: [JSONValue], by reference: [JSONValue], mergeKey: String
    ) throws(PatchError) -> (present: [JSONValue], absent: [JSONValue]) {
        var present: [JSONValue] = []
        var absent: [JSONValue] = []
        if mergeKey.isEmpty {
            let inReference = Set(reference)
            for element in list {
                if inReference.contains(element) { present.append(element) } else { absent.append(element) }
            }
            return (present, absent)
        }
        for element in list {
            guard case .object(let map) = element else { throw .badArgType(expected: "map[string]interface {}", actual: element) }
            guard let value = map[mergeKey] else { throw .noMergeKey(map, mergeKey) }
            if try firstIndex(in: reference, key: mergeKey, value: value) != nil {
                present.append(element)
            } else {
                absent.append(element)
            }
        }
        return (present, absent)
    }

    /// Orders `patchItems` by `patchOrder` and `serverOnly` by `serverOrder`, then interleaves them.
    static func normalize(
        _ patchItems: [JSONValue], _ serverOnly: [JSONValue], patchOrder: [JSONValue], serverOrder: [JSONValue],
        mergeKey: String, kind: GoKind
    ) throws(PatchError) -> [JSONValue] {
        let patch = try sorted(patchItems, by: patchOrder, mergeKey: mergeKey, kind: kind)
        let server = try sorted(serverOnly, by: serverOrder, mergeKey: mergeKey, kind: kind)
        return interleave(server, into: patch, serverOrder: serverOrder, mergeKey: mergeKey, kind: kind)
    }

    /// Upstream's `mergeSortedSlice`: keeps the relative order of both lists; a server-only element goes before
    /// a patch element only when the server had it first.
    private static func interleave(
        _ left: [JSONValue], into right: [JSONValue], serverOrder: [JSONValue], mergeKey: String, kind: GoKind
    ) -> [JSONValue] {
        let positions = Positions(serverOrder, mergeKey: mergeKey, kind: kind)
        var result: [JSONValue] = []
        result.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if i >= left.count {
                result.append(right[j]); j += 1
            } else if j >= right.count {
                result.append(left[i]); i += 1
            } else if let l = positions[left[i]], let r = positions[right[j]], l < r {
                result.append(left[i]); i += 1
            } else {
                result.append(right[j]); j += 1
            }
        }
        return result
    }

    /// Upstream's `normalizeSliceOrder`: a stable sort by position in `order`, deletions last.
    private static func sorted(
        _ items: [JSONValue], by order: [JSONValue], mergeKey: String, kind: GoKind
    ) throws(PatchError) -> [JSONValue] {
        var items = items
        var deletions: [JSONValue] = []
        if kind == .object {
            try requireMergeKey(mergeKey, in: items)
            try requireMergeKey(mergeKey, in: order)
            (items, deletions) = splitDeletions(items)
        }
        let positions = Positions(order, mergeKey: mergeKey, kind: kind)
        let keyed = items.map { (item: $0, position: positions[$0]) }
        if keyed.allSatisfy({ $0.position != nil }) {
            // Every item is in `order`, so any stable sort gives what Go's does.
            return keyed.enumerated()
                .sorted { ($0.element.position!, $0.offset) < ($1.element.position!, $1.offset) }
                .map(\.element.item) + deletions
        }
        // Items missing from `order` compare as "less" both ways; replay Go's insertion sort to match it.
        var sorted = keyed
        for i in sorted.indices.dropFirst() {
            var j = i
            while j > 0 {
                let less: Bool
                if let a = sorted[j].position, let b = sorted[j - 1].position { less = a < b } else { less = true }
                guard less else { break }
                sorted.swapAt(j, j - 1)
                j -= 1
            }
        }
        return sorted.map(\.item) + deletions
    }

    /// Upstream's `extractToDeleteItems`: elements with `$patch: delete` go last.
    private static func splitDeletions(_ items: [JSONValue]) -> ([JSONValue], [JSONValue]) {
        var kept: [JSONValue] = []
        var deletions: [JSONValue] = []
        for item in items {
            if item[StrategicMergePatch.directiveMarker] == .string(StrategicMergePatch.deleteDirective) {
                deletions.append(item)
            } else {
                kept.append(item)
            }
        }
        return (kept, deletions)
    }

    /// Upstream's `validateMergeKeyInLists`.
    private static func requireMergeKey(_ mergeKey: String, in list: [JSONValue]) throws(PatchError) {
        for item in list {
            guard case .object(let map) = item else { throw .badArgType(expected: "map[string]interface {}", actual: item) }
            guard map[mergeKey] != nil else { throw .noMergeKey(map, mergeKey) }
        }
    }

    /// The index of the first element whose `key` member equals `value`; every element must be an object.
    static func firstIndex<List: RandomAccessCollection<JSONValue>>(
        in list: List, key: String, value: JSONValue
    ) throws(PatchError) -> Int? where List.Index == Int {
        for (index, element) in zip(list.indices, list) {
            guard case .object(let map) = element else { throw .internalError("value for key \(index) is not a map") }
            if map[key] == value { return index }
        }
        return nil
    }

    /// Upstream's `validatePatchWithSetOrderList`: the patch's elements must appear in the `$setElementOrder`
    /// list, in the same relative order.
    static func validate(_ patch: [JSONValue], against order: [JSONValue], mergeKey: String) throws(PatchError) {
        if order.isEmpty || patch.isEmpty { return }
        var items = patch
        if !mergeKey.isEmpty {
            for item in patch where item.objectValue == nil {
                throw .badArgType(expected: "map[string]interface {}", actual: item)
            }
            items = splitDeletions(patch).0
        }
        var patchIndex = 0
        var orderIndex = 0
        while patchIndex < items.count && orderIndex < order.count {
            if items[patchIndex][StrategicMergePatch.directiveMarker] != nil {
                patchIndex += 1
                continue
            }
            if try mergeKeyValuesEqual(items[patchIndex], order[orderIndex], mergeKey: mergeKey) {
                patchIndex += 1
            }
            orderIndex += 1
        }
        if patchIndex < items.count && orderIndex >= order.count {
            throw .internalError("The order in patch list:\n\(GoFormat.value(.array(patch)))\n doesn't match "
                                 + "\(StrategicMergePatch.setElementOrderPrefix) list:\n\(GoFormat.value(.array(order)))\n")
        }
    }

    private static func mergeKeyValuesEqual(_ left: JSONValue, _ right: JSONValue, mergeKey: String) throws(PatchError) -> Bool {
        if mergeKey.isEmpty { return left == right }
        guard case .object(let l) = left else { throw .badArgType(expected: "map[string]interface {}", actual: left) }
        guard case .object(let r) = right else { throw .badArgType(expected: "map[string]interface {}", actual: right) }
        guard let lv = l[mergeKey] else { throw .noMergeKey(l, mergeKey) }
        guard let rv = r[mergeKey] else { throw .noMergeKey(r, mergeKey) }
        return lv == rv
    }

    /// First positions in a list, by merge key value for objects (missing keys all count as `null`, as Go's nil
    /// does) and by value for scalars: upstream's `index`, without its linear scan per comparison.
    private struct Positions {
        private var table: [JSONValue: Int] = [:]
        private let mergeKey: String
        private let kind: GoKind

        init(_ list: [JSONValue], mergeKey: String, kind: GoKind) {
            self.mergeKey = mergeKey
            self.kind = kind
            for (index, item) in list.enumerated() where table[identity(item)] == nil {
                table[identity(item)] = index
            }
        }

        subscript(item: JSONValue) -> Int? { table[identity(item)] }

        private func identity(_ item: JSONValue) -> JSONValue {
            kind == .object ? (item.objectValue?[mergeKey] ?? .null) : item
        }
    }
}
