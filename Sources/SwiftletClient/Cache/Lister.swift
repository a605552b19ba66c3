import SwiftletAPI

/// Read-only views of an informer's cache: every object, by namespace, by label selector, by key
/// (client-go's generated listers). Results are in no particular order and are values: changing them
/// changes nothing in the cache.
public struct Lister<Object: KubernetesObject>: Sendable {
    public let indexer: Indexer<Object>

    public init(indexer: Indexer<Object>) {
        self.indexer = indexer
    }

    /// Every object whose labels match `selector`.
    public func list(selector: LabelSelector = .everything) -> [Object] {
        filter(indexer.list(), selector)
    }

    /// The objects in `namespace` whose labels match `selector`.
    public func list(namespace: String, selector: LabelSelector = .everything) -> [Object] {
        filter(indexer.byIndex(Indexer<Object>.namespaceIndex, namespace), selector)
    }

    /// The object `name` (in `namespace` for a namespaced kind).
    public func get(_ name: String, namespace: String? = nil) -> Object? {
        indexer.get(key: ObjectKey.make(namespace: namespace, name: name))
    }

    /// The object under a cache key (`namespace/name`).
    public func get(key: String) -> Object? {
        indexer.get(key: key)
    }

    /// The objects under `value` in the index `name`.
    public func byIndex(_ name: String, _ value: String) -> [Object] {
        indexer.byIndex(name, value)
    }

    private func filter(_ objects: [Object], _ selector: LabelSelector) -> [Object] {
        if selector.isEmpty { return objects }
        if selector.matchesNothing { return [] }
        return objects.filter { selector.matches($0.metadata?.labels ?? [:]) }
    }
}
