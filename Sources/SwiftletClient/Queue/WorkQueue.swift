import Collections
import Synchronization

/// A queue of keys for controller workers with client-go's semantics: a key waiting is queued once however
/// often it is added; a key being processed is never handed to a second worker, and if added meanwhile it
/// is queued again once `done` is called; keys can be added after a delay or rate-limited with per-key
/// exponential backoff.
///
/// Workers loop on `get()` → sync → `done(_:)` (or use `processNext(_:)`); `shutDown()` ends every waiting
/// `get()` with nil once the queue is empty.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    struct State {
        var queue: Deque<Key> = []
        /// Keys that need processing: queued, or added again while processing.
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        var shuttingDown = false
        var waiters: Deque<(id: Int, continuation: CheckedContinuation<Key?, Never>)> = []
        var cancelledWaiters: Set<Int> = []
        var nextWaiterID = 0
        /// Keys waiting for `addAfter`, with the earliest time they are due and the timer that adds them.
        var delayed: [Key: Delayed] = [:]
        var nextTimerID = 0
    }

    /// How a `get()` proceeds: with a key at once, with nil, or by waiting.
    enum GetStart {
        case key(Key)
        case shutDown
        case wait(Int)
    }

    struct Delayed {
        var deadline: ContinuousClock.Instant
        var timerID: Int
        var timer: Task<Void, Never>
    }

    let state = Mutex(State())
    /// Paces `addRateLimited`.
    public let rateLimiter: any RateLimiter<Key>

    /// A queue whose rate-limited adds follow `rateLimiter` (by default client-go's controller rate limiter).
    public init(rateLimiter: any RateLimiter<Key> = MaxOfRateLimiter<Key>.controllerDefault()) {
        self.rateLimiter = rateLimiter
    }

    /// Marks `key` as needing processing; does nothing after `shutDown()`.
    public func add(_ key: Key) {
        let handoff = state.withLock { s -> (CheckedContinuation<Key?, Never>, Key)? in
            if s.shuttingDown || s.dirty.contains(key) { return nil }
            s.dirty.insert(key)
            if s.processing.contains(key) { return nil }
            s.queue.append(key)
            return Self.handOff(&s)
        }
        if let (waiter, key) = handoff { waiter.resume(returning: key) }
    }

    /// The next key to process, waiting for one; nil once the queue is shut down and empty, or when the
    /// waiting task is cancelled. Call `done(_:)` with the key when finished with it.
    public func get() async -> Key? {
        let start = state.withLock { s -> GetStart in
            if let key = Self.pop(&s) { return .key(key) }
            if s.shuttingDown { return .shutDown }
            s.nextWaiterID += 1
            return .wait(s.nextWaiterID)
        }
        let id: Int
        switch start {
        case .key(let key): return key
        case .shutDown: return nil
        case .wait(let waiterID): id = waiterID
        }
        let key = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                let now = state.withLock { s -> GetStart in
                    if let key = Self.pop(&s) { return .key(key) }
                    if s.shuttingDown || s.cancelledWaiters.contains(id) { return .shutDown }
                    s.waiters.append((id, continuation))
                    return .wait(id)
                }
                switch now {
                case .key(let key): continuation.resume(returning: key)
                case .shutDown: continuation.resume(returning: nil)
                case .wait: break
                }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Key?, Never>? in
                if let i = s.waiters.firstIndex(where: { $0.id == id }) { return s.waiters.remove(at: i).continuation }
                s.cancelledWaiters.insert(id)
                return nil
            }
            waiter?.resume(returning: nil)
        }
        state.withLock { _ = $0.cancelledWaiters.remove(id) }
        return key
    }

    /// Ends processing of `key`; if it was added meanwhile it is queued again.
    public func done(_ key: Key) {
        let handoff = state.withLock { s -> (CheckedContinuation<Key?, Never>, Key)? in
            s.processing.remove(key)
            guard s.dirty.contains(key) else { return nil }
            s.queue.append(key)
            return Self.handOff(&s)
        }
        if let (waiter, key) = handoff { waiter.resume(returning: key) }
    }

    /// Stops accepting keys and wakes every waiting `get()` with nil; keys still queued can still be taken.
    public func shutDown() {
        let (waiters, timers) = state.withLock { s -> ([CheckedContinuation<Key?, Never>], [Task<Void, Never>]) in
            s.shuttingDown = true
            let waiters = s.waiters.map(\.continuation)
            s.waiters.removeAll()
            let timers = s.delayed.values.map(\.timer)
            s.delayed.removeAll()
            return (waiters, timers)
        }
        for timer in timers { timer.cancel() }
        for waiter in waiters { waiter.resume(returning: nil) }
    }

    public var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }

    /// How many keys are queued (not counting those being processed or delayed).
    public var count: Int { state.withLock { $0.queue.count } }

    /// How many keys are being processed.
    public var processingCount: Int { state.withLock { $0.processing.count } }

    /// Takes the next key and runs `sync` on it, then marks it done: success forgets its failures, a thrown
    /// error adds it back rate-limited (and is passed to `onError`). Returns false once the queue is shut down.
    public func processNext(_ sync: (Key) async throws -> Void, onError: (Key, any Error) -> Void = { _, _ in }) async -> Bool {
        guard let key = await get() else { return false }
        defer { done(key) }
        do {
            try await sync(key)
            forget(key)
        } catch {
            onError(key, error)
            addRateLimited(key)
        }
        return true
    }

    // MARK: state helpers (called with the lock held)

    static func pop(_ s: inout State) -> Key? {
        guard let key = s.queue.popFirst() else { return nil }
        s.processing.insert(key)
        s.dirty.remove(key)
        return key
    }

    /// Gives the first queued key to the first waiter, if both exist.
    static func handOff(_ s: inout State) -> (CheckedContinuation<Key?, Never>, Key)? {
        guard !s.waiters.isEmpty, let key = pop(&s) else { return nil }
        return (s.waiters.removeFirst().continuation, key)
    }
}
