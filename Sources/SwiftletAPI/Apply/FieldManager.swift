/// Tracks field ownership on every non-apply write (create, update, patch), as upstream's field manager does
/// for `Update` operations.
public enum FieldManager {
    /// `new` with `metadata.managedFields` brought up to date for a write by `manager`.
    ///
    /// The fields whose values changed or appeared become owned by `manager`'s Update entry (for `kind`'s API
    /// version and `subresource`), whose time becomes `now`, and are taken from other managers; removed fields
    /// leave every set. Managed fields sent by the client replace the stored ones when they are set and valid
    /// (an empty list, or one empty entry, clears them), except through a subresource; otherwise the stored
    /// ones are kept. An existing object that has no managed fields does not start tracking through an update.
    public static func update(
        old: JSONValue?, new: JSONValue, manager: String, subresource: String? = nil, kind: GroupVersionKind,
        now: Time = .now(), resetFields: FieldSet? = nil
    ) -> JSONValue {
        var managed = decode(old: old, new: new, subresource: subresource)
        let liveUID = old?[path: ["metadata", "uid"]]?.stringValue ?? ""
        var result = new
        result.removeManagedFields()
        if managed.isEmpty && old != nil && !liveUID.isEmpty {
            return result
        }

        let type = FieldType(kind: kind)
        let ignored = resetFields ?? ResetFields.default(for: kind, subresource: subresource)
        var live = old ?? emptyObject(type)
        live.removeManagedFields()
        let updater = StructuredMergeUpdater(type: type, ignored: ignored)
        let current = ManagerIdentity.currentOperation
        updater.update(old: live, new: result, version: kind.apiVersion, managers: &managed.fields, manager: current)

        if let written = managed.fields.removeValue(forKey: current) {
            let owned = written.fields.subtracting(ResetFields.serverOwnedMetadata)
            if !owned.isEmpty {
                let identity = ManagerIdentity(manager: manager, operation: .update, apiVersion: kind.apiVersion, subresource: subresource)
                let previous = managed.fields[identity]?.fields ?? FieldSet()
                managed.fields[identity] = VersionedFieldSet(fields: owned.union(previous), apiVersion: kind.apiVersion, applied: false)
                managed.times[identity] = now
            }
        }
        managed.capUpdaters()
        result.setManagedFields(managed)
        return result
    }

    /// The manager a request writes as: its `fieldManager` parameter, or else its User-Agent up to the first
    /// `/` (`kubectl/v1.32.0 (linux/amd64)` is `kubectl`), printable characters only, at most 128 bytes.
    public static func managerName(fieldManager: String?, userAgent: String?) -> String {
        if let fieldManager, !fieldManager.isEmpty { return fieldManager }
        let prefix = (userAgent ?? "").split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var name = ""
        for scalar in prefix.unicodeScalars where isPrintable(scalar) {
            if name.utf8.count + String(scalar).utf8.count > 128 { break }
            name.unicodeScalars.append(scalar)
        }
        return name
    }

    /// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator: return false
        case .spaceSeparator: return scalar == " "
        default: return true
        }
    }

    /// The managed fields a write starts from.
    private static func decode(old: JSONValue?, new: JSONValue, subresource: String?) -> ManagedFields {
        let stored = { (try? ManagedFields(entries: old?[path: ["metadata", "managedFields"]])) ?? ManagedFields() }
        if subresource != nil { return stored() }
        let sent = new[path: ["metadata", "managedFields"]]
        if ManagedFields.isReset(sent) { return ManagedFields() }
        guard let decoded = try? ManagedFields(entries: sent), !decoded.isEmpty else { return stored() }
        return decoded
    }

    /// What upstream compares a created object with: a new object of the kind, whose non-pointer `metadata`,
    /// `spec` and `status` are present and empty (so a creator does not own `spec` itself, only what is in it).
    static func emptyObject(_ type: FieldType) -> JSONValue {
        var object = JSONObject()
        for field in ["metadata", "spec", "status"] {
            if let fieldType = type.declaredField(field), case .structure = fieldType.shape { object[field] = .object([:]) }
        }
        return .object(object)
    }
}

extension JSONValue {
    /// Drops `metadata.managedFields`.
    public mutating func removeManagedFields() {
        guard var metadata = self["metadata"]?.objectValue, metadata["managedFields"] != nil else { return }
        metadata["managedFields"] = nil
        self["metadata"] = .object(metadata)
    }

    mutating func setManagedFields(_ managed: ManagedFields) {
        guard case .object = self else { return }
        let entries = managed.entries
        if entries == nil && self["metadata"] == nil { return }
        var metadata = self["metadata"]?.objectValue ?? [:]
        metadata["managedFields"] = entries
        self["metadata"] = .object(metadata)
    }
}
