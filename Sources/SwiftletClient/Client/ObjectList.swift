/// One page of a LIST: the items and the revision they were read at.
public struct ObjectList<Item: Sendable>: Sendable {
    public var items: [Item]
    /// The list's resourceVersion: a watch from it sees every change after this list.
    public var resourceVersion: String
    /// Fetches the next page when the list was limited and more remain.
    public var continueToken: String?
    /// How many items remain after this page, when the server knows.
    public var remainingItemCount: Int64?

    public init(items: [Item], resourceVersion: String, continueToken: String? = nil, remainingItemCount: Int64? = nil) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
        self.remainingItemCount = remainingItemCount
    }
}
