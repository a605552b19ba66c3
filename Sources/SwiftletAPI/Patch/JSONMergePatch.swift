import Collections

/// JSON merge patch (RFC 7386, `application/merge-patch+json`) as evanphx/json-patch v4 implements it for
/// kube-apiserver: `null` deletes, objects merge recursively, anything else replaces.
public enum JSONMergePatch {
    /// Applies `patch` to `document`.
    ///
    /// Like upstream, null members are pruned from objects that are inserted rather than merged (also inside
    /// inserted lists, whose own null elements stay); a list that replaces an object is taken as it is.
    public static func apply(_ patch: JSONValue, to document: JSONValue) throws(PatchError) -> JSONValue {
        if case .null = document { throw invalidDocument }
        switch (document, patch) {
        case (_, .null):
            throw invalidPatch
        case (.object(var target), .object(let changes)):
            merge(changes, into: &target)
            return .object(target)
        case (_, .object), (_, .array):
            // Not two objects: upstream turns straight into the patch, minus its nulls.
            return prunedNulls(patch)
        default:
            throw invalidPatch
        }
    }

    /// The merge patch that turns `original` into `modified` (evanphx's `CreateMergePatch`), keys sorted as Go
    /// writes them. Two lists of objects give a list of patches, one per pair.
    public static func createMergePatch(original: JSONValue, modified: JSONValue) throws(PatchError) -> JSONValue {
        switch (original, modified) {
        case (.object(let a), .object(let b)):
            return JSONValue.object(difference(from: a, to: b)).sortingKeys
        case (.array(let a), .array(let b)):
            guard a.count == b.count else { throw invalidDocument }
            var patches: [JSONValue] = []
            for (left, right) in zip(a, b) {
                guard case .object(let l) = left, case .object(let r) = right else { throw invalidDocument }
                patches.append(JSONValue.object(difference(from: l, to: r)).sortingKeys)
            }
            return .array(patches)
        case (.array, _), (_, .array):
            throw PatchError(.internalError, "Mismatched JSON Documents")
        default:
            throw invalidDocument
        }
    }

    // Upstream answers a bad patch with 400 and a bad document (which the server never sends) with 500.
    static let invalidPatch = PatchError(.badRequest, "Invalid JSON Patch")
    static let invalidDocument = PatchError(.internalError, "Invalid JSON Document")

    private static func merge(_ patch: JSONObject, into target: inout JSONObject) {
        for (key, value) in patch {
            if case .null = value {
                target.removeValue(forKey: key)
                continue
            }
            switch (target[key], value) {
            case (nil, _), (.null?, _):
                target[key] = prunedNulls(value)
            case (.object(var current)?, .object(let changes)):
                target[key] = .null // releases the stored copy before `current` is merged
                merge(changes, into: &current)
                target[key] = .object(current)
            case (.object?, _):
                target[key] = value
            default:
                target[key] = prunedNulls(value)
            }
        }
    }

    static func prunedNulls(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var pruned = JSONObject()
            pruned.reserveCapacity(object.count)
            for (key, member) in object where !member.isNull { pruned[key] = prunedNulls(member) }
            return .object(pruned)
        case .array(let array):
            return .array(array.map(prunedNulls))
        default:
            return value
        }
    }

    private static func difference(from a: JSONObject, to b: JSONObject) -> JSONObject {
        var patch = JSONObject()
        for (key, newValue) in b {
            guard let oldValue = a[key] else {
                patch[key] = newValue
                continue
            }
            switch (oldValue, newValue) {
            case (.object(let old), .object(let new)):
                let nested = difference(from: old, to: new)
                if !nested.isEmpty { patch[key] = .object(nested) }
            default:
                if !oldValue.isJSONEqual(to: newValue) { patch[key] = newValue }
            }
        }
        for key in a.keys where b[key] == nil {
            patch[key] = .null
        }
        return patch
    }
}
