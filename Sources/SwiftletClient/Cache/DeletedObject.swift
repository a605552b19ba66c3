/// What a delete handler receives: the object's final state as the watch reported it, or, when the
/// deletion happened while the watch was down and a re-list found the object gone, the last state the
/// cache knew (client-go's `DeletedFinalStateUnknown` tombstone).
public enum DeletedObject<Object: Sendable>: Sendable {
    case deleted(Object)
    case finalStateUnknown(key: String, lastKnown: Object)

    /// The final or last-known object.
    public var object: Object {
        switch self {
        case .deleted(let object): return object
        case .finalStateUnknown(_, let object): return object
        }
    }

    public var isFinalStateUnknown: Bool {
        if case .finalStateUnknown = self { return true }
        return false
    }
}
