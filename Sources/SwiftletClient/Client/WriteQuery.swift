/// The query of a create, update or patch (upstream's `CreateOptions`, `UpdateOptions`, `PatchOptions`).
public struct WriteQuery: Sendable, Hashable {
    /// How the server treats unknown or duplicate fields in the body.
    public enum FieldValidation: String, Sendable, Hashable {
        case strict = "Strict"
        case warn = "Warn"
        case ignore = "Ignore"
    }

    /// The manager recorded in managedFields; without it the server takes the client's `User-Agent` product.
    public var fieldManager: String?
    /// Validate and admit, but keep nothing.
    public var dryRun: Bool
    public var fieldValidation: FieldValidation?
    /// For server-side apply: take over fields other managers own instead of failing with a conflict.
    public var force: Bool

    public init(fieldManager: String? = nil, dryRun: Bool = false, fieldValidation: FieldValidation? = nil, force: Bool = false) {
        self.fieldManager = fieldManager
        self.dryRun = dryRun
        self.fieldValidation = fieldValidation
        self.force = force
    }

    var queryItems: [APIRequest.QueryItem] {
        var items: [APIRequest.QueryItem] = []
        if let fieldManager { items.append(.init("fieldManager", fieldManager)) }
        if dryRun { items.append(.init("dryRun", "All")) }
        if let fieldValidation { items.append(.init("fieldValidation", fieldValidation.rawValue)) }
        if force { items.append(.init("force", "true")) }
        return items
    }
}
