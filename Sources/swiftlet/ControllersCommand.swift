import ArgumentParser
import Logging
import ServiceLifecycle
import SwiftletAPI
import SwiftletClient
import SwiftletControllers

/// `swiftlet controllers --kubeconfig K`: the controllers alone, as an API client over HTTP.
struct ControllersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "controllers", abstract: "Run the controllers against an API server.")

    @Option(help: "Kubeconfig of the API server.") var kubeconfig: String
    @Option(name: .customLong("cluster-cidr"), help: "Pod address range nodes get their pod CIDRs from.") var clusterCIDR = "10.42.0.0/16"
    @Option(name: .customLong("node-cidr-mask-size"), help: "Prefix length of each node's pod range.") var nodeCIDRMaskSize = 24
    @OptionGroup var nodeHealth: NodeHealthOptions
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func validate() throws {
        guard IPv4CIDR(clusterCIDR) != nil else { throw ValidationError("--cluster-cidr: invalid CIDR \"\(clusterCIDR)\"") }
        guard (1...30).contains(nodeCIDRMaskSize) else { throw ValidationError("--node-cidr-mask-size must be between 1 and 30") }
    }

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
        let group = ServiceGroup(configuration: .init(services: [.init(service: ControllerManager(
            transport: transport, configuration: nodeHealth.configuration(clusterCIDR: IPv4CIDR(clusterCIDR)!, nodeCIDRMaskSize: nodeCIDRMaskSize),
            logger: logger))],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await transport.shutdown()
    }
}
