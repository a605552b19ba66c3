import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
@testable import SwiftletAgent
import SwiftletClient
import SwiftletControllers
@testable import SwiftletCRI
import SwiftletStore
import Synchronization
import SwiftletTestSupport
import Testing

/// A real API server on the memory store with the controllers (for the node's pod CIDR), and one real agent with its
/// own containerd in a fresh data dir; afterwards nothing is left: no pod, process, mount, bridge or route.
struct AgentTestCluster {
    let transport: InProcessTransport
    let configuration: AgentConfiguration
    /// A client of the agent's containerd, to look at what the agent did.
    let runtime: CRIRuntimeClient
    let agentRunner: AgentRunner
    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }
    var nodes: ResourceClient<Node> { ResourceClient(transport: transport) }
    var nodeName: String { configuration.nodeName }

    /// A cluster range of its own, so a swiftlet server running on this machine (10.42.0.0/16) is not disturbed.
    static let clusterCIDR = IPv4CIDR("10.199.0.0/16")!
    static let serviceCIDR = IPv4CIDR("10.198.0.0/16")!

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    typealias MissingPrerequisite = SwiftletTestSupport.MissingPrerequisite

    /// Fails (never skips) when the machine lacks what the test needs; scripts/install-deps.sh installs it.
    static func requirePrerequisites() throws {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (containerd needs it)") }
        for tool in ["containerd", "containerd-shim-runc-v2", "runc", "ctr", "umoci", "skopeo", "gcc", "ip"] {
            if (try? ContainerdSupervisor.resolveExecutable(tool)) == nil { missing.append(tool) }
        }
        for plugin in ["bridge", "host-local", "loopback", "portmap"] where !FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/" + plugin) {
            missing.append("/usr/lib/cni/\(plugin) (containernetworking-plugins)")
        }
        if !missing.isEmpty {
            throw MissingPrerequisite(description: "missing: \(missing.joined(separator: ", ")); run scripts/install-deps.sh")
        }
    }

    /// The archives hack/build-images.sh makes (built once per test run).
    static func imageArchives() throws -> String {
        let directory = repositoryRoot.appendingPathComponent(".build/images").path
        if FileManager.default.fileExists(atPath: directory + "/pause-3.10.tar"),
           FileManager.default.fileExists(atPath: directory + "/busybox-1.36.oci.tar") {
            return directory
        }
        let (status, output) = try HostProcesses.run(repositoryRoot.appendingPathComponent("hack/build-images.sh").path, [directory])
        guard status == 0 else { throw MissingPrerequisite(description: "hack/build-images.sh failed: \(output)") }
        return directory
    }


    static func with(_ body: (AgentTestCluster) async throws -> Void) async throws {
        // One containerd test at a time on this host, across the test targets (DESIGN.md).
        try await HostFileLock.withLock("/run/swiftlet-tests/containerd.lock") { try await withAlone(body) }
    }

    private static func withAlone(_ body: (AgentTestCluster) async throws -> Void) async throws {
        try requirePrerequisites()
        let archives = try imageArchives()
        var logger = Logger(label: "test")
        logger.logLevel = ProcessInfo.processInfo.environment["AGENT_TEST_LOG"] == nil ? .warning : .debug
        let api = try await InProcessAPIServer.start(logger: logger)
        defer { api.stop() }
        let transport = api.transport()
        let manager = ControllerManager(transport: transport, configuration: ControllerManagerConfiguration(clusterCIDR: clusterCIDR),
                                        logger: logger)

        let dataDir = "/tmp/swiftlet-agent-\(UUID().uuidString.prefix(8))"
        let configuration = AgentConfiguration(
            nodeName: "agent-test-\(UUID().uuidString.prefix(6).lowercased())", dataDir: dataDir, agentPort: try freePort(), clusterCIDR: clusterCIDR,
            serviceCIDR: serviceCIDR, imageArchiveDirectories: [archives], nodeStatusUpdateFrequency: .seconds(1),
            leaseRenewInterval: .seconds(2), podResyncInterval: .milliseconds(500))
        let runner = AgentRunner(transport: transport, configuration: configuration, logger: logger)
        let containerd = ContainerdConfiguration(dataDir: dataDir)
        let controllers = Task { await manager.run() }
        runner.start()
        var outcome: Result<Void, any Error> = .success(())
        do {
            try await waitUntil("containerd answers", timeout: .seconds(60)) { FileManager.default.fileExists(atPath: containerd.socketPath) }
            let runtime = try CRIRuntimeClient(endpoint: containerd.endpoint)
            let connection = Task { try await runtime.run() }
            let cluster = AgentTestCluster(transport: transport, configuration: configuration, runtime: runtime, agentRunner: runner)
            do {
                try await cluster.waitForReadyNode()
                try await body(cluster)
            } catch {
                outcome = .failure(error)
            }
            await cluster.deleteAllPods()
            await removeAllPods(runtime)
            connection.cancel()
            _ = try? await connection.value
        } catch {
            outcome = .failure(error)
        }
        await runner.stop()
        controllers.cancel()
        await controllers.value
        await clearAway(containerd)
        try outcome.get()
    }

    /// Runs the agent in a task that the test can stop and start again (an agent restart).
    final class AgentRunner: Sendable {
        let transport: InProcessTransport
        let configuration: AgentConfiguration
        let logger: Logger
        private let task = Mutex<Task<Void, any Error>?>(nil)

        init(transport: InProcessTransport, configuration: AgentConfiguration, logger: Logger) {
            self.transport = transport
            self.configuration = configuration
            self.logger = logger
        }

        func start() {
            let agent = Agent(transport: transport, configuration: configuration, logger: logger)
            task.withLock { $0 = Task { try await agent.run() } }
        }

        /// Stops the agent (and its containerd); running pods keep running in their shims.
        func stop() async {
            guard let running = task.withLock({ $0.take() }) else { return }
            running.cancel()
            if case .failure(let error) = await running.result, !(error is CancellationError) {
                Issue.record("the agent failed: \(error)")
            }
        }
    }

    func waitForReadyNode() async throws {
        try await waitUntil("the node is registered, Ready and has a pod CIDR", timeout: .seconds(90)) {
            let node = try await nodes.get(nodeName)
            return node.spec?.podCIDR != nil && node.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
        }
    }

    /// Waits until the agent's final delete removed the pod from the API.
    func waitUntilGone(_ name: String, timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("pod \(name) is gone", timeout: timeout) {
            do {
                _ = try await pods.get(name, namespace: "default")
                return false
            } catch let error as APIError where error.reason == .notFound {
                return true
            }
        }
    }

    /// Deletes every pod and waits for the agent's final deletes.
    func deleteAllPods() async {
        let all = (try? await pods.list(namespace: "default").items) ?? []
        for pod in all {
            _ = try? await pods.delete(pod.metadata?.name ?? "", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 1))
        }
        try? await waitUntil("every pod is gone", timeout: .seconds(60)) {
            try await pods.list(namespace: "default").items.isEmpty
        }
        // A finished pod is deleted at once, before its worker removed its containers: give the workers time.
        try? await waitUntil("the agent removed every container and sandbox", timeout: .seconds(30)) {
            let containers = try await runtime.listContainers(.all)
            let sandboxes = try await runtime.listPodSandboxes(.all)
            return containers.isEmpty && sandboxes.isEmpty
        }
    }

    /// Stops and removes what the agent left in containerd, so no shim outlives the test.
    static func removeAllPods(_ runtime: CRIRuntimeClient) async {
        for container in (try? await runtime.listContainers(.all)) ?? [] {
            Issue.record("container left behind: \(container.metadata.name)")
            try? await runtime.removeContainer(id: container.id)
        }
        for sandbox in (try? await runtime.listPodSandboxes(.all)) ?? [] {
            Issue.record("sandbox left behind: \(sandbox.metadata.name)")
            try? await runtime.stopPodSandbox(id: sandbox.id)
            try? await runtime.removePodSandbox(id: sandbox.id)
        }
    }



    /// The host's routes for `cidr` (`ip route show <cidr>`).
    static func hostRoutes(_ cidr: String) -> String {
        (try? HostProcesses.run("/usr/sbin/ip", ["route", "show", "exact", cidr]).1) ?? (try? HostProcesses.run("/sbin/ip", ["route", "show", "exact", cidr]).1) ?? ""
    }

    static func linkExists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: "/sys/class/net/" + name)
    }

    private static func clearAway(_ containerd: ContainerdConfiguration) async {
        let needles = [containerd.dataDir, containerd.socketPath]
        var leftovers = HostProcesses.mentioning(needles)
        for _ in 0..<100 where !leftovers.isEmpty {
            try? await Task.sleep(for: .milliseconds(100))
            leftovers = HostProcesses.mentioning(needles)
        }
        if !leftovers.isEmpty {
            Issue.record("processes left behind: \(leftovers)")
            for pid in leftovers { kill(pid, SIGKILL) }
        }
        let mounted = MountTable.mountPoints(under: containerd.dataDir)
        if !mounted.isEmpty {
            Issue.record("mounts left behind: \(mounted)")
            MountTable.unmountAll(under: containerd.dataDir)
        }
        for cidr in [clusterCIDR.description, serviceCIDR.description] where hostRoutes(cidr).contains("unreachable") {
            Issue.record("the unreachable route for \(cidr) outlived the agent")
            _ = try? HostProcesses.run("/usr/sbin/ip", ["route", "del", "unreachable", cidr])
        }
        await HostNetwork.removeBridge(dataDir: containerd.dataDir)
        if containerd.dataDir.hasPrefix("/tmp/swiftlet-agent-") { try? FileManager.default.removeItem(atPath: containerd.dataDir) }
    }
}

func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("timed out waiting until \(what)")
    throw CancellationError()
}

/// An HTTP GET from the test process (a plain socket: the pod's address is on this host's bridge).
func httpGet(_ host: String, port: Int32, path: String) async throws -> (status: Int, body: String) {
    let request = "GET \(path) HTTP/1.0\r\nHost: \(host)\r\n\r\n"
    let data = try await SocketProbe.connect(host: host, port: port, timeout: .seconds(3), request: Data(request.utf8))
    let text = String(decoding: data, as: UTF8.self)
    let status = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return (status, body)
}

/// A port nobody listens on now on 127.0.0.1, for the agent endpoint.
func freePort() throws -> Int { try HostProcesses.freePort() }
