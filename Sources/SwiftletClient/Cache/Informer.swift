import Logging
import ServiceLifecycle
import SwiftletAPI
import Synchronization

/// Keeps a local cache of one kind in step with the API server (client-go's shared informer): lists,
/// then watches from the list's resourceVersion into an `Indexer`, and tells its handlers about every change.
///
/// A watch that breaks resumes from the last resourceVersion seen (bookmarks included); one the server no
/// longer serves (410 Gone) makes it re-list, and objects that vanished meanwhile reach the delete handlers
/// as `DeletedObject.finalStateUnknown`. Failures back off exponentially. With a resync period every cached
/// object is re-delivered to `onUpdate` that often. `run()` ends when its task is cancelled (or on graceful
/// shutdown inside a `ServiceGroup`).
public final class Informer<Object: KubernetesObject>: ServiceLifecycle.Service, Sendable {
    /// Lists and watches the resource.
    public let client: ResourceClient<Object>
    /// The namespace watched, or nil for all.
    public let namespace: String?
    /// Only objects matching these selectors are cached.
    public let labelSelector: LabelSelector?
    public let fieldSelector: FieldSelector?
    /// How often every cached object is re-delivered to `onUpdate`; nil for never.
    public let resyncPeriod: Duration?
    /// The cache; listers read it, only the informer writes it.
    public let indexer: Indexer<Object>
    let backoffPolicy: Backoff
    let logger: Logger
    let state = Mutex(State())
    let synced = SyncSignal()

    struct State {
        var handlers: [Registered] = []
        var nextHandlerID = 0
        var running = false
        var inputs: AsyncStream<Input>.Continuation?
        var lastSyncResourceVersion = ""
    }

    struct Registered {
        var id: Int
        var handler: ResourceEventHandler<Object>
        /// False until the existing objects were replayed to it as adds.
        var active: Bool
    }

    /// What the processing loop applies to the cache, in order.
    enum Input: Sendable {
        case replace([Object], resourceVersion: String)
        case event(TypedWatchEvent<Object>)
        case resync
        case activate(handlerID: Int)
    }

    /// An informer of `client`'s resource, optionally limited to a namespace and selectors.
    ///
    /// `backoff` paces retries after failed lists and watches.
    public init(client: ResourceClient<Object>, namespace: String? = nil, labelSelector: LabelSelector? = nil,
                fieldSelector: FieldSelector? = nil, resyncPeriod: Duration? = nil, indexers: [String: IndexFunction<Object>] = [:],
                backoff: Backoff = Backoff(), logger: Logger = Logger(label: "swiftlet.informer")) {
        var client = client
        client.omitsManagedFields = true
        self.client = client
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resyncPeriod = resyncPeriod
        self.indexer = Indexer(indexers: indexers)
        self.backoffPolicy = backoff
        var logger = logger
        logger[metadataKey: "resource"] = "\(client.resource.qualifiedName)"
        self.logger = logger
    }

    /// Reads of the cache.
    public var lister: Lister<Object> { Lister(indexer: indexer) }

    /// Whether the first list has been applied to the cache and delivered to the handlers.
    public var hasSynced: Bool { synced.isSignalled }

    /// Waits until `hasSynced`; false if the waiting task is cancelled first.
    public func waitForSync() async -> Bool {
        await synced.wait()
    }

    /// The resourceVersion of the last list, watch event or bookmark seen.
    public var lastSyncResourceVersion: String { state.withLock { $0.lastSyncResourceVersion } }

    /// Adds handlers. Added while the informer runs, they first get an add for every cached object.
    @discardableResult
    public func addEventHandler(_ handler: ResourceEventHandler<Object>) -> HandlerRegistration {
        let (id, inputs) = state.withLock { s -> (Int, AsyncStream<Input>.Continuation?) in
            s.nextHandlerID += 1
            let running = s.inputs != nil
            s.handlers.append(Registered(id: s.nextHandlerID, handler: handler, active: !running))
            return (s.nextHandlerID, s.inputs)
        }
        inputs?.yield(.activate(handlerID: id))
        return HandlerRegistration(id: id)
    }

    /// Removes handlers; they get no further calls once the current one returns.
    public func removeEventHandler(_ registration: HandlerRegistration) {
        state.withLock { s in s.handlers.removeAll { $0.id == registration.id } }
    }

    /// Lists and watches until cancelled. A second concurrent `run()` of the same informer returns at once.
    public func run() async {
        let (inputs, continuation) = AsyncStream.makeStream(of: Input.self)
        let started = state.withLock { s -> Bool in
            if s.running { return false }
            s.running = true
            s.inputs = continuation
            // Handlers added before are due the objects already cached (after a previous run).
            for i in s.handlers.indices where !s.handlers[i].active {
                continuation.yield(.activate(handlerID: s.handlers[i].id))
            }
            return true
        }
        guard started else {
            logger.debug("informer already running")
            return
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.reflect(into: continuation) }
                if let period = self.resyncPeriod {
                    group.addTask { await self.resyncLoop(every: period, into: continuation) }
                }
                for await input in inputs {
                    self.process(input)
                }
                group.cancelAll()
            }
        }
        state.withLock { s in
            s.running = false
            s.inputs = nil
        }
        continuation.finish()
    }

    private func resyncLoop(every period: Duration, into inputs: AsyncStream<Input>.Continuation) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: period) } catch { return }
            if hasSynced { inputs.yield(.resync) }
        }
    }
}
