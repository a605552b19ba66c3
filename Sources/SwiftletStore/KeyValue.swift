/// One version of a key: its value and the revisions that created and last modified it.
public struct KeyValue: Sendable, Hashable {
    /// The key, compared and ordered as UTF-8 bytes (like etcd).
    public var key: String
    /// The stored bytes (for the API server, an object's JSON).
    public var value: [UInt8]
    /// The revision at which the key was created (since its last delete).
    public var createRevision: Int64
    /// The revision of the write that produced this version; for a deleted key, the delete's revision.
    public var modRevision: Int64

    public init(key: String, value: [UInt8], createRevision: Int64, modRevision: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
    }
}

/// What a watch event reports: a put (create or update) or a delete.
public enum WatchEventType: Sendable, Hashable {
    case put
    case delete
}

/// One committed write as seen by a watcher.
public struct StoreEvent: Sendable, Hashable {
    /// Put (create or update) or delete.
    public var type: WatchEventType
    /// The new version; for a delete, the deleted key with the delete's revision and its last value.
    public var kv: KeyValue
    /// The version this write replaced; nil for a create.
    public var prevKV: KeyValue?

    public init(type: WatchEventType, kv: KeyValue, prevKV: KeyValue?) {
        self.type = type
        self.kv = kv
        self.prevKV = prevKV
    }

    /// The revision of the write (every write has its own).
    public var revision: Int64 { kv.modRevision }

    /// True for the put that created the key.
    public var isCreate: Bool { type == .put && kv.createRevision == kv.modRevision }
}

/// A page of a range read.
public struct ListResult: Sendable, Hashable {
    /// Live keys in UTF-8 byte order.
    public var kvs: [KeyValue]
    /// The revision the list was read at.
    public var revision: Int64
    /// True when keys after the last returned one exist (continue with `startAfter: kvs.last!.key`).
    public var more: Bool
    /// How many matching keys follow the last returned one (0 when `more` is false).
    public var remaining: Int64?

    public init(kvs: [KeyValue], revision: Int64, more: Bool, remaining: Int64?) {
        self.kvs = kvs
        self.revision = revision
        self.more = more
        self.remaining = remaining
    }
}
