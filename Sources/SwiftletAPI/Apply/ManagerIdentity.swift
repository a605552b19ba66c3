/// The operation a `managedFields` entry records: server-side apply, or any other write.
public enum ManagedFieldsOperation: String, Sendable, Hashable {
    case apply = "Apply"
    case update = "Update"
}

/// What makes two `managedFields` entries the same entry upstream (`BuildManagerIdentifier`): the manager,
/// the operation, the subresource, and for updates the API version (appliers keep one entry across versions).
public struct ManagerIdentity: Sendable, Hashable, CustomStringConvertible {
    public var manager: String
    public var operation: ManagedFieldsOperation
    /// Set for updates only.
    public var apiVersion: String?
    public var subresource: String?

    public init(manager: String, operation: ManagedFieldsOperation, apiVersion: String? = nil, subresource: String? = nil) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = operation == .update && apiVersion?.isEmpty == false ? apiVersion : nil
        self.subresource = subresource?.isEmpty == true ? nil : subresource
    }

    /// The placeholder upstream's update path uses for the write in progress before it is folded into the
    /// writer's own entry; real update identities always carry an API version, so it never collides.
    static let currentOperation = ManagerIdentity(manager: "current-operation", operation: .update)

    /// Upstream's identifier string (the entry as JSON without fields and time), which orders entries when
    /// old updates are merged and managers in conflict messages.
    var identifier: String {
        var object = JSONObject()
        if !manager.isEmpty { object["manager"] = .string(manager) }
        object["operation"] = .string(operation.rawValue)
        if let apiVersion { object["apiVersion"] = .string(apiVersion) }
        if let subresource { object["subresource"] = .string(subresource) }
        return JSONSerializer.string(.object(object))
    }

    /// The manager as upstream prints it in conflicts: `"kubectl"`, `"m" with subresource "status"`,
    /// `"kube-controller-manager" using apps/v1`.
    public var description: String {
        var text = goQuote(manager)
        if let subresource { text += " with subresource \(goQuote(subresource))" }
        if operation == .update { text += " using \(apiVersion ?? "")" }
        return text
    }
}

/// The fields one manager owns, with the API version it wrote them in and whether it applied them.
public struct VersionedFieldSet: Sendable, Hashable {
    public var fields: FieldSet
    public var apiVersion: String
    public var applied: Bool

    public init(fields: FieldSet, apiVersion: String, applied: Bool) {
        self.fields = fields
        self.apiVersion = apiVersion
        self.applied = applied
    }
}
