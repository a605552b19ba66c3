import Logging
import ServiceLifecycle
import SwiftletAPIServer
import SwiftletClient
import SwiftletScheduler

/// The scheduler inside `swiftlet server`, talking to the API server in-process once it is ready.
struct EmbeddedScheduler: ServiceLifecycle.Service {
    let server: APIServer
    let logger: Logger

    func run() async throws {
        _ = await server.waitUntilReady()
        guard let transport = server.inProcessTransport(identity: ClientIdentity(component: "default-scheduler")) else { return }
        await Scheduler(transport: transport, logger: logger).run()
    }
}
