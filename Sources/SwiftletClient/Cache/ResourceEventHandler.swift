/// Callbacks an informer calls, one at a time and in the order of the cache's changes, after it updated
/// its indexer. They should be quick (find a key, add it to a work queue): the informer waits for them.
public struct ResourceEventHandler<Object: Sendable>: Sendable {
    /// A new object, or one already there when the handler was added.
    public var onAdd: @Sendable (Object) -> Void
    /// A changed object, and on every resync the unchanged one (`old` and `new` then have the same resourceVersion).
    public var onUpdate: @Sendable (_ old: Object, _ new: Object) -> Void
    public var onDelete: @Sendable (DeletedObject<Object>) -> Void

    public init(onAdd: @escaping @Sendable (Object) -> Void = { _ in },
                onUpdate: @escaping @Sendable (_ old: Object, _ new: Object) -> Void = { _, _ in },
                onDelete: @escaping @Sendable (DeletedObject<Object>) -> Void = { _ in }) {
        self.onAdd = onAdd
        self.onUpdate = onUpdate
        self.onDelete = onDelete
    }
}

/// Names a handler added to an informer, to remove it again.
public struct HandlerRegistration: Sendable, Hashable {
    let id: Int
}
