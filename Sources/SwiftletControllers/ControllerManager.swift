import Logging
import ServiceLifecycle
import SwiftletAPI
import SwiftletClient

/// Runs every controller on one shared set of informers, in-process inside `swiftlet server` or
/// alone as `swiftlet controllers --kubeconfig K`: the same code over either transport.
public struct ControllerManager: ServiceLifecycle.Service {
    let transport: any APITransport
    let configuration: ControllerManagerConfiguration
    let logger: Logger

    public init(transport: any APITransport, configuration: ControllerManagerConfiguration = ControllerManagerConfiguration(),
                logger: Logger) {
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until cancelled or graceful shutdown.
    public func run() async {
        let informers = SharedInformerFactory(transport: transport, defaultResync: .seconds(30), logger: logger)
        let replicaSets = ReplicaSetController<ReplicaSet>(transport: transport, informers: informers, component: "replicaset-controller",
                                                           logger: logger)
        let replicationControllers = ReplicaSetController<ReplicationController>(
            transport: transport, informers: informers, component: "replication-controller", logger: logger)
        let deployments = DeploymentController(transport: transport, informers: informers, logger: logger)
        let garbageCollector = GarbageCollector(transport: transport, informers: informers, logger: logger)
        let jobs = JobController(transport: transport, informers: informers, logger: logger)
        let nodeLifecycle = NodeLifecycleController(transport: transport, informers: informers, configuration: configuration, logger: logger)
        let taintEviction = TaintEvictionController(transport: transport, informers: informers, logger: logger)
        let podGC = PodGCController(transport: transport, informers: informers, configuration: configuration, logger: logger)
        let nodeIPAM: NodeIPAMController?
        do {
            nodeIPAM = try NodeIPAMController(transport: transport, informers: informers, clusterCIDR: configuration.clusterCIDR,
                                              nodeCIDRMaskSize: configuration.nodeCIDRMaskSize, logger: logger)
        } catch {
            logger.error("node CIDR allocation is off", metadata: ["error": "\(error)"])
            nodeIPAM = nil
        }
        let statefulSets = StatefulSetController(transport: transport, informers: informers, logger: logger)
        let cronJobs = CronJobController(transport: transport, informers: informers, logger: logger)
        let daemonSets = DaemonSetController(transport: transport, informers: informers, logger: logger)
        let disruption = DisruptionController(transport: transport, informers: informers, logger: logger)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await informers.run() }
                group.addTask { await replicaSets.run() }
                group.addTask { await replicationControllers.run() }
                group.addTask { await deployments.run() }
                group.addTask { await garbageCollector.run() }
                group.addTask { await jobs.run() }
                group.addTask { await nodeLifecycle.run() }
                group.addTask { await taintEviction.run() }
                group.addTask { await podGC.run() }
                if let nodeIPAM { group.addTask { await nodeIPAM.run() } }
                group.addTask { await statefulSets.run() }
                group.addTask { await cronJobs.run() }
                group.addTask { await daemonSets.run() }
                group.addTask { await disruption.run() }
                await group.waitForAll()
            }
        }
    }
}
