import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwiftletAPI
import SwiftletStore
import Synchronization

/// The Kubernetes API server of Swiftlet: store, watch caches, HTTP, and the small loops the API itself
/// needs (namespace cleanup, compaction). Runs until cancelled, then stops cleanly.
public final class APIServer: ServiceLifecycle.Service, Sendable {
    public let configuration: APIServerConfiguration
    private let logger: Logger
    private let boundAddress = Mutex<String?>(nil)
    private let ready = Mutex(false)
    private let readyWaiters = Mutex<[CheckedContinuation<String, Never>]>([])
    private let handler = Mutex<APIRequestHandler?>(nil)

    public init(configuration: APIServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Whether bootstrap finished and requests are served.
    public var isReady: Bool { ready.withLock { $0 } }

    /// The handler of every API request, once `run()` built it; in-process clients call it through `InProcessTransport`.
    public var requestHandler: APIRequestHandler? { handler.withLock { $0 } }

    /// The `host:port` the server listens on, once it does.
    public var address: String? { boundAddress.withLock { $0 } }

    /// Waits until the server accepts requests; returns its `host:port`.
    public func waitUntilReady() async -> String {
        if let a = address, ready.withLock({ $0 }) { return a }
        return await withCheckedContinuation { c in
            let now: String? = readyWaiters.withLock { w in
                if let a = boundAddress.withLock({ $0 }), ready.withLock({ $0 }) { return a }
                w.append(c)
                return nil
            }
            if let now { c.resume(returning: now) }
        }
    }

    public func run() async throws {
        try FileManager.default.createDirectory(atPath: configuration.dataDir, withIntermediateDirectories: true)
        let store = try await StoreFactory.open(endpoint: configuration.datastoreEndpoint, dataDir: configuration.dataDir,
                                                logger: logger)
        guard let serviceCIDR = IPv4CIDR(configuration.serviceCIDR) else {
            throw APIError.badRequest("invalid --service-cidr \(configuration.serviceCIDR)")
        }
        let registry = ResourceRegistry(store: store, serviceCIDR: serviceCIDR, admission: configuration.admission, logger: logger)
        let start = try await registry.dispatcher.prime()
        let dispatcher = registry.dispatcher
        let discovery = DiscoveryDocuments(resources: ResourceCatalog.all)
        let handler = APIRequestHandler(
            registry: registry, discovery: discovery,
            serverAddress: { [weak self] in self?.address ?? "127.0.0.1:6443" },
            isReady: { [weak self] in self?.isReady ?? false },
            openAPI: OpenAPIDocuments(resources: ResourceCatalog.all), logger: logger)
        self.handler.withLock { $0 = handler }
        let configuration = self.configuration
        let logger = self.logger
        let app = Application(
            responder: handler,
            server: .http1(),
            configuration: .init(address: .hostname(configuration.bindAddress, port: configuration.port), serverName: nil),
            onServerRunning: { [weak self] channel in
                guard let self else { return }
                let port = channel.localAddress?.port ?? configuration.port
                let address = "\(configuration.bindAddress):\(port)"
                self.boundAddress.withLock { $0 = address }
                if let path = configuration.kubeconfigPath {
                    do {
                        try Kubeconfig.write(server: "http://\(address)", to: path)
                    } catch {
                        logger.error("cannot write kubeconfig", metadata: ["path": "\(path)", "error": "\(error)"])
                    }
                }
                logger.info("API server listening", metadata: ["address": "\(address)"])
            },
            logger: logger)

        // On graceful shutdown (SIGTERM) the HTTP server drains itself; the other parts are cancelled, which also
        // ends open watches so the drain finishes. Any long-running part ending stops the rest.
        do {
            try await withThrowingTaskGroup(of: Component.self) { group in
                group.addTask {
                    await cancelWhenGracefulShutdown { await dispatcher.run(from: start) }
                    return .cacheDispatcher
                }
                group.addTask {
                    try await Bootstrap.ensureDefaults(registry: registry, logger: logger)
                    self.markReady()
                    return .bootstrap
                }
                group.addTask {
                    await cancelWhenGracefulShutdown { await NamespaceController(registry: registry, logger: logger).run() }
                    return .namespaceController
                }
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        await Compactor(store: store, interval: configuration.compactionInterval, logger: logger).run()
                    }
                    return .compactor
                }
                group.addTask {
                    try await app.run()
                    return .http
                }
                while let finished = try await group.next() {
                    if finished == .http { break }
                }
                group.cancelAll()
            }
        } catch {
            logger.error("API server failed", metadata: ["error": "\(error)"])
            await store.close()
            throw error
        }
        await store.close()
        logger.info("API server stopped")
    }

    /// The parts the server runs side by side.
    private enum Component: Sendable { case cacheDispatcher, bootstrap, namespaceController, compactor, http }

    private func markReady() {
        ready.withLock { $0 = true }
        // The address may not be known yet if the listener is slower than bootstrap; poll briefly.
        Task {
            for _ in 0..<500 {
                if let a = self.address {
                    let waiters = self.readyWaiters.withLock { w in
                        let all = w
                        w.removeAll()
                        return all
                    }
                    for c in waiters { c.resume(returning: a) }
                    return
                }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }
}
