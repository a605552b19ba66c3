import SwiftletAPI
import Synchronization

/// Computes the values under which an object is indexed (for example a pod's node name); an empty list
/// leaves the object out of that index.
public typealias IndexFunction<Object> = @Sendable (Object) -> [String]

/// A thread-safe store of objects keyed by `ObjectKey`, with named secondary indexes (client-go's
/// `cache.Indexer`). The informer writes it; listers and controllers read it.
public final class Indexer<Object: KubernetesObject>: Sendable {
    /// The built-in index of objects by namespace.
    public static var namespaceIndex: String { "namespace" }

    private struct State {
        var items: [String: Object] = [:]
        var functions: [String: IndexFunction<Object>] = [:]
        /// index name → index value → keys.
        var indices: [String: [String: Set<String>]] = [:]
    }

    private let state: Mutex<State>

    /// An empty store with the namespace index and `indexers`.
    public init(indexers: [String: IndexFunction<Object>] = [:]) {
        var initial = State()
        initial.functions[Self.namespaceIndex] = { object in object.metadata?.namespace.map { [$0] } ?? [] }
        for (name, function) in indexers { initial.functions[name] = function }
        for name in initial.functions.keys { initial.indices[name] = [:] }
        state = Mutex(initial)
    }

    /// Adds indexes, computing them for the objects already stored; an existing name is replaced.
    public func addIndexers(_ indexers: [String: IndexFunction<Object>]) {
        state.withLock { s in
            for (name, function) in indexers {
                s.functions[name] = function
                var index: [String: Set<String>] = [:]
                for (key, object) in s.items {
                    for value in function(object) { index[value, default: []].insert(key) }
                }
                s.indices[name] = index
            }
        }
    }

    /// The names of the indexes.
    public var indexNames: [String] { state.withLock { Array($0.functions.keys) } }

    /// Stores `object` under its key; returns the object it replaced.
    @discardableResult
    public func upsert(_ object: Object) -> Object? {
        let key = ObjectKey.of(object)
        return state.withLock { s in
            let old = s.items.updateValue(object, forKey: key)
            Self.updateIndices(&s, key: key, old: old, new: object)
            return old
        }
    }

    /// Removes the object under `key`; returns it.
    @discardableResult
    public func delete(key: String) -> Object? {
        state.withLock { s in
            guard let old = s.items.removeValue(forKey: key) else { return nil }
            Self.updateIndices(&s, key: key, old: old, new: nil)
            return old
        }
    }

    /// The object under `key`.
    public func get(key: String) -> Object? {
        state.withLock { $0.items[key] }
    }

    /// Every stored object, in no particular order.
    public func list() -> [Object] {
        state.withLock { Array($0.items.values) }
    }

    /// Every stored key, in no particular order.
    public func listKeys() -> [String] {
        state.withLock { Array($0.items.keys) }
    }

    public var count: Int { state.withLock { $0.items.count } }

    /// The objects whose index function returned `value` for index `name`.
    ///
    /// Asking for an index that was never added is a programming error and traps, as client-go returns an error for it.
    public func byIndex(_ name: String, _ value: String) -> [Object] {
        state.withLock { s in
            guard let index = s.indices[name] else { preconditionFailure("index \(name) does not exist") }
            return (index[value] ?? []).compactMap { s.items[$0] }
        }
    }

    /// The keys under `value` in index `name`.
    public func indexKeys(_ name: String, _ value: String) -> [String] {
        state.withLock { s in
            guard let index = s.indices[name] else { preconditionFailure("index \(name) does not exist") }
            return Array(index[value] ?? [])
        }
    }

    /// The values index `name` currently holds.
    public func indexValues(_ name: String) -> [String] {
        state.withLock { Array(($0.indices[name] ?? [:]).keys) }
    }

    private static func updateIndices(_ s: inout State, key: String, old: Object?, new: Object?) {
        for (name, function) in s.functions {
            let oldValues = old.map(function) ?? []
            let newValues = new.map(function) ?? []
            if oldValues == newValues { continue }
            var index = s.indices[name] ?? [:]
            for value in oldValues where !newValues.contains(value) {
                index[value]?.remove(key)
                if index[value]?.isEmpty == true { index[value] = nil }
            }
            for value in newValues { index[value, default: []].insert(key) }
            s.indices[name] = index
        }
    }
}
