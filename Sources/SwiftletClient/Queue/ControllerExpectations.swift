import Synchronization

/// What a controller expects to see in its cache after its own creates and deletes, so that it does not act
/// again on a cache that has not caught up (client-go's `UIDTrackingControllerExpectations`).
///
/// A controller sets expectations before it writes, lowers them as its informer observes the results, and
/// syncs only when they are satisfied: all observed, never set, or older than the TTL (5 minutes, upstream's
/// `ExpectationsTimeout`), after which a lost watch event cannot wedge it.
public final class ControllerExpectations: Sendable {
    /// Upstream's `ExpectationsTimeout`.
    public static let defaultTTL: Duration = .seconds(300)

    /// How long expectations hold before a sync goes ahead regardless.
    public let ttl: Duration

    private struct Entry {
        var add: Int
        var delete: Int
        var timestamp: ContinuousClock.Instant
        /// Keys of the objects whose deletions are expected, when tracked one by one.
        var deletionKeys: Set<String> = []
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init(ttl: Duration = ControllerExpectations.defaultTTL) {
        self.ttl = ttl
    }

    /// Expects `count` creations for the controller `key` (replacing earlier expectations).
    public func expectCreations(_ key: String, count: Int) {
        set(key, add: count, delete: 0)
    }

    /// Expects `count` deletions for the controller `key` (replacing earlier expectations).
    public func expectDeletions(_ key: String, count: Int) {
        set(key, add: 0, delete: count)
    }

    /// Expects the deletion of exactly these objects (by `ObjectKey`); only their deletions lower the count.
    public func expectDeletions(_ key: String, objectKeys: [String]) {
        let tracked = Set(objectKeys)
        entries.withLock { e in
            e[key] = Entry(add: 0, delete: tracked.count, timestamp: .now, deletionKeys: tracked)
        }
    }

    /// Adds to the live expectations of `key`; nothing when it has none (or they expired).
    public func raiseExpectations(_ key: String, add: Int, delete: Int) {
        modify(key) { entry in
            entry.add += add
            entry.delete += delete
        }
    }

    /// Subtracts from the live expectations of `key`; nothing when it has none (or they expired).
    public func lowerExpectations(_ key: String, add: Int, delete: Int) {
        modify(key) { entry in
            entry.add -= add
            entry.delete -= delete
        }
    }

    /// The informer saw one of the creations `key` expected.
    public func creationObserved(_ key: String) {
        lowerExpectations(key, add: 1, delete: 0)
    }

    /// The informer saw one of the deletions `key` expected.
    public func deletionObserved(_ key: String) {
        lowerExpectations(key, add: 0, delete: 1)
    }

    /// The informer saw the deletion of `objectKey`; counts only if `key` expected that object to go.
    public func deletionObserved(_ key: String, objectKey: String) {
        modify(key) { entry in
            if entry.deletionKeys.remove(objectKey) != nil { entry.delete -= 1 }
        }
    }

    /// Whether `key` may sync: its expectations are met, were never set, or have expired.
    public func satisfiedExpectations(_ key: String) -> Bool {
        entries.withLock { e in
            guard let entry = live(&e, key) else { return true }
            return entry.add <= 0 && entry.delete <= 0
        }
    }

    /// The outstanding creations and deletions of `key`, or nil when it has no live expectations.
    public func expectations(_ key: String) -> (add: Int, delete: Int)? {
        entries.withLock { e in live(&e, key).map { ($0.add, $0.delete) } }
    }

    /// Forgets `key`'s expectations (its controller object was deleted).
    public func deleteExpectations(_ key: String) {
        entries.withLock { _ = $0.removeValue(forKey: key) }
    }

    private func set(_ key: String, add: Int, delete: Int) {
        entries.withLock { e in e[key] = Entry(add: add, delete: delete, timestamp: .now) }
    }

    private func modify(_ key: String, _ change: (inout Entry) -> Void) {
        entries.withLock { e in
            guard var entry = live(&e, key) else { return }
            change(&entry)
            e[key] = entry
        }
    }

    /// The entry of `key` unless it has outlived the TTL, in which case it is dropped (as from upstream's TTL store).
    private func live(_ e: inout [String: Entry], _ key: String) -> Entry? {
        guard let entry = e[key] else { return nil }
        if ContinuousClock.now - entry.timestamp > ttl {
            e[key] = nil
            return nil
        }
        return entry
    }
}
