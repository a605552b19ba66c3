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

    public init(key: String, object: JSONValue, revision: Int64, storedBytes: [UInt8]? = nil) {
        var object = object
        object.set(path: ["metadata", "resourceVersion"], to: .string(String(revision)))
        self.key = key
        self.object = object
        self.bytes = storedBytes.flatMap { Self.splicingResourceVersion(revision, into: $0) } ?? JSONSerializer.serialize(object)
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

extension CachedObject {
    private static let metadataPrefix = Array(#""metadata":{"#.utf8)

    /// The stored bytes with `"resourceVersion":"N"` inserted at the start of the top-level `metadata`,
    /// which saves serializing the whole object again for every write. Nil when there is no top-level metadata.
    static func splicingResourceVersion(_ revision: Int64, into bytes: [UInt8]) -> [UInt8]? {
        let prefix = metadataPrefix
        var depth = 0
        var inString = false
        var escaped = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                if depth == 1, i + prefix.count <= bytes.count, bytes[i..<(i + prefix.count)].elementsEqual(prefix) {
                    let insertAt = i + prefix.count
                    var field = Array(#""resourceVersion":"\#(revision)""#.utf8)
                    if insertAt < bytes.count, bytes[insertAt] != UInt8(ascii: "}") { field.append(UInt8(ascii: ",")) }
                    var out = [UInt8]()
                    out.reserveCapacity(bytes.count + field.count)
                    out += bytes[..<insertAt]
                    out += field
                    out += bytes[insertAt...]
                    return out
                }
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
            i += 1
        }
        return nil
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
