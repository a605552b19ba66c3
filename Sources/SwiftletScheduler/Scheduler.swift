import Logging
import ServiceLifecycle
import SwiftletAPI
import SwiftletClient
import SwiftletControllers

/// The scheduler: assigns pending pods whose `spec.schedulerName` is `default-scheduler` to nodes, the same
/// code in-process inside `swiftlet server` or alone as `swiftlet scheduler --kubeconfig K`.
///
/// `run()` watches pods, nodes and what the plugins consult through its own informers, schedules one pod at a
/// time and binds in the background; it ends when its task is cancelled or on graceful shutdown.
public struct Scheduler: ServiceLifecycle.Service {
    public static let defaultSchedulerName = "default-scheduler"

    /// Tunables with upstream's defaults.
    public struct Configuration: Sendable {
        /// The `spec.schedulerName` this scheduler serves.
        public var schedulerName = Scheduler.defaultSchedulerName
        /// Percentage of nodes to find feasible before scoring; 0 for upstream's adaptive default.
        public var percentageOfNodesToScore: Int32 = 0
        public var podInitialBackoff: Duration = .seconds(1)
        public var podMaxBackoff: Duration = .seconds(10)
        /// Unschedulable pods are retried after this long even without a helpful event.
        public var podMaxInUnschedulable: Duration = .seconds(300)
        /// Score plugin weights (upstream's default profile).
        public var scoreWeights: [String: Int64] = [
            "TaintToleration": 3, "NodeAffinity": 2, "PodTopologySpread": 2, "InterPodAffinity": 2,
            "NodeResourcesFit": 1, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1,
        ]

        public init() {}
    }

    let transport: any APITransport
    let logger: Logger
    let configuration: Configuration

    public init(transport: any APITransport, logger: Logger, configuration: Configuration = Configuration()) {
        self.transport = transport
        self.logger = logger
        self.configuration = configuration
    }

    /// The default profile's plugins, in upstream's order.
    public static func defaultPlugins(transport: any APITransport, events: EventRecorder?, logger: Logger) -> [any SchedulerPlugin] {
        [
            NodeUnschedulable(), NodeName(), TaintToleration(), NodeAffinity(), NodePorts(), NodeResourcesFit(),
            PodTopologySpread(), InterPodAffinity(), DefaultPreemption(transport: transport, events: events, logger: logger),
            NodeResourcesBalancedAllocation(), ImageLocality(), DefaultBinder(transport: transport),
        ]
    }

    /// Runs until cancelled or graceful shutdown.
    public func run() async {
        let informers = SharedInformerFactory(transport: transport, logger: logger)
        let events = EventRecorder(transport: transport, component: configuration.schedulerName, logger: logger)
        let framework = Framework(plugins: Self.defaultPlugins(transport: transport, events: events, logger: logger),
                                  weights: configuration.scoreWeights)
        let loop = SchedulingLoop(transport: transport, informers: informers, framework: framework, events: events,
                                  configuration: configuration, logger: logger)
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await informers.run() }
                group.addTask { await loop.run() }
                await group.waitForAll()
            }
        }
    }
}
