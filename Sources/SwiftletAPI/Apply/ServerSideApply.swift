/// Server-side apply (`PATCH` with `application/apply-patch+yaml`), as upstream's field manager applies.
public enum ServerSideApply {
    /// Merges `config` into `live` (nil to create) for `manager` and returns the object to store, with
    /// `metadata.managedFields` holding the manager's Apply entry.
    ///
    /// Map lists merge by key, set lists by value, atomic lists and maps are replaced, other maps merge by key.
    /// Fields the manager applied before and omits now are removed unless another manager owns them. A field
    /// the configuration changes that another manager owns is a conflict: with `force` it moves to this
    /// manager, otherwise the apply fails with upstream's 409. For the `kubectl` manager, conflicts on fields
    /// the client-side apply annotation records are forced, and that annotation is kept up to date.
    public static func apply(
        live: JSONValue?, config: JSONValue, manager: String, force: Bool, kind: GroupVersionKind,
        subresource: String? = nil, now: Time = .now(), resetFields: FieldSet? = nil
    ) throws(ApplyError) -> JSONValue {
        try checkKind(of: config, is: kind)
        if let sent = config[path: ["metadata", "managedFields"]], !sent.isNull {
            throw .badRequest("metadata.managedFields must be nil")
        }
        var managed: ManagedFields
        do {
            managed = try ManagedFields(entries: live?[path: ["metadata", "managedFields"]])
        } catch {
            throw .internalError("failed to decode managed fields: \(error)")
        }
        var base = live
        base?.removeManagedFields()

        let type = FieldType(kind: kind)
        let configFields: FieldSet
        do {
            configFields = try FieldSet.leaves(of: config, type: type, strict: true)
        } catch {
            throw .internalError("failed to create typed patch object (\(describe(config, kind))): \(error)")
        }
        let updater = StructuredMergeUpdater(type: type, ignored: resetFields ?? ResetFields.default(for: kind, subresource: subresource))
        let identity = ManagerIdentity(manager: manager, operation: .apply, subresource: subresource)
        func run(force: Bool) throws(ApplyError) -> (JSONValue?, [ManagerIdentity: VersionedFieldSet]) {
            var fields = managed.fields
            let merged = try updater.apply(
                live: base, config: config, configFields: configFields, version: kind.apiVersion, managers: &fields,
                manager: identity, force: force)
            return (merged, fields)
        }

        var outcome: (merged: JSONValue?, fields: [ManagerIdentity: VersionedFieldSet])
        do {
            outcome = try run(force: force)
        } catch {
            guard manager == "kubectl", case .conflicts(let conflicts) = error,
                let allowed = LastAppliedConfiguration.allowedConflicts(live: base, kind: kind, type: type)
            else { throw error }
            let remaining = conflicts.filter { !allowed.contains($0.path) }
            if !remaining.isEmpty { throw .conflicts(remaining) }
            outcome = try run(force: true)
        }

        managed.fields = outcome.fields
        if let applied = managed.fields[identity] {
            let owned = applied.fields.subtracting(ResetFields.serverOwnedMetadata)
            managed.fields[identity] = owned.isEmpty ? nil : VersionedFieldSet(fields: owned, apiVersion: applied.apiVersion, applied: true)
        }
        var result: JSONValue
        if let merged = outcome.merged {
            result = merged
            managed.times[identity] = now
        } else {
            result = base ?? .object([:])
        }
        if manager == "kubectl" {
            result = LastAppliedConfiguration.updating(result, from: config)
        }
        result.setManagedFields(managed)
        return result
    }

    /// Upstream's version check: the configuration must be of the kind being applied to.
    private static func checkKind(of config: JSONValue, is kind: GroupVersionKind) throws(ApplyError) {
        let apiVersion = config["apiVersion"]?.stringValue ?? ""
        let parts = apiVersion.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let (group, version) = parts.count == 2 ? (parts[0], parts[1]) : ("", apiVersion)
        let sentKind = config["kind"]?.stringValue ?? ""
        guard group == kind.group, version == kind.version, sentKind == kind.kind else {
            throw .badRequest("invalid object type: \(group)/\(version), Kind=\(sentKind)")
        }
    }

    /// `namespace/name; group/version, Kind=kind`, as upstream names an object in errors.
    private static func describe(_ object: JSONValue, _ kind: GroupVersionKind) -> String {
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        return "\(namespace)/\(name); \(kind.group)/\(kind.version), Kind=\(kind.kind)"
    }
}
