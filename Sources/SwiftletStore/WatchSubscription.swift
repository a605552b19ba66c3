import Synchronization

/// One watcher: replays history page by page as the consumer asks, then hands out the live
/// events buffered since (all that are waiting, as one batch).
final class WatchSubscription: Sendable {
    private enum Ending: Equatable {
        /// The store closed.
        case finished
        /// The watch failed (fell behind); the consumer gets the error next.
        case failed(StoreError)
    }

    private enum Step {
        case events([StoreEvent])
        case replay(after: Int64, through: Int64)
        case wait
        case end
        case fail(StoreError)
    }

    private struct State {
        var replayCursor: Int64
        let replayThrough: Int64
        var buffer: [StoreEvent] = []
        var waiter: CheckedContinuation<Void, Never>?
        var ending: Ending?
        var cancelled = false
        /// The consumer has seen the end; nothing more is delivered.
        var done = false

        mutating func nextStep() -> Step {
            if done || cancelled {
                done = true
                return .end
            }
            switch ending {
            case .failed(let error):
                done = true
                return .fail(error)
            case .finished:
                done = true
                return .end
            case nil:
                break
            }
            if replayCursor < replayThrough {
                return .replay(after: replayCursor, through: replayThrough)
            }
            if !buffer.isEmpty {
                defer { buffer = [] }
                return .events(buffer)
            }
            return .wait
        }
    }

    let id: Int
    let prefix: String
    /// Live events at or below this revision were already covered by the replay or are not wanted.
    private let after: Int64
    private let history: HistoryReader
    private let options: StoreOptions
    private let broadcaster: WatchBroadcaster
    private let state: Mutex<State>

    init(
        id: Int,
        prefix: String,
        after: Int64,
        replayThrough: Int64,
        history: @escaping HistoryReader,
        options: StoreOptions,
        broadcaster: WatchBroadcaster
    ) {
        self.id = id
        self.prefix = prefix
        self.after = after
        self.history = history
        self.options = options
        self.broadcaster = broadcaster
        self.state = Mutex(State(replayCursor: after, replayThrough: max(after, replayThrough)))
    }

    /// Buffers the events this watcher wants. Returns false when the watcher is over and must be
    /// dropped: it ended, or this delivery overflowed its buffer.
    func deliver(_ events: [StoreEvent]) -> Bool {
        let (keep, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.done, state.ending == nil else { return (false, nil) }
            let before = state.buffer.count
            for event in events where event.revision > after && KeyOrder.hasPrefix(event.kv.key, prefix) {
                state.buffer.append(event)
            }
            if state.buffer.count > options.watchBufferLimit {
                state.ending = .failed(.watcherTooSlow(prefix: prefix, bufferedEvents: options.watchBufferLimit))
                state.buffer = []
                defer { state.waiter = nil }
                return (false, state.waiter)
            }
            guard state.buffer.count > before else { return (true, nil) }
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume()
        return keep
    }

    /// The store closed: the stream ends.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.ending == nil {
                state.ending = .finished
            }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The stream was dropped: stop buffering for it.
    func terminate() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.done = true
            state.buffer = []
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
        broadcaster.remove(id)
    }

    /// The next batch, nil at the end (cancellation or close).
    func next() async throws -> [StoreEvent]? {
        while true {
            if Task.isCancelled {
                state.withLock { $0.cancelled = true }
            }
            switch state.withLock({ $0.nextStep() }) {
            case .events(let events):
                return events
            case .end:
                broadcaster.remove(id)
                return nil
            case .fail(let error):
                broadcaster.remove(id)
                throw error
            case .replay(let after, let through):
                let page: HistoryPage
                do {
                    page = try await history(prefix, after, through, options.replayBatchSize)
                } catch {
                    let closed = state.withLock { state -> Bool in
                        state.done = true
                        state.buffer = []
                        return state.ending == .finished
                    }
                    broadcaster.remove(id)
                    // Cancellation or close interrupted the read: that is the end, not a failure.
                    if Task.isCancelled || closed {
                        return nil
                    }
                    throw error
                }
                state.withLock { $0.replayCursor = max($0.replayCursor, page.scannedThrough) }
                if !page.events.isEmpty {
                    return page.events
                }
            case .wait:
                await waitForEvents()
            }
        }
    }

    private func waitForEvents() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.buffer.isEmpty || state.ending != nil || state.cancelled || state.done {
                        return true
                    }
                    precondition(state.waiter == nil, "a watch stream has one consumer at a time")
                    state.waiter = continuation
                    return false
                }
                if ready {
                    continuation.resume()
                }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
