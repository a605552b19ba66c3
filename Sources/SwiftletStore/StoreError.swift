/// Why a store operation failed; each case carries what the caller needs to react.
public enum StoreError: Error, Sendable, Equatable {
    /// A create found the key live.
    case keyExists(key: String)
    /// An update or delete found no live key.
    case notFound(key: String)
    /// A compare-and-swap lost: the key's mod revision is no longer the expected one.
    case conflict(key: String, current: KeyValue?)
    /// The requested revision is older than the compacted revision (HTTP 410 Gone for the API server).
    case compacted(requested: Int64, compactRevision: Int64)
    /// The requested revision has not been written yet.
    case futureRevision(requested: Int64, current: Int64)
    /// A watcher did not drain its buffer in time and was ended; the client should re-list.
    case watcherTooSlow(prefix: String, bufferedEvents: Int)
    /// The datastore endpoint could not be understood or is not supported.
    case unsupportedEndpoint(endpoint: String, reason: String)
    /// The store was closed.
    case closed
    /// An unexpected failure of the backend (I/O, corruption); the message says what failed.
    case `internal`(String)
}

extension StoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .keyExists(let key):
            return "key \(key) already exists"
        case .notFound(let key):
            return "key \(key) not found"
        case .conflict(let key, let current):
            if let current {
                return "conflict on key \(key): its current revision is \(current.modRevision)"
            }
            return "conflict on key \(key): it no longer exists"
        case .compacted(let requested, let compactRevision):
            return "revision \(requested) has been compacted (compacted up to \(compactRevision))"
        case .futureRevision(let requested, let current):
            return "revision \(requested) is in the future (current revision is \(current))"
        case .watcherTooSlow(let prefix, let buffered):
            return "watch on \(prefix) fell behind by more than \(buffered) events and was closed; re-list and watch again"
        case .unsupportedEndpoint(let endpoint, let reason):
            return "unsupported datastore endpoint \(endpoint): \(reason)"
        case .closed:
            return "the store is closed"
        case .internal(let message):
            return "internal store error: \(message)"
        }
    }
}
