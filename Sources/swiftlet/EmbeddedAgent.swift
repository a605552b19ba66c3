import Logging
import ServiceLifecycle
import SwiftletAgent
import SwiftletAPIServer
import SwiftletClient

/// The node agent inside `swiftlet server`, talking to the API server in-process once it is ready. An agent that
/// cannot run (no containerd, not root) is logged and leaves the control plane running.
struct EmbeddedAgent: ServiceLifecycle.Service {
    let server: APIServer
    let configuration: AgentConfiguration
    let logger: Logger

    func run() async throws {
        _ = await server.waitUntilReady()
        guard let transport = server.inProcessTransport(identity: ClientIdentity(component: "swiftlet-agent")) else { return }
        do {
            try await Agent(transport: transport, configuration: configuration, logger: logger).run()
        } catch is CancellationError {
            return
        } catch {
            logger.error("the embedded agent stopped; the control plane keeps running", metadata: ["error": "\(error)"])
            try? await gracefulShutdown()
        }
    }
}
