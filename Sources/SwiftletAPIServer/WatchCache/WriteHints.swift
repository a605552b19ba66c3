import SwiftletAPI
import Synchronization

/// The parsed form of objects being written, keyed by store key, so the cache dispatcher can take the
/// object instead of parsing the stored bytes again. A hint is used only if its bytes are exactly the
/// bytes the store reports, so a stale or concurrent hint can never put a wrong object in the cache.
public final class WriteHints: Sendable {
    private let hints = Mutex<[String: (bytes: [UInt8], object: JSONValue)]>([:])

    public init() {}

    public func add(key: String, bytes: [UInt8], object: JSONValue) {
        hints.withLock { $0[key] = (bytes, object) }
    }

    public func remove(key: String) {
        _ = hints.withLock { $0.removeValue(forKey: key) }
    }

    func object(for key: String, bytes: [UInt8]) -> JSONValue? {
        hints.withLock { h in
            guard let hint = h[key], hint.bytes == bytes else { return nil }
            return hint.object
        }
    }
}
