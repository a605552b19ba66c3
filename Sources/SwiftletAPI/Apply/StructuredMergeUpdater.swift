/// The ownership bookkeeping of structured-merge-diff's `merge.Updater`, over Swiftlet's JSON objects:
/// who owns which fields after an update, and the merged object and owners after an apply.
///
/// Every kind is served in one version, so the per-version conversions upstream makes are not needed.
struct StructuredMergeUpdater {
    let type: FieldType
    /// The reset fields (such as `status` for the main resource), which no writer comes to own.
    let ignored: FieldSet

    typealias Managers = [ManagerIdentity: VersionedFieldSet]

    /// Takes the changed fields away from every manager but `workflow`: conflicting ones (modified or added
    /// fields another manager owns) unless `force` is off, in which case they are thrown; removed ones always.
    func update(
        old: JSONValue?, new: JSONValue, managers: inout Managers, workflow: ManagerIdentity, force: Bool
    ) throws(ApplyError) -> ObjectComparison {
        let comparison = ObjectComparison(old: old, new: new, type: type).excluding(ignored)
        let changed = comparison.modified.union(comparison.added)
        var conflicts: [ManagerIdentity: FieldSet] = [:]
        for (manager, versioned) in managers where manager != workflow {
            let conflicting = versioned.fields.intersection(changed)
            if !conflicting.isEmpty { conflicts[manager] = conflicting }
        }
        if !force && !conflicts.isEmpty {
            throw .conflicts(Self.conflictList(conflicts))
        }
        for (manager, var versioned) in managers where manager != workflow {
            versioned.fields = versioned.fields.subtracting(conflicts[manager] ?? FieldSet()).subtracting(comparison.removed)
            managers[manager] = versioned.fields.isEmpty ? nil : versioned
        }
        return comparison
    }

    /// A non-apply write by `manager`: it comes to own what it changed or added and loses what it removed.
    func update(old: JSONValue?, new: JSONValue, version: String, managers: inout Managers, manager: ManagerIdentity) {
        // Force is on, so nothing is thrown.
        guard let comparison = try? update(old: old, new: new, managers: &managers, workflow: manager, force: true) else { return }
        let previous = managers[manager]?.fields ?? FieldSet()
        let owned = previous.union(comparison.modified).union(comparison.added).subtracting(comparison.removed)
            .recursivelySubtracting(ignored)
        managers[manager] = owned.isEmpty ? nil : VersionedFieldSet(fields: owned, apiVersion: version, applied: false)
    }

    /// Applies `config` for `manager`: the merged object (nil when it equals `live`) and the new owners.
    func apply(
        live: JSONValue?, config: JSONValue, configFields: FieldSet, version: String, managers: inout Managers,
        manager: ManagerIdentity, force: Bool
    ) throws(ApplyError) -> JSONValue? {
        let base = live ?? .object([:])
        var merged = ObjectMerge.merge(live: base, config: config, type: type)
        let lastSet = managers[manager]
        managers[manager] = VersionedFieldSet(fields: configFields.recursivelySubtracting(ignored), apiVersion: version, applied: true)
        merged = prune(merged, managers: managers, lastSet: lastSet?.fields)
        _ = try update(old: base, new: merged, managers: &managers, workflow: manager, force: force)
        if merged.isJSONEqual(to: base) { return nil }
        return merged
    }

    /// Removes what `manager` applied last time but not this time, unless another manager (or this
    /// configuration) still owns it, or it was never the applier's (upstream's `prune` with
    /// `addBackOwnedItems` and `addBackDanglingItems`).
    private func prune(_ merged: JSONValue, managers: Managers, lastSet: FieldSet?) -> JSONValue {
        guard let lastSet, !lastSet.isEmpty else { return merged }
        let last = lastSet.withNamedFieldsAsMembers(type)
        var pruned = FieldRemoval.remove(last, from: merged, type: type)

        var owned = FieldSet()
        for versioned in managers.values { owned.formUnion(versioned.fields) }
        let mergedSet = leaves(merged)
        var prunedSet = leaves(pruned)
        pruned = FieldRemoval.remove(mergedSet.subtracting(prunedSet.union(owned.withNamedFieldsAsMembers(type))), from: merged, type: type)

        prunedSet = leaves(pruned)
        return FieldRemoval.remove(mergedSet.subtracting(prunedSet).intersection(last), from: merged, type: type)
    }

    /// An object's leaves with named fields as members, as prune compares them.
    private func leaves(_ object: JSONValue) -> FieldSet {
        ((try? FieldSet.leaves(of: object, type: type, strict: false)) ?? FieldSet()).withNamedFieldsAsMembers(type)
    }

    /// One conflict per path, managers in upstream's identifier order and paths in set order.
    static func conflictList(_ conflicts: [ManagerIdentity: FieldSet]) -> [ApplyConflict] {
        conflicts.keys.sorted { goStringLess($0.identifier, $1.identifier) }.flatMap { manager in
            conflicts[manager]!.paths.map { ApplyConflict(manager: manager, path: $0) }
        }
    }
}
