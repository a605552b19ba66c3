import ArgumentParser
import Foundation
import SwiftletAPI
import SwiftletClient

/// `swiftlet-bench deployment`: how long a Deployment of N replicas takes to be fully available, and a rolling
/// update of it to finish, with pods made Running and Ready the moment they appear; with the controllers'
/// CPU and memory (they run as their own `swiftlet controllers` process so they can be measured apart).
struct DeploymentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "deployment", abstract: "Deployment rollout time with instant pods.")

    @Option(help: "The swiftlet binary to start (default: next to this one).") var binary: String?
    @Option(help: "Replicas of the Deployment.") var replicas = 1000
    @Option(help: "Concurrent status writers playing the node.") var nodeWriters = 32

    func run() async throws {
        let swiftlet = binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("swiftlet").path
        let server = try await ServerUnderTest(binary: swiftlet, controllers: false, extraArguments: ["--disable-scheduler"])
        defer { server.stop() }
        let controllers = Process()
        controllers.executableURL = URL(fileURLWithPath: swiftlet)
        controllers.arguments = ["controllers", "--kubeconfig", server.kubeconfig ?? "", "--log-level", "warning"]
        try controllers.run()
        defer {
            controllers.terminate()
            controllers.waitUntilExit()
        }
        let transport = try HTTPTransport(server: "http://\(server.host):\(server.port)", identity: ClientIdentity(component: "bench"))
        let deployments = ResourceClient<Deployment>(transport: transport)
        let serverSampler = ProcessSampler(pid: server.pid ?? 0)
        let controllerSampler = ProcessSampler(pid: controllers.processIdentifier)
        try await Task.sleep(for: .seconds(2))  // the controllers' informers sync
        let node = Task { await playNode(transport: transport) }
        defer { node.cancel() }
        serverSampler.start()
        controllerSampler.start()
        let cpu0 = (controllerSampler.cpuSeconds ?? 0, serverSampler.cpuSeconds ?? 0)

        let labels = ["app": "bench"]
        let deployment = Deployment(
            metadata: ObjectMeta(name: "bench", namespace: "default"),
            spec: DeploymentSpec(replicas: Int32(replicas), selector: MetaLabelSelector(matchLabels: labels),
                                 template: PodTemplateSpec(metadata: ObjectMeta(labels: labels),
                                                           spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main")]))))
        let created = ContinuousClock.now
        _ = try await deployments.create(deployment, namespace: "default")
        try await waitForRollout(deployments, generation: 1)
        let createTime = ContinuousClock.now - created
        let cpu1 = (controllerSampler.cpuSeconds ?? 0, serverSampler.cpuSeconds ?? 0)

        let updated = ContinuousClock.now
        _ = try await deployments.patch("bench", namespace: "default", type: .strategicMerge,
                                        body: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "busybox:1.37"]]]]]])
        try await waitForRollout(deployments, generation: 2)
        let updateTime = ContinuousClock.now - updated
        let cpu2 = (controllerSampler.cpuSeconds ?? 0, serverSampler.cpuSeconds ?? 0)
        serverSampler.stop()
        controllerSampler.stop()

        func seconds(_ d: Duration) -> String { String(format: "%.1f", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
        func cpu(_ a: Double, _ b: Double) -> String { String(format: "%.1f", b - a) }
        print("Deployment benchmark: \(replicas) replicas, pods made Ready at once by \(nodeWriters) status writers, SQLite store (fsync on)")
        print("| phase | wall s | controllers CPU s | server CPU s |")
        print("| --- | ---: | ---: | ---: |")
        print("| create → \(replicas) available | \(seconds(createTime)) | \(cpu(cpu0.0, cpu1.0)) | \(cpu(cpu0.1, cpu1.1)) |")
        print("| rolling update → complete | \(seconds(updateTime)) | \(cpu(cpu1.0, cpu2.0)) | \(cpu(cpu1.1, cpu2.1)) |")
        print(String(format: "peak RSS: controllers %.0f MiB, server %.0f MiB", controllerSampler.peakMiB, serverSampler.peakMiB))
        await transport.shutdown()
    }

    /// Polls until the Deployment's rollout of `generation` is complete, as `kubectl rollout status` decides.
    private func waitForRollout(_ deployments: ResourceClient<Deployment>, generation: Int64) async throws {
        let deadline = ContinuousClock.now + .seconds(900)
        while ContinuousClock.now < deadline {
            let d = try await deployments.get("bench", namespace: "default")
            let s = d.status
            if (s?.observedGeneration ?? 0) >= generation, s?.updatedReplicas == Int32(replicas), s?.replicas == Int32(replicas),
               s?.availableReplicas == Int32(replicas) {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the rollout did not finish in 15 minutes")
    }

    /// Marks every new pod Running and Ready, as a kubelet with instant containers would.
    private func playNode(transport: HTTPTransport) async {
        let pods = ResourceClient<Pod>(transport: transport)
        let (stream, continuation) = AsyncStream<String>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<nodeWriters {
                group.addTask {
                    for await name in stream {
                        let now = Time.now().rfc3339
                        let status: JSONValue = ["status": ["phase": "Running", "conditions": [
                            ["type": "Ready", "status": "True", "lastTransitionTime": .string(now)],
                            ["type": "ContainersReady", "status": "True", "lastTransitionTime": .string(now)],
                        ]]]
                        _ = try? await pods.patch(name, namespace: "default", type: .merge, body: status, subresource: "status")
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        for try await event in try await pods.watch(namespace: "default") {
                            guard case .added(let pod) = event, pod.metadata?.deletionTimestamp == nil else { continue }
                            continuation.yield(pod.metadata?.name ?? "")
                        }
                    } catch {
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                }
                continuation.finish()
            }
            await group.waitForAll()
        }
    }
}
