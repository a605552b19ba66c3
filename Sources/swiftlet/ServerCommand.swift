import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SwiftletAPI
import SwiftletAPIServer
import SwiftletControllers

/// `swiftlet server`: the API server with its store (and, in later issues, the controllers, scheduler and agent).
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "Run the control plane (and an embedded agent).")

    @Option(help: "Directory holding everything this server owns.") var dataDir = "/var/lib/swiftlet"
    @Option(help: "Address to listen on.") var bindAddress = "127.0.0.1"
    @Option(help: "Port to listen on; 0 takes a free port.") var port = 6443
    @Option(help: "Where to write the admin kubeconfig.") var writeKubeconfig = "/etc/swiftlet/kubeconfig.yaml"
    @Option(help: "Datastore: sqlite:///PATH (default: the data dir's database) or memory://.") var datastoreEndpoint = ""
    @Flag(help: "Do not run the embedded node agent.") var disableAgent = false
    @Option(name: .customLong("cluster-cidr"), help: "Pod address range.") var clusterCIDR = "10.42.0.0/16"
    @Option(name: .customLong("service-cidr"), help: "Service address range.") var serviceCIDR = "10.43.0.0/16"
    @Option(name: .customLong("node-cidr-mask-size"), help: "Prefix length of each node's pod range.") var nodeCIDRMaskSize = 24
    @OptionGroup var nodeHealth: NodeHealthOptions
    @OptionGroup var agent: AgentOptions
    @Option(help: "Seconds pods tolerate a not-ready node.") var defaultNotReadyTolerationSeconds = 300
    @Option(help: "Seconds pods tolerate an unreachable node.") var defaultUnreachableTolerationSeconds = 300
    @Flag(help: "Do not run the controllers.") var disableControllers = false
    @Flag(help: "Do not run the scheduler.") var disableScheduler = false
    @Option(help: "How often old revisions are compacted away (as kube-apiserver's --etcd-compaction-interval).")
    var etcdCompactionInterval = "5m"
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard IPv4CIDR(serviceCIDR) != nil else { throw ValidationError("--service-cidr: invalid CIDR \"\(serviceCIDR)\"") }
        guard IPv4CIDR(clusterCIDR) != nil else { throw ValidationError("--cluster-cidr: invalid CIDR \"\(clusterCIDR)\"") }
        guard let compaction = GoDuration.parse(etcdCompactionInterval), compaction > .zero else {
            throw ValidationError("--etcd-compaction-interval: invalid duration \"\(etcdCompactionInterval)\"")
        }
        guard (1...30).contains(nodeCIDRMaskSize) else { throw ValidationError("--node-cidr-mask-size must be between 1 and 30") }
    }

    var controllerConfiguration: ControllerManagerConfiguration {
        nodeHealth.configuration(clusterCIDR: IPv4CIDR(clusterCIDR)!, nodeCIDRMaskSize: nodeCIDRMaskSize)
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swiftlet.server")
        let configuration = APIServerConfiguration(
            dataDir: dataDir, bindAddress: bindAddress, port: port, kubeconfigPath: writeKubeconfig,
            datastoreEndpoint: datastoreEndpoint, serviceCIDR: serviceCIDR, clusterCIDR: clusterCIDR,
            compactionInterval: GoDuration.parse(etcdCompactionInterval) ?? .seconds(300),
            admission: AdmissionOptions(defaultNotReadyTolerationSeconds: Int64(defaultNotReadyTolerationSeconds),
                                        defaultUnreachableTolerationSeconds: Int64(defaultUnreachableTolerationSeconds)))
        let server = APIServer(configuration: configuration, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        if !disableControllers {
            services.append(.init(service: EmbeddedControllers(server: server, configuration: controllerConfiguration,
                                                               logger: Logger(label: "swiftlet.controllers"))))
        }
        if !disableScheduler {
            services.append(.init(service: EmbeddedScheduler(server: server, logger: Logger(label: "swiftlet.scheduler"))))
        }
        if !disableAgent {
            let agentConfiguration = agent.configuration(dataDir: dataDir + "/agent", clusterCIDR: IPv4CIDR(clusterCIDR)!,
                                                         serviceCIDR: IPv4CIDR(serviceCIDR)!)
            services.append(.init(service: EmbeddedAgent(server: server, configuration: agentConfiguration, logger: Logger(label: "swiftlet.agent"))))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
