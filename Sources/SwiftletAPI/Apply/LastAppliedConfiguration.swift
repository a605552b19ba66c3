/// kubectl's client-side apply annotation, which upstream consults so that `kubectl apply --server-side` can
/// take over objects that `kubectl apply` (client-side) created, and keeps up to date afterwards.
enum LastAppliedConfiguration {
    static let annotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// The fields the annotation on `live` says kubectl applied and that still hold those values: conflicts on
    /// them are no conflicts for the `kubectl` manager. Nil when there is no usable annotation.
    static func allowedConflicts(live: JSONValue?, kind: GroupVersionKind, type: FieldType) -> FieldSet? {
        guard let live, let text = live[path: ["metadata", "annotations", annotation]]?.stringValue, !text.isEmpty,
            let lastApplied = try? JSONParser.parse(text), lastApplied["apiVersion"]?.stringValue == kind.apiVersion,
            let applied = try? FieldSet.leaves(of: lastApplied, type: type, strict: true)
        else { return nil }
        let comparison = ObjectComparison(old: lastApplied, new: live, type: type)
        return applied.subtracting(comparison.modified).subtracting(comparison.added).subtracting(comparison.removed)
    }

    /// `object` with the annotation rewritten from `config` when the object carries one, as upstream's
    /// `lastAppliedUpdater` does for the `kubectl` manager.
    static func updating(_ object: JSONValue, from config: JSONValue) -> JSONValue {
        guard let current = object[path: ["metadata", "annotations", annotation]]?.stringValue, !current.isEmpty else { return object }
        var applied = config
        if var annotations = applied[path: ["metadata", "annotations"]]?.objectValue {
            annotations[annotation] = nil
            applied.set(path: ["metadata", "annotations"], to: .object(annotations))
        }
        var result = object
        result.set(path: ["metadata", "annotations", annotation], to: .string(JSONSerializer.string(applied.sortingKeys) + "\n"))
        return result
    }
}
