import Logging
import ServiceLifecycle
import SwiftletAPIServer
import SwiftletClient
import SwiftletControllers

/// The controllers inside `swiftlet server`, talking to the API server in-process once it is ready.
struct EmbeddedControllers: ServiceLifecycle.Service {
    let server: APIServer
    let configuration: ControllerManagerConfiguration
    let logger: Logger

    func run() async throws {
        _ = await server.waitUntilReady()
        guard let transport = server.inProcessTransport(identity: ClientIdentity(component: "controller-manager")) else { return }
        await ControllerManager(transport: transport, configuration: configuration, logger: logger).run()
    }
}
