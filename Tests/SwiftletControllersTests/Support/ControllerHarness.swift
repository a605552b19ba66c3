import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
@testable import SwiftletControllers

/// What every controller test cluster shares: a real API server on the memory store, one informer factory, the
/// controllers under test and the test's stand-in for nodes, all running for the length of the test's body.
enum ControllerHarness {
    /// Runs `controllers` (built on the server's transport and a shared informer factory) and `node`, then `body`.
    static func run(logLevel: Logger.Level = .warning, resync: Duration? = nil,
                    controllers: (InProcessTransport, SharedInformerFactory, Logger) -> [@Sendable () async -> Void],
                    node: @escaping @Sendable (InProcessTransport) async -> Void,
                    _ body: (InProcessTransport) async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = logLevel
        let api = try await InProcessAPIServer.start(logger: logger)
        defer { api.stop() }
        let transport = api.transport()
        let informers = SharedInformerFactory(transport: transport, defaultResync: resync, logger: logger)
        let running = controllers(transport, informers, logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await informers.run() }
            for controller in running { group.addTask { await controller() } }
            group.addTask { await node(transport) }
            defer { group.cancelAll() }
            try await body(transport)
        }
    }

    /// Plays a node that marks every pod Running and Ready once it exists, as a kubelet would once its containers
    /// started, leaving out deleted pods and those `skip` names.
    static func markPodsReady(_ transport: InProcessTransport, stampTransition: Bool = false,
                              skip: @escaping @Sendable (Pod) -> Bool = { _ in false }) async {
        let pods = ResourceClient<Pod>(transport: transport)
        while !Task.isCancelled {
            for pod in (try? await pods.list(namespace: "default").items) ?? []
            where !pod.isReady && pod.metadata?.deletionTimestamp == nil && !skip(pod) {
                var ready: JSONValue = ["type": "Ready", "status": "True"]
                if stampTransition { ready["lastTransitionTime"] = .string(Time.now().rfc3339) }
                let status: JSONValue = ["status": ["phase": "Running", "conditions": [ready]]]
                _ = try? await pods.patch(pod.metadata?.name ?? "", namespace: "default", type: .merge, body: status, subresource: "status")
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
