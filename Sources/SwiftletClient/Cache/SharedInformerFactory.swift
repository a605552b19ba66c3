import Logging
import ServiceLifecycle
import SwiftletAPI
import Synchronization

/// What the factory needs of an informer whatever its kind.
protocol SharedInformer: Sendable {
    func run() async
    var hasSynced: Bool { get }
    func waitForSync() async -> Bool
}

extension Informer: SharedInformer {}

/// Hands out one informer per kind, so every controller in a process shares one list and one watch
/// (and one cache) of each kind, and runs them all.
///
/// `run()` runs the informers asked for so far and any asked for later, until cancelled.
public final class SharedInformerFactory: ServiceLifecycle.Service, Sendable {
    /// How the informers reach the API server.
    public let transport: any APITransport
    /// The namespace every informer watches, or nil for all.
    public let namespace: String?
    /// The resync period of informers that do not ask for their own.
    public let defaultResync: Duration?
    private let backoff: Backoff
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var informers: [String: any SharedInformer] = [:]
        var order: [String] = []
        /// Feeds informers created while the factory runs into its task group.
        var started: AsyncStream<any SharedInformer>.Continuation?
    }

    public init(transport: any APITransport, namespace: String? = nil, defaultResync: Duration? = nil, backoff: Backoff = Backoff(),
                logger: Logger = Logger(label: "swiftlet.informers")) {
        self.transport = transport
        self.namespace = namespace
        self.defaultResync = defaultResync
        self.backoff = backoff
        self.logger = logger
    }

    /// The shared informer of `Object`'s kind, created on first use; `indexers` are added to it either way.
    public func informer<Object: KubernetesObject>(for type: Object.Type = Object.self,
                                                   indexers: [String: IndexFunction<Object>] = [:]) -> Informer<Object> {
        let key = "\(Object.groupVersionKind.group)/\(Object.groupVersionKind.version)/\(Object.groupVersionKind.kind)"
        let (informer, created, started) = state.withLock { s -> (Informer<Object>, Bool, AsyncStream<any SharedInformer>.Continuation?) in
            if let existing = s.informers[key] as? Informer<Object> { return (existing, false, nil) }
            let informer = Informer(client: ResourceClient<Object>(transport: transport), namespace: namespace, resyncPeriod: defaultResync,
                                    backoff: backoff, logger: logger)
            s.informers[key] = informer
            s.order.append(key)
            return (informer, true, s.started)
        }
        if !indexers.isEmpty { informer.indexer.addIndexers(indexers) }
        if created { started?.yield(informer) }
        return informer
    }

    /// Whether every informer asked for so far has synced.
    public var hasSynced: Bool {
        state.withLock { s in s.informers.values.allSatisfy(\.hasSynced) }
    }

    /// Waits until every informer asked for so far has synced; false if cancelled first.
    public func waitForCacheSync() async -> Bool {
        let informers = state.withLock { s in s.order.compactMap { s.informers[$0] } }
        for informer in informers where !(await informer.waitForSync()) { return false }
        return true
    }

    /// Runs every informer until cancelled (or graceful shutdown inside a `ServiceGroup`).
    public func run() async {
        let (added, continuation) = AsyncStream.makeStream(of: (any SharedInformer).self)
        let initial = state.withLock { s -> [any SharedInformer]? in
            if s.started != nil { return nil }
            s.started = continuation
            return s.order.compactMap { s.informers[$0] }
        }
        guard let initial else {
            logger.debug("informer factory already running")
            return
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for informer in initial {
                    group.addTask { await informer.run() }
                }
                for await informer in added {
                    group.addTask { await informer.run() }
                }
                group.cancelAll()
            }
        }
        state.withLock { $0.started = nil }
        continuation.finish()
    }
}
