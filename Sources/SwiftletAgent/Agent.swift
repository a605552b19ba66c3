import Foundation
import Logging
import ServiceLifecycle
import SwiftletAPI
import SwiftletClient
import SwiftletControllers
import SwiftletCRI

/// The node agent (Swiftlet's kubelet): starts and supervises its containerd (unless given a runtime endpoint),
/// loads the offline images, registers the Node, keeps its Lease and status fresh, writes the CNI config once
/// the node has a pod CIDR, and runs the pods bound to the node.
public final class Agent: ServiceLifecycle.Service, Sendable {
    public let configuration: AgentConfiguration
    let transport: any APITransport
    let eventTransport: any APITransport
    let logger: Logger

    /// `eventTransport` carries the agent's events when given, so a burst of them never queues the pods' status
    /// writes behind it on a transport with few connections (kubelet sends its events apart, too).
    public init(transport: any APITransport, eventTransport: (any APITransport)? = nil, configuration: AgentConfiguration, logger: Logger) {
        self.transport = transport
        self.eventTransport = eventTransport ?? transport
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "node"] = "\(configuration.nodeName)"
        self.logger = logger
    }

    public var containerd: ContainerdConfiguration { ContainerdConfiguration(dataDir: configuration.dataDir) }

    /// Another agent holds the data dir's lock.
    public struct DataDirInUse: Error, CustomStringConvertible {
        public var description: String
    }

    public func run() async throws {
        let containerd = self.containerd
        try FileManager.default.createDirectory(atPath: containerd.dataDir, withIntermediateDirectories: true)
        // Two agents on one data dir would fight over its containerd and pods: the second one stops here.
        let lock = containerd.dataDir + "/agent.lock"
        do {
            try await HostFileLock.withLock(lock, wait: false) {
                let hostNetwork = HostNetwork(clusterCIDR: configuration.clusterCIDR, serviceCIDR: configuration.serviceCIDR, logger: logger)
                do {
                    try await runUntilShutdown(containerd: containerd, hostNetwork: hostNetwork)
                } catch {
                    await hostNetwork.removeUnreachableRoutes()
                    throw error
                }
                await hostNetwork.removeUnreachableRoutes()
            }
        } catch let error as HostFileLock.Unavailable {
            throw DataDirInUse(description: "another agent is using the data dir \(containerd.dataDir) (\(error))")
        }
    }

    private func runUntilShutdown(containerd: ContainerdConfiguration, hostNetwork: HostNetwork) async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                let endpoint: String
                if let given = self.configuration.runtimeEndpoint {
                    endpoint = given
                } else {
                    let supervisor = ContainerdSupervisor(configuration: containerd, logger: self.logger)
                    group.addTask { defer { self.logger.debug("containerd supervisor stopped") }; try await supervisor.run() }
                    try await supervisor.waitUntilReady()
                    endpoint = supervisor.endpoint
                }
                let runtime = try CRIRuntimeClient(endpoint: endpoint, logger: self.logger)
                group.addTask { defer { self.logger.debug("runtime client stopped") }; try await runtime.run() }
                // The endpoint the API server reaches for `kubectl logs` (exec, attach and port-forward join it later).
                let logEndpoint = AgentEndpoint(address: self.configuration.internalIP, port: self.configuration.agentPort,
                                                logs: PodLogFiles(dataDir: containerd.dataDir, runtime: runtime), logger: self.logger)
                group.addTask {
                    do {
                        try await logEndpoint.run()
                    } catch {
                        // Pods keep running without it; only logs are unavailable.
                        self.logger.error("the agent endpoint stopped", metadata: ["port": "\(self.configuration.agentPort)", "error": "\(error)"])
                    }
                    while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
                }
                let version = try await self.retrying("ask the container runtime for its version") { try await runtime.version() }
                if endpoint.hasPrefix("unix://") {
                    await self.loadImages(runtime: runtime, socketPath: String(endpoint.dropFirst("unix://".count)))
                }

                let description = NodeDescription(
                    name: self.configuration.nodeName, capacity: MachineInfo.read(dataDir: containerd.dataDir).capacity,
                    internalIP: self.configuration.internalIP, agentPort: Int32(self.configuration.agentPort),
                    nodeInfo: MachineInfo.systemInfo(runtimeVersion: "\(version.runtimeName)://\(version.runtimeVersion)"))
                let node = try await NodeRegistrar(transport: self.transport, logger: self.logger).register(description)
                self.logger.info("registered node")
                let heartbeat = LeaseHeartbeat(transport: self.transport, nodeName: self.configuration.nodeName,
                                               nodeUID: node.metadata?.uid, logger: self.logger)
                let interval = self.configuration.leaseRenewInterval
                group.addTask { defer { self.logger.debug("lease heartbeat stopped") }; await heartbeat.run(interval: interval) }
                let reporter = NodeStatusReporter(transport: self.transport, description: description, dataDir: containerd.dataDir,
                                                  runtime: runtime, updateFrequency: self.configuration.nodeStatusUpdateFrequency,
                                                  logger: self.logger)
                group.addTask { defer { self.logger.debug("node status reporter stopped") }; await reporter.run() }

                let podCIDR = try await self.waitForPodCIDR()
                let network = PodNetworkConfiguration(dataDir: containerd.dataDir, podCIDR: podCIDR, clusterCIDR: self.configuration.clusterCIDR,
                                                      serviceCIDR: self.configuration.serviceCIDR, podEgress: self.configuration.podEgress)
                if try network.write(to: containerd.cniConfDir) {
                    self.logger.info("wrote the CNI config", metadata: ["podCIDR": "\(podCIDR)", "bridge": "\(network.bridgeName)"])
                }
                await hostNetwork.installUnreachableRoutes()
                await self.waitForNetworkReady(runtime)
                try? await reporter.postIfChanged()

                let runtimeCache = PodRuntimeCache(runtime: runtime, logger: self.logger)
                let relistInterval = self.configuration.podResyncInterval
                group.addTask { defer { self.logger.debug("relist stopped") }; await runtimeCache.run(interval: relistInterval) }
                let workers = PodWorkers(context: PodWorkerContext(
                    runtime: runtime, runtimeCache: runtimeCache, transport: self.transport, nodeName: self.configuration.nodeName, hostIP: self.configuration.internalIP,
                    dataDir: containerd.dataDir, clusterDomain: self.configuration.clusterDomain,
                    admission: PodAdmission(allocatable: description.allocatable), resyncInterval: self.configuration.podResyncInterval, logger: self.logger,
                    events: EventRecorder(transport: self.eventTransport, component: "kubelet", logger: self.logger)))
                group.addTask { defer { self.logger.debug("pod workers stopped") }; try await workers.run() }
                try await group.next()
            }
        }
    }

    /// Retries `body` with a growing delay until it succeeds or the task is cancelled.
    func retrying<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws -> T {
        var delay = Duration.milliseconds(100)
        while true {
            do {
                return try await body()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                logger.warning("cannot \(what), retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    /// The node's pod CIDR, once the NodeIPAM controller has allocated it.
    func waitForPodCIDR() async throws -> IPv4CIDR {
        let nodes = ResourceClient<Node>(transport: transport)
        var logged = false
        while true {
            try Task.checkCancellation()
            if let text = try? await nodes.get(configuration.nodeName).spec?.podCIDR, let cidr = IPv4CIDR(text) { return cidr }
            if !logged {
                logger.info("waiting for the node's pod CIDR")
                logged = true
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Waits (at most 30 s) until containerd's CRI plugin has loaded the CNI config.
    func waitForNetworkReady(_ runtime: CRIRuntimeClient) async {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && !Task.isCancelled {
            if let conditions = try? await runtime.status(), conditions.contains(where: { $0.type == RuntimeCondition.networkReady && $0.status }) {
                return
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        logger.warning("the container runtime's network is not ready yet")
    }

    /// Imports the pause image (and busybox, when its archive is there) when the runtime lacks them.
    func loadImages(runtime: CRIRuntimeClient, socketPath: String) async {
        let importer = ImageArchiveImporter(socketPath: socketPath, logger: logger)
        let wanted: [(image: String, archives: [String])] = [
            (ContainerdConfiguration.defaultSandboxImage, ["pause-3.10.tar"]),
            ("docker.io/library/busybox:1.36", ["busybox-1.36.oci.tar", "busybox-1.36.tar"]),
        ]
        for (image, archives) in wanted {
            if (try? await runtime.imageStatus(image)) ?? nil != nil { continue }
            let candidates = configuration.imageArchiveDirectories.flatMap { directory in archives.map { directory + "/" + $0 } }
            guard let archive = candidates.first(where: FileManager.default.isReadableFile(atPath:)) else {
                if image == ContainerdConfiguration.defaultSandboxImage {
                    logger.warning("no archive of the sandbox image; pods cannot start until it is imported",
                                   metadata: ["image": "\(image)", "searched": "\(configuration.imageArchiveDirectories)"])
                }
                continue
            }
            do {
                _ = try await importer.importArchive(archive)
            } catch {
                logger.warning("cannot import image archive", metadata: ["archive": "\(archive)", "error": "\(error)"])
            }
        }
    }
}
