import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletStore

/// The API server's request handling without an HTTP listener, on any store: the registry with its watch cache
/// fed, the defaults bootstrapped, and in-process transports for clients — for embedding and for tests.
public final class InProcessAPIServer: Sendable {
    public let registry: ResourceRegistry
    public let handler: APIRequestHandler
    private let dispatch: Task<Void, Never>

    private init(registry: ResourceRegistry, handler: APIRequestHandler, dispatch: Task<Void, Never>) {
        self.registry = registry
        self.handler = handler
        self.dispatch = dispatch
    }

    /// Starts one on `store` (default: a new memory store).
    public static func start(store: (any StoreBackend)? = nil, admission: AdmissionOptions = AdmissionOptions(),
                             logger: Logger) async throws -> InProcessAPIServer {
        let registry = ResourceRegistry(store: store ?? MemoryBackend(), admission: admission, logger: logger)
        let start = try await registry.dispatcher.prime()
        let dispatcher = registry.dispatcher
        let dispatch = Task { await dispatcher.run(from: start) }
        do {
            try await Bootstrap.ensureDefaults(registry: registry, logger: logger)
        } catch {
            dispatch.cancel()
            throw error
        }
        let handler = APIRequestHandler(registry: registry, discovery: DiscoveryDocuments(resources: ResourceCatalog.all),
                                        serverAddress: { "127.0.0.1:6443" }, isReady: { true },
                                        openAPI: OpenAPIDocuments(resources: ResourceCatalog.all), logger: logger)
        return InProcessAPIServer(registry: registry, handler: handler, dispatch: dispatch)
    }

    /// Runs `body` with a started server and stops it afterwards, however `body` ends.
    public static func with<Result>(store: (any StoreBackend)? = nil, admission: AdmissionOptions = AdmissionOptions(), logger: Logger,
                                    _ body: (InProcessAPIServer) async throws -> Result) async throws -> Result {
        let server = try await start(store: store, admission: admission, logger: logger)
        defer { server.stop() }
        return try await body(server)
    }

    /// A client transport that reaches this server in-process, identified as `component`.
    public func transport(component: String = "test") -> InProcessTransport {
        InProcessTransport(handler: handler, identity: ClientIdentity(component: component))
    }

    /// Stops feeding the watch cache.
    public func stop() { dispatch.cancel() }
}
