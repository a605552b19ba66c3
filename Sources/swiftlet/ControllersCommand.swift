import ArgumentParser
import Logging
import ServiceLifecycle
import SwiftletClient
import SwiftletControllers

/// `swiftlet controllers --kubeconfig K`: the controllers alone, as an API client over HTTP.
struct ControllersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "controllers", abstract: "Run the controllers against an API server.")

    @Option(help: "Kubeconfig of the API server.") var kubeconfig: String
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swiftlet.controllers")
        let config = try KubeconfigFile.load(path: kubeconfig)
        let transport = try HTTPTransport(server: config.server, identity: ClientIdentity(component: "controller-manager"))
        let group = ServiceGroup(configuration: .init(services: [.init(service: ControllerManager(transport: transport, logger: logger))],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await transport.shutdown()
    }
}
