import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
import SwiftletControllers
@testable import SwiftletSimulator
import SwiftletStore
import Testing

/// A real API server on the memory store with the controllers, and simulated nodes started and stopped by the test.
struct SimulatedCluster {
    let transport: InProcessTransport
    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }
    var nodes: ResourceClient<Node> { ResourceClient(transport: transport) }
    var leases: ResourceClient<Lease> { ResourceClient(transport: transport) }

    static let fastNodeHealth = ControllerManagerConfiguration(
        nodeMonitorGracePeriod: .seconds(5), nodeMonitorPeriod: .milliseconds(200), nodeStartupGracePeriod: .seconds(5),
        nodeEvictionRate: 10, podGCPeriod: .milliseconds(500))

    static func with(configuration: ControllerManagerConfiguration = fastNodeHealth, tolerationSeconds: Int64 = 300,
                     _ body: (SimulatedCluster) async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let admission = AdmissionOptions(defaultNotReadyTolerationSeconds: tolerationSeconds, defaultUnreachableTolerationSeconds: tolerationSeconds)
        let api = try await InProcessAPIServer.start(admission: admission, logger: logger)
        defer { api.stop() }
        let cluster = SimulatedCluster(transport: api.transport())
        let manager = ControllerManager(transport: cluster.transport, configuration: configuration, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await manager.run() }
            defer { group.cancelAll() }
            try await body(cluster)
        }
    }

    /// Runs `count` simulated nodes named `prefix0…` until the returned task is cancelled (a node failure).
    func startNodes(_ count: Int, prefix: String, leaseDurationSeconds: Int32 = 2) -> Task<Void, Never> {
        var logger = Logger(label: "sim")
        logger.logLevel = .warning
        let simulator = SimulatedNodes(transport: transport, configuration: SimulatorConfiguration(
            count: count, prefix: prefix, leaseDurationSeconds: leaseDurationSeconds), logger: logger)
        return Task { try? await simulator.run() }
    }

    func pod(_ name: String, node: String, annotations: [String: String]? = nil, restartPolicy: String = "Always") -> Pod {
        Pod(metadata: ObjectMeta(annotations: annotations, name: name, namespace: "default"),
            spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main")], nodeName: node, restartPolicy: restartPolicy))
    }
}

func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out waiting until \(what)")
    throw CancellationError()
}
