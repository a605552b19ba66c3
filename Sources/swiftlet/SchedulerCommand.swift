import ArgumentParser
import Logging
import ServiceLifecycle
import SwiftletClient
import SwiftletScheduler

/// `swiftlet scheduler --kubeconfig K`: the scheduler alone, as an API client over HTTP.
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Run the scheduler against an API server.")

    @Option(help: "Kubeconfig of the API server.") var kubeconfig: String
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swiftlet.scheduler")
        let config = try KubeconfigFile.load(path: kubeconfig)
        let transport = try HTTPTransport(server: config.server, identity: ClientIdentity(component: "default-scheduler"))
        let group = ServiceGroup(configuration: .init(services: [.init(service: Scheduler(transport: transport, logger: logger))],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await transport.shutdown()
    }
}
