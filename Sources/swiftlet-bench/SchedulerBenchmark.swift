import ArgumentParser
import Foundation
import Synchronization
import SwiftletAPI
import SwiftletClient

/// `swiftlet-bench scheduler`: scheduling throughput and per-pod latency (created → bound) on simulated nodes,
/// with the server's CPU and memory (scheduler and controllers run inside it, as by default).
struct SchedulerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "scheduler", abstract: "Scheduling throughput and latency on simulated nodes.")

    @Option(help: "The swiftlet binary to start (default: next to this one).") var binary: String?
    @Option(help: "Simulated nodes.") var nodes = 1000
    @Option(help: "Pods to schedule.") var pods = 10000
    @Option(help: "Concurrent clients creating pods.") var clients = 64
    @Option(help: "Pod address range (a /9 leaves a /24 for each of 32,768 nodes).") var clusterCIDR = "10.128.0.0/9"

    func run() async throws {
        let swiftlet = binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("swiftlet").path
        let server = try await ServerUnderTest(binary: swiftlet, controllers: true, extraArguments: ["--cluster-cidr", clusterCIDR])
        defer { server.stop() }
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: swiftlet)
        agent.arguments = ["agent", "--kubeconfig", server.kubeconfig ?? "", "--simulate", "\(nodes)", "--log-level", "warning"]
        try agent.run()
        defer {
            agent.terminate()
            agent.waitUntilExit()
        }
        let transport = try HTTPTransport(server: "http://\(server.host):\(server.port)", identity: ClientIdentity(component: "bench"))
        let nodeClient = ResourceClient<Node>(transport: transport)
        let registering = ContinuousClock.now
        while try await nodeClient.list().items.filter({ $0.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true }).count < nodes {
            try await Task.sleep(for: .milliseconds(500))
            if ContinuousClock.now - registering > .seconds(600) { throw BenchError("the simulated nodes did not register") }
        }
        let registration = ContinuousClock.now - registering
        try await Task.sleep(for: .seconds(2))  // the scheduler's cache sees every node
        let sampler = ProcessSampler(pid: server.pid ?? 0)
        sampler.start()
        let cpuBefore = sampler.cpuSeconds ?? 0
        let idleRSS = sampler.residentMiB ?? 0

        let podClient = ResourceClient<Pod>(transport: transport)
        let timings = Timings()
        let watch = Task {
            do {
                for try await event in try await podClient.watch(namespace: "default") {
                    guard case .modified(let pod) = event, let name = pod.metadata?.name, pod.spec?.nodeName?.isEmpty == false else { continue }
                    let now = ContinuousClock.now
                    timings.bound.withLock { bound in
                        if bound[name] == nil { bound[name] = now }
                    }
                }
            } catch {}
        }
        defer { watch.cancel() }
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for c in 0..<clients {
                group.addTask {
                    var i = c
                    while i < pods {
                        let name = "bench-\(i)"
                        let pod = Pod(metadata: ObjectMeta(labels: ["app": "bench"], name: name, namespace: "default"),
                                      spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main", resources: ResourceRequirements(
                                          requests: ["cpu": Quantity("100m")!, "memory": Quantity("64Mi")!]))]))
                        let now = ContinuousClock.now
                        timings.created.withLock { $0[name] = now }
                        _ = try await podClient.create(pod, namespace: "default")
                        i += clients
                    }
                }
            }
            try await group.waitForAll()
        }
        let created = ContinuousClock.now - start
        while timings.bound.withLock({ $0.count }) < pods {
            if ContinuousClock.now - start > .seconds(900) { throw BenchError("pods were not all bound in 15 minutes") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let total = ContinuousClock.now - start
        let cpu = (sampler.cpuSeconds ?? 0) - cpuBefore
        sampler.stop()
        let latencies = LatencySummary(timings.created.withLock { created in
            timings.bound.withLock { bound in bound.compactMap { name, at in created[name].map { at - $0 } } }
        })
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let ms = LatencySummary.milliseconds
        print("Scheduler benchmark: \(nodes) simulated nodes, \(pods) pods (100m CPU, 64Mi each) created by \(clients) clients")
        print("| nodes | pods | nodes registered in s | pods created in s | all bound in s | pods/s | latency p50 ms | p99 ms | server CPU s | server RSS MiB (idle → peak) |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        print("| \(nodes) | \(pods) | \(String(format2: seconds(registration))) | \(String(format2: seconds(created))) | \(String(format2: seconds(total))) | \(Int(Double(pods) / seconds(total))) | \(ms(latencies.percentile(0.5))) | \(ms(latencies.percentile(0.99))) | \(String(format2: cpu)) | \(Int(idleRSS)) → \(Int(sampler.peakMiB)) |")
        await transport.shutdown()
    }
}

/// When each pod was created and when the watch saw it bound.
final class Timings: Sendable {
    let created = Mutex<[String: ContinuousClock.Instant]>([:])
    let bound = Mutex<[String: ContinuousClock.Instant]>([:])
}
