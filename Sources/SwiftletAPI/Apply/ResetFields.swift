/// The fields a write through one endpoint never comes to own, as upstream strategies' `GetResetFields`:
/// the main resource resets `status`, the `status` subresource resets `spec` (and, for pods, the metadata
/// the status endpoint may not change).
public enum ResetFields {
    public static func `default`(for kind: GroupVersionKind, subresource: String?, registry: SchemaRegistry = .shared) -> FieldSet {
        let properties = registry.definition(for: kind)?.properties
        var set = FieldSet()
        switch subresource {
        case nil:
            if properties?["status"] != nil { set.insert(FieldPath(fields: "status")) }
        case "status":
            if properties?["spec"] != nil { set.insert(FieldPath(fields: "spec")) }
            if kind.group.isEmpty && kind.kind == "Pod" {
                set.insert(FieldPath(fields: "metadata", "deletionTimestamp"))
                set.insert(FieldPath(fields: "metadata", "ownerReferences"))
            }
        default:
            break
        }
        return set
    }

    /// What upstream's strip-meta manager removes from every manager's set: type meta and the metadata the
    /// server owns.
    static let serverOwnedMetadata = FieldSet([
        FieldPath(fields: "apiVersion"), FieldPath(fields: "kind"), FieldPath(fields: "metadata"),
        FieldPath(fields: "metadata", "name"), FieldPath(fields: "metadata", "namespace"),
        FieldPath(fields: "metadata", "creationTimestamp"), FieldPath(fields: "metadata", "selfLink"),
        FieldPath(fields: "metadata", "uid"), FieldPath(fields: "metadata", "clusterName"),
        FieldPath(fields: "metadata", "generation"), FieldPath(fields: "metadata", "managedFields"),
        FieldPath(fields: "metadata", "resourceVersion"),
    ])
}
