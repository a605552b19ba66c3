import SwiftletAPI

/// The query of a LIST, WATCH or DELETE of a collection (upstream's `metav1.ListOptions`).
public struct ListQuery: Sendable, Hashable {
    public var labelSelector: LabelSelector?
    public var fieldSelector: FieldSelector?
    /// The most items one page holds; the list's `continueToken` then fetches the next.
    public var limit: Int?
    public var continueToken: String?
    /// For a list, the revision to read at (`"0"`: any); for a watch, the revision to start after.
    public var resourceVersion: String?
    public var resourceVersionMatch: String?
    /// For a watch, when the server ends it.
    public var timeoutSeconds: Int?
    /// For a watch, whether the server may send `BOOKMARK` events carrying its progress.
    public var allowWatchBookmarks: Bool

    public init(labelSelector: LabelSelector? = nil, fieldSelector: FieldSelector? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil, resourceVersionMatch: String? = nil,
                timeoutSeconds: Int? = nil, allowWatchBookmarks: Bool = false) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
        self.timeoutSeconds = timeoutSeconds
        self.allowWatchBookmarks = allowWatchBookmarks
    }

    /// The query parameters, `watch=true` added for a watch.
    func queryItems(watch: Bool = false) -> [APIRequest.QueryItem] {
        var items: [APIRequest.QueryItem] = []
        if let s = labelSelector, !s.isEmpty { items.append(.init("labelSelector", s.description)) }
        if let s = fieldSelector, !s.isEmpty { items.append(.init("fieldSelector", s.description)) }
        if let limit, !watch { items.append(.init("limit", String(limit))) }
        if let continueToken, !watch { items.append(.init("continue", continueToken)) }
        if let resourceVersion { items.append(.init("resourceVersion", resourceVersion)) }
        if let resourceVersionMatch, !watch { items.append(.init("resourceVersionMatch", resourceVersionMatch)) }
        if watch {
            items.append(.init("watch", "true"))
            if allowWatchBookmarks { items.append(.init("allowWatchBookmarks", "true")) }
            if let timeoutSeconds { items.append(.init("timeoutSeconds", String(timeoutSeconds))) }
        }
        return items
    }
}
