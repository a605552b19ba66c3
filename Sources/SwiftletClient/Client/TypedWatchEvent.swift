/// A watch event with its object decoded; `ERROR` events are thrown as `APIError` instead.
public enum TypedWatchEvent<Object: Sendable>: Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    /// The server's progress: a later watch may resume from this resourceVersion.
    case bookmark(resourceVersion: String)
}
