import SwiftletAPI

/// One object as the watch cache holds it: parsed once, serialized once, shared by every list and watcher.
public final class CachedObject: Sendable {
    public let key: String
    /// The object with `metadata.resourceVersion` set to `revision`.
    public let object: JSONValue
    /// The compact JSON of `object`.
    public let bytes: [UInt8]
    public let revision: Int64
    public let namespace: String
    public let name: String
    public let labels: [String: String]

    public init(key: String, object: JSONValue, revision: Int64) {
        var object = object
        object.set(path: ["metadata", "resourceVersion"], to: .string(String(revision)))
        self.key = key
        self.object = object
        self.bytes = JSONSerializer.serialize(object)
        self.revision = revision
        let metadata = object["metadata"]
        self.namespace = metadata?["namespace"]?.stringValue ?? ""
        self.name = metadata?["name"]?.stringValue ?? ""
        var labels: [String: String] = [:]
        if case .object(let l)? = metadata?["labels"] {
            for (k, v) in l { labels[k] = v.stringValue ?? "" }
        }
        self.labels = labels
    }
}

/// A change seen by the cache, in revision order.
public struct CacheEvent: Sendable {
    public enum Kind: Sendable { case added, modified, deleted }
    public var kind: Kind
    /// The object after the change (for deletions: the last state, with the deletion's revision).
    public var object: CachedObject
    /// The object before the change, for selector transitions.
    public var previous: CachedObject?
    public var revision: Int64 { object.revision }
}

/// A change from the store, before the cache decides whether it added or modified an object.
public enum StoreChange: Sendable {
    case put(CachedObject)
    case delete(key: String, revision: Int64, lastValue: JSONValue?)
}
