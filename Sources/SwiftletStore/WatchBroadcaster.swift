import Logging
import Synchronization

/// One page of history read for a watch replay.
struct HistoryPage: Sendable {
    /// Events under the watched prefix, ascending by revision.
    var events: [StoreEvent]
    /// The revision the read got through; the next page starts after it.
    var scannedThrough: Int64
}

/// Reads the events under `prefix` with revisions in `(after, through]`, at most `limit`.
///
/// Throws `StoreError.compacted` when revision `after + 1` has been compacted away.
typealias HistoryReader = @Sendable (
    _ prefix: String, _ after: Int64, _ through: Int64, _ limit: Int
) async throws -> HistoryPage

/// Fans committed events out to every watcher of one backend.
///
/// The backend's single writer calls `publish` once per commit, in revision order; each watcher
/// filters by its prefix into its own bounded buffer, so a slow watcher only ends itself.
/// A `Mutex` rather than an actor: the writer publishes synchronously between commit and
/// acknowledgement, and registration must see `lastRevision` and the watcher set atomically.
final class WatchBroadcaster: Sendable {
    private struct State {
        var lastRevision: Int64
        var subscriptions: [Int: WatchSubscription] = [:]
        var nextID = 0
        var closed = false
    }

    private let state: Mutex<State>
    private let options: StoreOptions
    private let logger: Logger

    init(revision: Int64, options: StoreOptions, logger: Logger) {
        self.state = Mutex(State(lastRevision: revision))
        self.options = options
        self.logger = logger
    }

    /// The number of open watches.
    var watcherCount: Int {
        state.withLock { $0.subscriptions.count }
    }

    /// Hands one commit's events (ascending revisions) to every watcher.
    func publish(_ events: [StoreEvent]) {
        guard let last = events.last else { return }
        let overflowed = state.withLock { state -> [String] in
            state.lastRevision = last.revision
            var ended: [(Int, String)] = []
            for (id, subscription) in state.subscriptions where !subscription.deliver(events) {
                ended.append((id, subscription.prefix))
            }
            for (id, _) in ended {
                state.subscriptions[id] = nil
            }
            return ended.map(\.1)
        }
        for prefix in overflowed {
            logger.warning(
                "Ended a watch that fell behind",
                metadata: ["prefix": "\(prefix)", "revision": "\(last.revision)", "limit": "\(options.watchBufferLimit)"]
            )
        }
    }

    /// Registers a watcher for events after `fromRevision`; history up to the last published
    /// revision is replayed through `history` before live events.
    func subscribe(
        prefix: String,
        after fromRevision: Int64,
        history: @escaping HistoryReader
    ) throws(StoreError) -> AsyncThrowingStream<[StoreEvent], any Error> {
        let subscription = try state.withLock { state throws(StoreError) -> WatchSubscription in
            guard !state.closed else { throw .closed }
            let id = state.nextID
            state.nextID += 1
            let subscription = WatchSubscription(
                id: id,
                prefix: prefix,
                after: fromRevision,
                replayThrough: state.lastRevision,
                history: history,
                options: options,
                broadcaster: self
            )
            state.subscriptions[id] = subscription
            return subscription
        }
        let handle = WatchHandle(subscription: subscription)
        return AsyncThrowingStream(unfolding: { try await handle.subscription.next() })
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.subscriptions.removeValue(forKey: id) }
    }

    /// Ends every watch; later subscriptions throw `closed`.
    func close() {
        let subscriptions = state.withLock { state -> [WatchSubscription] in
            state.closed = true
            let all = Array(state.subscriptions.values)
            state.subscriptions = [:]
            return all
        }
        for subscription in subscriptions {
            subscription.finish()
        }
    }
}

/// Owned only by a watch stream's closure: when the stream is dropped, the watcher goes too.
private final class WatchHandle: Sendable {
    let subscription: WatchSubscription

    init(subscription: WatchSubscription) {
        self.subscription = subscription
    }

    deinit {
        subscription.terminate()
    }
}
