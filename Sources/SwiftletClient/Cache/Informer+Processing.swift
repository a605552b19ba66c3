import SwiftletAPI

extension Informer {
    /// Applies one input to the indexer and calls the handlers, all from the one processing loop, so
    /// handlers see changes one at a time and in order.
    func process(_ input: Input) {
        switch input {
        case .replace(let objects, _):
            replace(with: objects)
            synced.signal()
        case .event(.added(let object)), .event(.modified(let object)):
            let old = indexer.upsert(object)
            for handler in activeHandlers() {
                if let old { handler.onUpdate(old, object) } else { handler.onAdd(object) }
            }
        case .event(.deleted(let object)):
            indexer.delete(key: ObjectKey.of(object))
            for handler in activeHandlers() { handler.onDelete(.deleted(object)) }
        case .event(.bookmark):
            break
        case .resync:
            let objects = indexer.list()
            for handler in activeHandlers() {
                for object in objects { handler.onUpdate(object, object) }
            }
        case .activate(let id):
            let handler = state.withLock { s -> ResourceEventHandler<Object>? in
                guard let i = s.handlers.firstIndex(where: { $0.id == id }), !s.handlers[i].active else { return nil }
                s.handlers[i].active = true
                return s.handlers[i].handler
            }
            if let handler {
                for object in indexer.list() { handler.onAdd(object) }
            }
        }
    }

    /// A re-list: each listed object is an add or an update; cached objects missing from the list were
    /// deleted while the watch was down, and go out as tombstones after the updates (as client-go's DeltaFIFO).
    private func replace(with objects: [Object]) {
        let handlers = activeHandlers()
        var listed = Set<String>()
        listed.reserveCapacity(objects.count)
        for object in objects {
            listed.insert(ObjectKey.of(object))
            let old = indexer.upsert(object)
            for handler in handlers {
                if let old { handler.onUpdate(old, object) } else { handler.onAdd(object) }
            }
        }
        for key in indexer.listKeys() where !listed.contains(key) {
            guard let last = indexer.delete(key: key) else { continue }
            for handler in handlers { handler.onDelete(.finalStateUnknown(key: key, lastKnown: last)) }
        }
    }

    private func activeHandlers() -> [ResourceEventHandler<Object>] {
        state.withLock { s in s.handlers.filter(\.active).map(\.handler) }
    }
}
