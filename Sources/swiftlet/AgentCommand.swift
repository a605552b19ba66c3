import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SwiftletAgent
import SwiftletAPI
import SwiftletClient
import SwiftletSimulator

/// `swiftlet agent`: a node agent joining a cluster; with `--simulate N`, N simulated nodes in one process.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "agent", abstract: "Run a node agent (or simulated nodes) against an API server.")

    @Option(help: "Kubeconfig of the API server.") var kubeconfig: String
    @Option(help: "Directory holding everything this agent owns.") var dataDir = "/var/lib/swiftlet/agent"
    @OptionGroup var agent: AgentOptions
    @Option(name: .customLong("cluster-cidr"), help: "Pod address range of the cluster.") var clusterCIDR = "10.42.0.0/16"
    @Option(name: .customLong("service-cidr"), help: "Service address range of the cluster.") var serviceCIDR = "10.43.0.0/16"
    @Option(help: "Register this many simulated nodes instead of running containers.") var simulate: Int?
    @Option(help: "Name prefix of simulated nodes.") var nodePrefix = "sim-"
    @Option(help: "CPU capacity of each simulated node.") var simulateCPU = "32"
    @Option(help: "Memory capacity of each simulated node.") var simulateMemory = "256Gi"
    @Option(help: "Pod capacity of each simulated node.") var simulatePods = 110
    @Option(help: "Labels on every simulated node (k=v,k2=v2), a zone for instance.") var nodeLabels = ""
    @Option(help: "How long a node's lease lasts; it is renewed every quarter of it, as kubelet does.") var nodeLeaseDurationSeconds = 40
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func validate() throws {
        if let simulate, simulate < 1 { throw ValidationError("--simulate must be at least 1") }
        guard nodeLeaseDurationSeconds >= 1 else { throw ValidationError("--node-lease-duration-seconds must be at least 1") }
        guard IPv4CIDR(clusterCIDR) != nil else { throw ValidationError("--cluster-cidr: invalid CIDR \"\(clusterCIDR)\"") }
        guard IPv4CIDR(serviceCIDR) != nil else { throw ValidationError("--service-cidr: invalid CIDR \"\(serviceCIDR)\"") }
        for pair in nodeLabels.split(separator: ",") where !pair.contains("=") {
            throw ValidationError("--node-labels: \"\(pair)\" is not key=value")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swiftlet.agent")
        let config = try KubeconfigFile.load(path: kubeconfig)
        let transport = try HTTPTransport(server: config.server, identity: ClientIdentity(component: "swiftlet-agent"))
        guard let simulate else {
            let configuration = agent.configuration(dataDir: dataDir, clusterCIDR: IPv4CIDR(clusterCIDR)!, serviceCIDR: IPv4CIDR(serviceCIDR)!)
            let events = try HTTPTransport(server: config.server, identity: ClientIdentity(component: "swiftlet-agent"), maxConnections: 2)
            let node = Agent(transport: transport, eventTransport: events, configuration: configuration, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: node)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try await group.run()
            await transport.shutdown()
            await events.shutdown()
            return
        }
        var labels: [String: String] = [:]
        for pair in nodeLabels.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            labels[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let simulator = SimulatedNodes(
            transport: transport,
            configuration: SimulatorConfiguration(count: simulate, prefix: nodePrefix, cpu: simulateCPU, memory: simulateMemory,
                                                  maxPods: simulatePods, leaseDurationSeconds: Int32(nodeLeaseDurationSeconds), labels: labels),
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: simulator)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        await transport.shutdown()
    }
}
