import SwiftletAPI

/// What one LIST or WATCH asks for: a namespace, a name, label and field selectors.
public struct WatchFilter: Sendable {
    public var namespace: String?
    public var name: String?
    public var labelSelector: LabelSelector
    public var fieldSelector: FieldSelector
    /// Computes the selectable fields of an object for the field selector (per kind).
    public var fields: @Sendable (JSONValue) -> [String: String]

    public init(namespace: String? = nil, name: String? = nil, labelSelector: LabelSelector = .everything,
                fieldSelector: FieldSelector = FieldSelector(), fields: @escaping @Sendable (JSONValue) -> [String: String]) {
        self.namespace = namespace
        self.name = name
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.fields = fields
    }

    public func matches(_ o: CachedObject) -> Bool {
        if let namespace, o.namespace != namespace { return false }
        if let name, o.name != name { return false }
        if !labelSelector.isEmpty, !labelSelector.matches(o.labels) { return false }
        if !fieldSelector.isEmpty, !fieldSelector.matches(fields(o.object)) { return false }
        return true
    }
}
