import SwiftletAPI

/// The `type` of a watch event.
public enum WatchEventType: String, Sendable, Hashable {
    case added = "ADDED"
    case modified = "MODIFIED"
    case deleted = "DELETED"
    case bookmark = "BOOKMARK"
    case error = "ERROR"
}

extension WatchEvent {
    /// The event's type, or nil for a type this client does not know.
    public var eventType: WatchEventType? { type.flatMap(WatchEventType.init(rawValue:)) }

    /// An event of a known type.
    public init(_ type: WatchEventType, _ object: JSONValue) {
        self.init(object: object, type: type.rawValue)
    }
}
