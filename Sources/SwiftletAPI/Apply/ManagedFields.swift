/// A `metadata.managedFields` entry that cannot be decoded, worded as upstream's `DecodeManagedFields`.
public struct ManagedFieldsError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// An object's `metadata.managedFields`, decoded: one field set and timestamp per manager identity.
public struct ManagedFields: Sendable, Hashable {
    public var fields: [ManagerIdentity: VersionedFieldSet]
    public var times: [ManagerIdentity: Time]

    public init(fields: [ManagerIdentity: VersionedFieldSet] = [:], times: [ManagerIdentity: Time] = [:]) {
        self.fields = fields
        self.times = times
    }

    public var isEmpty: Bool { fields.isEmpty }

    /// Decodes the entries of `metadata.managedFields` (nil or null for none). A later entry with the same
    /// identity replaces an earlier one, as upstream.
    public init(entries: JSONValue?) throws(ManagedFieldsError) {
        self.init()
        guard let entries, !entries.isNull else { return }
        guard case .array(let list) = entries else { throw ManagedFieldsError("managedFields must be a list, got \(entries.typeName)") }
        for (i, entry) in list.enumerated() {
            guard case .object(let object) = entry else { throw ManagedFieldsError("managed fields entry \(i) must be an object") }
            let operation: ManagedFieldsOperation
            switch object["operation"]?.stringValue {
            case "Apply": operation = .apply
            case "Update": operation = .update
            default: throw ManagedFieldsError("operation must be `Apply` or `Update`")
            }
            guard let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty else {
                throw ManagedFieldsError("apiVersion must not be empty")
            }
            switch object["fieldsType"]?.stringValue ?? "" {
            case "FieldsV1": break
            case "": throw ManagedFieldsError("missing fieldsType in managed fields entry \(i)")
            case let other: throw ManagedFieldsError("invalid fieldsType \(goQuote(other)) in managed fields entry \(i)")
            }
            let set: FieldSet
            do {
                let sent = object["fieldsV1"] ?? .null
                set = try FieldSet(fieldsV1: sent.isNull ? .object([:]) : sent)
            } catch {
                throw ManagedFieldsError("error decoding versioned set: error decoding set: \(error)")
            }
            let identity = ManagerIdentity(
                manager: object["manager"]?.stringValue ?? "", operation: operation, apiVersion: apiVersion,
                subresource: object["subresource"]?.stringValue)
            fields[identity] = VersionedFieldSet(fields: set, apiVersion: apiVersion, applied: operation == .apply)
            if let text = object["time"]?.stringValue, let date = RFC3339.parse(text) {
                times[identity] = Time(date)
            } else if object["time"].map({ !$0.isNull }) == true {
                throw ManagedFieldsError("managed fields entry \(i): invalid time")
            } else {
                times[identity] = nil
            }
        }
    }

    /// The entries as the API serves them, in upstream's order (applies first, then by time, manager, version
    /// and subresource); nil when there are none, so that the field is left out.
    public var entries: JSONValue? {
        guard !fields.isEmpty else { return nil }
        let ordered = fields.keys.sorted { a, b in
            if a.operation != b.operation { return a.operation.rawValue < b.operation.rawValue }
            let ta = times[a].map { Int64($0.date.timeIntervalSince1970) } ?? 0
            let tb = times[b].map { Int64($0.date.timeIntervalSince1970) } ?? 0
            if ta != tb { return ta < tb }
            if a.manager != b.manager { return goStringLess(a.manager, b.manager) }
            let (va, vb) = (fields[a]!.apiVersion, fields[b]!.apiVersion)
            if va != vb { return goStringLess(va, vb) }
            return goStringLess(a.subresource ?? "", b.subresource ?? "")
        }
        return .array(ordered.map(entry))
    }

    private func entry(_ identity: ManagerIdentity) -> JSONValue {
        let versioned = fields[identity]!
        var object = JSONObject()
        if !identity.manager.isEmpty { object["manager"] = .string(identity.manager) }
        object["operation"] = .string(versioned.applied ? ManagedFieldsOperation.apply.rawValue : identity.operation.rawValue)
        if !versioned.apiVersion.isEmpty { object["apiVersion"] = .string(versioned.apiVersion) }
        if let time = times[identity] { object["time"] = .string(time.rfc3339) }
        object["fieldsType"] = "FieldsV1"
        object["fieldsV1"] = versioned.fields.fieldsV1
        if let subresource = identity.subresource { object["subresource"] = .string(subresource) }
        return .object(object)
    }

    /// Whether a client's `managedFields` asks to clear them: an empty list, or a list of one empty entry.
    static func isReset(_ entries: JSONValue?) -> Bool {
        guard case .array(let list)? = entries else { return false }
        if list.isEmpty { return true }
        guard list.count == 1, case .object(let object) = list[0] else { return false }
        return object.values.allSatisfy { $0.isNull || $0 == "" }
    }
}

extension ManagedFields {
    /// At most `maxUpdaters` update entries: the oldest are merged, per API version, into an
    /// `ancient-changes` entry (upstream's `capManagersManager`).
    mutating func capUpdaters(at maxUpdaters: Int = 10) {
        var updaters = fields.filter { !$0.value.applied }.map(\.key)
        guard updaters.count > maxUpdaters else { return }
        updaters.sort { a, b in
            let ta = times[a].map { Int64($0.date.timeIntervalSince1970) } ?? 0
            let tb = times[b].map { Int64($0.date.timeIntervalSince1970) } ?? 0
            if ta != tb { return ta < tb }
            return goStringLess(a.identifier, b.identifier)
        }
        var firstByVersion: [String: ManagerIdentity] = [:]
        var count = updaters.count
        for manager in updaters where count > maxUpdaters {
            guard let versioned = fields[manager] else { continue }
            let version = versioned.apiVersion
            let bucket = ManagerIdentity(manager: "ancient-changes", operation: .update, apiVersion: version)
            guard let first = firstByVersion[version] else {
                firstByVersion[version] = manager
                continue
            }
            if fields[bucket] == nil {
                fields[bucket] = fields.removeValue(forKey: first)
            }
            fields[bucket] = VersionedFieldSet(
                fields: versioned.fields.union(fields[bucket]?.fields ?? FieldSet()), apiVersion: version,
                applied: versioned.applied)
            if manager != bucket { fields[manager] = nil }
            count -= 1
            times[bucket] = times[manager]
        }
    }
}
