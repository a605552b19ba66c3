import ArgumentParser
import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletCRI

/// `swiftlet-bench podstart`: pod start latency (created → Running and Ready) on one real node with its images
/// present, one pod at a time and in bursts, each beside the bare CRI floor (RunPodSandbox + CreateContainer +
/// StartContainer straight against the same containerd) measured in the same run; with the agent's RSS.
struct PodStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podstart", abstract: "Pod start latency on a real node (agent + containerd) beside the bare CRI floor. Needs root.")

    @Option(help: "The swiftlet binary to start (default: next to this one).") var binary: String?
    @Option(help: "Pods started one at a time (each waits for the previous to be Ready).") var samples = 20
    @Option(parsing: .upToNextOption, help: "Burst sizes: pods created at once, one round per size.") var bursts: [Int] = [20, 50]
    @Option(help: "Rounds of each burst size; their latencies are pooled.") var burstRounds = 1
    @Option(help: "Directory with pause-3.10.tar and busybox-1.36.oci.tar (hack/build-images.sh; default: searched).") var images: String?
    @Option(help: "Copy the agent's and containerd's logs (warnings and up) into this directory at the end.") var logs: String?
    @Option(name: .customLong("cluster-cidr"), help: "Pod address range; one no test uses, so both can share the host.")
    var clusterCIDR = "10.189.0.0/16"
    @Option(name: .customLong("service-cidr"), help: "Service address range.") var serviceCIDR = "10.188.0.0/16"

    static let image = "docker.io/library/busybox:1.36"
    static let archives = ["pause-3.10.tar", "busybox-1.36.oci.tar"]
    /// Held while containerd runs, so the benchmark never shares the host with test suites that use containerd.
    static let containerdLock = "/run/swiftlet-tests/containerd.lock"

    func validate() throws {
        guard samples >= 1, burstRounds >= 1, bursts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("counts must be at least 1") }
        guard IPv4CIDR(clusterCIDR) != nil, IPv4CIDR(serviceCIDR) != nil else { throw ValidationError("invalid --cluster-cidr or --service-cidr") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        guard geteuid() == 0 else { throw BenchError("podstart runs containerd and sets up pod networks: run it as root") }
        let swiftlet = binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("swiftlet").path
        let archives = try imageArchives(swiftlet: swiftlet)
        progress("waiting for \(Self.containerdLock) (no containerd test suite may run meanwhile)")
        let report = try await HostFileLock.withLock(Self.containerdLock) { try await measure(swiftlet: swiftlet, archives: archives) }
        report.print()
    }

    /// The image archives, from `--images` or wherever hack/build-images.sh and scripts/up.sh put them.
    private func imageArchives(swiftlet: String) throws -> [String] {
        let binaryDirectory = URL(fileURLWithPath: swiftlet).resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = images.map { [$0] } ?? [
            binaryDirectory.appendingPathComponent("../images").standardizedFileURL.path,
            binaryDirectory.appendingPathComponent("../../images").standardizedFileURL.path,
            FileManager.default.currentDirectoryPath + "/.build/images",
            "/usr/local/share/swiftlet/images",
        ]
        for directory in candidates where Self.archives.allSatisfy({ FileManager.default.isReadableFile(atPath: directory + "/" + $0) }) {
            return Self.archives.map { directory + "/" + $0 }
        }
        throw BenchError("no \(Self.archives.joined(separator: " and ")) in \(candidates.joined(separator: ", ")): run hack/build-images.sh")
    }

    private func measure(swiftlet: String, archives: [String]) async throws -> PodStartReport {
        progress("starting swiftlet server (controllers and scheduler on) and swiftlet agent with its own containerd")
        let server = try await ServerUnderTest(binary: swiftlet, controllers: true,
                                               extraArguments: ["--cluster-cidr", clusterCIDR, "--service-cidr", serviceCIDR])
        defer { server.stop() }
        let node: NodeUnderTest
        do {
            node = try NodeUnderTest(binary: swiftlet, kubeconfig: server.kubeconfig ?? "", name: "podstart-bench", imageArchives: archives,
                                     clusterCIDR: clusterCIDR, serviceCIDR: serviceCIDR)
        } catch {
            throw BenchError("cannot start the agent: \(error)")
        }
        let transport = try HTTPTransport(server: "http://\(server.host):\(server.port)", identity: ClientIdentity(component: "bench"),
                                          maxConnections: 64)
        var runtime: CRIRuntimeClient?
        var connection: Task<Void, any Error>?
        let outcome: Result<PodStartReport, any Error>
        do {
            let socket = node.containerd.socketPath
            let deadline = ContinuousClock.now + .seconds(60)
            while !FileManager.default.fileExists(atPath: socket) {
                guard ContinuousClock.now < deadline else { throw BenchError("the agent's containerd did not start:\n\(node.logTail)") }
                try await Task.sleep(for: .milliseconds(100))
            }
            let client = try CRIRuntimeClient(endpoint: node.containerd.endpoint)
            runtime = client
            connection = Task { try await client.run() }
            try await node.waitUntilReady(nodes: ResourceClient<Node>(transport: transport), runtime: client, image: Self.image)
            outcome = .success(try await rounds(node: node, pods: ResourceClient<Pod>(transport: transport)))
        } catch {
            outcome = .failure(error)
        }
        progress("cleaning up: sandboxes, agent, containerd, bridge, data dirs")
        let leftovers = await node.stop(runtime: runtime, keepingLogsIn: logs)
        connection?.cancel()
        _ = await connection?.result
        await transport.shutdown()
        for leftover in leftovers { progress("cleaned up what should have been gone: \(leftover)") }
        return try outcome.get()
    }

    /// The measured rounds, each mode's floor first and then the agent, after one discarded warm-up pod each.
    private func rounds(node: NodeUnderTest, pods: ResourceClient<Pod>) async throws -> PodStartReport {
        let agent = AgentPodStarts(pods: pods, image: Self.image)
        let floor = CRIFloorPodStarts(endpoint: node.containerd.endpoint, image: Self.image, logRoot: node.dataDir + "/podstart-floor-logs")
        let sampler = ProcessSampler(pid: node.pid)
        progress("warm-up: one pod through the agent, one straight over CRI")
        _ = try await floor.round("warmup", count: 1, concurrent: false)
        _ = try await agent.round("warmup", count: 1, concurrent: false)
        try await Task.sleep(for: .seconds(2))
        let idleRSS = sampler.residentMiB ?? 0
        sampler.start()
        defer { sampler.stop() }
        let cpuBefore = sampler.cpuSeconds ?? 0

        var modes: [PodStartReport.Mode] = []
        progress("single: \(samples) pods one at a time, straight over CRI")
        let singleFloor = try await floor.round("single", count: samples, concurrent: false)
        progress("single: \(samples) pods one at a time, through the agent")
        let singleAgent = try await agent.round("single", count: samples, concurrent: false)
        modes.append(.init(name: "single", pods: samples, agent: LatencySummary(singleAgent), floor: LatencySummary(singleFloor), target: 1.5))
        var steady: PodStartReport.SteadyState?
        for size in bursts {
            var floorLatencies: [Duration] = []
            var agentLatencies: [Duration] = []
            for round in 0..<burstRounds {
                progress("burst of \(size) (round \(round + 1) of \(burstRounds)), straight over CRI")
                floorLatencies += try await floor.round("burst\(size)-\(round)", count: size, concurrent: true)
                progress("burst of \(size) (round \(round + 1) of \(burstRounds)), through the agent")
                agentLatencies += try await agent.round("burst\(size)-\(round)", count: size, concurrent: true) {
                    // What the node costs while nothing changes, once per size, the largest reported.
                    guard round == 0, size >= (steady?.pods ?? 0) else { return }
                    steady = try await steadyState(node: node, pods: size)
                }
            }
            modes.append(.init(name: "burst of \(size)", pods: size * burstRounds, agent: LatencySummary(agentLatencies),
                               floor: LatencySummary(floorLatencies), target: 1.2))
        }
        return PodStartReport(modes: modes, agentIdleMiB: idleRSS, agentPeakMiB: sampler.peakMiB,
                              agentCPUSeconds: (sampler.cpuSeconds ?? 0) - cpuBefore,
                              agentPods: samples + bursts.reduce(0, +) * burstRounds, steady: steady,
                              agentRuntimeUnavailable: node.logLines(containing: "unavailable"))
    }

    /// CPU the agent and its containerd use over 5 s with `pods` pods running and nothing changing.
    private func steadyState(node: NodeUnderTest, pods: Int) async throws -> PodStartReport.SteadyState {
        try await Task.sleep(for: .seconds(2))  // the last status writes and events settle
        let containerdPID = (try? String(contentsOfFile: node.containerd.pidPath, encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        let agent = ProcessSampler(pid: node.pid), containerd = ProcessSampler(pid: containerdPID)
        let before = (agent.cpuSeconds ?? 0, containerd.cpuSeconds ?? 0)
        let window = Duration.seconds(5)
        try await Task.sleep(for: window)
        let seconds = PodStartReport.seconds(window)
        return PodStartReport.SteadyState(pods: pods, agentCPU: ((agent.cpuSeconds ?? 0) - before.0) / seconds,
                                          containerdCPU: ((containerd.cpuSeconds ?? 0) - before.1) / seconds)
    }

    private func progress(_ message: String) {
        FileHandle.standardError.write(Data("podstart: \(message)\n".utf8))
    }
}
