import Collections

/// Strategic merge patch (`application/strategic-merge-patch+json`) for one API type, as
/// k8s.io/apimachinery/pkg/util/strategicpatch implements it.
///
/// The schema's `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key` decide how lists merge:
/// by merge key (`merge` on lists of objects), as sets (`merge` on lists of scalars), or by replacement.
/// Directives: `$patch: replace | merge | delete`, `$setElementOrder/<list>`, `$retainKeys`,
/// `$deleteFromPrimitiveList/<list>`.
public struct StrategicMergePatch: Sendable {
    /// The definition of the patched type, such as `io.k8s.api.core.v1.Pod`.
    public let definitionName: String
    public let schemas: any SchemaLookup

    public init(definitionName: String, schemas: any SchemaLookup) {
        self.definitionName = definitionName
        self.schemas = schemas
    }

    /// Applies `patch` to `original` as kube-apiserver does for a PATCH request.
    ///
    /// A `null` patch changes nothing; a patch that is not an object is a bad request.
    public func apply(_ patch: JSONValue, to original: JSONValue) throws(PatchError) -> JSONValue {
        let patchObject: JSONObject
        switch patch {
        case .null: return original
        case .object(let object): patchObject = object
        default:
            throw PatchError(.badRequest, "json: cannot unmarshal \(patch.typeName) into Go value of type map[string]interface {}")
        }
        guard case .object(let originalObject) = original else { throw PatchError.badJSONDocument }
        let applier = StrategicMergeApplier(mergeParallelList: true, ignoreUnmatchedNulls: true)
        return .object(try applier.mergeMap(originalObject, patchObject, root))
    }

    /// The patch that turns `original` into `modified` (what `kubectl edit`, `set image`, `cordon` send),
    /// with keys sorted as Go writes them.
    public func createTwoWayMergePatch(original: JSONValue, modified: JSONValue) throws(PatchError) -> JSONValue {
        let differ = StrategicMergeDiffer(options: .init(setElementOrder: true))
        let patch = try differ.diffMaps(try document(original), try document(modified), root)
        return JSONValue.object(patch).sortingKeys
    }

    /// The patch `kubectl apply` sends: changes from `current` (the live object) to `modified` (the new
    /// configuration), plus the deletions from `original` (the last-applied configuration) to `modified`.
    ///
    /// With `overwrite` false, a patch that changes what someone else changed since the last apply is a conflict.
    public func createThreeWayMergePatch(
        original: JSONValue, modified: JSONValue, current: JSONValue, overwrite: Bool = true
    ) throws(PatchError) -> JSONValue {
        let original = try document(original), modified = try document(modified), current = try document(current)
        let delta = try StrategicMergeDiffer(options: .init(setElementOrder: true, ignoreDeletions: true))
            .diffMaps(current, modified, root)
        let deletions = try StrategicMergeDiffer(options: .init(setElementOrder: true, ignoreChangesAndAdditions: true))
            .diffMaps(original, modified, root)
        let patch = try StrategicMergeApplier(mergeParallelList: false, ignoreUnmatchedNulls: false)
            .mergeMap(deletions, delta, root)
        if !overwrite {
            let changed = try StrategicMergeDiffer(options: .init()).diffMaps(original, current, root)
            if try StrategicMergeConflicts.mapsConflict(patch, changed, root) {
                let patchText = JSONSerializer.pretty(JSONValue.object(patch).sortingKeys)
                let changedText = JSONSerializer.pretty(JSONValue.object(changed).sortingKeys)
                throw PatchError(.conflict, "patch:\n\(patchText)\nconflicts with changes made from original to current:\n\(changedText)\n")
            }
        }
        return JSONValue.object(patch).sortingKeys
    }

    private var root: PatchSchemaNode {
        .definition(named: definitionName, in: schemas)
    }

    /// An empty or null document counts as `{}`, as upstream treats empty input.
    private func document(_ value: JSONValue) throws(PatchError) -> JSONObject {
        switch value {
        case .null: return [:]
        case .object(let object): return object
        default: throw PatchError.badJSONDocument
        }
    }

    static let directiveMarker = "$patch"
    static let deleteDirective = "delete"
    static let replaceDirective = "replace"
    static let mergeDirective = "merge"
    static let retainKeysStrategy = "retainKeys"
    static let retainKeysDirective = "$retainKeys"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList"
    static let setElementOrderPrefix = "$setElementOrder"
}
