import Foundation
import Testing

/// Nodes in two simulator processes; the one holding fewer than half of the nodes dies. A Deployment's pods
/// move to the nodes that remain; a StatefulSet's pod keeps its identity: Terminating until force-deleted,
/// then Running elsewhere under the same name.
@Suite(.serialized) struct NodeFailureTests {
    @Test func podsOfAFailedNodeMoveToHealthyNodes() async throws {
        let server = try ServerProcess()
        try await server.start(extraArguments: [
            "--node-monitor-grace-period", "6s", "--node-monitor-period", "500ms", "--node-eviction-rate", "1",
            "--default-not-ready-toleration-seconds", "2", "--default-unreachable-toleration-seconds", "2",
        ])
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        let healthy = try SimulatorProcess(server: server, count: 3, prefix: "a-", extraArguments: ["--node-lease-duration-seconds", "4"])
        defer { healthy.stop() }
        let failing = try SimulatorProcess(server: server, count: 2, prefix: "b-", extraArguments: ["--node-lease-duration-seconds", "4"])
        defer { failing.stop() }
        try await waitUntil("five ready nodes") {
            let out = try kubectl.ok(["get", "nodes", "--no-headers"])
            return out.split(separator: "\n").filter { $0.contains(" Ready ") }.count == 5
        }
        // The StatefulSet's pod must land on a b- node: the a- nodes are cordoned while it is placed.
        for node in ["a-0", "a-1", "a-2"] { try kubectl.ok(["cordon", node]) }
        try kubectl.ok(["apply", "-f", "-"], input: """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: db}
            spec:
              serviceName: db
              replicas: 1
              selector: {matchLabels: {app: db}}
              template:
                metadata: {labels: {app: db}}
                spec: {containers: [{name: main, image: busybox:1.36}]}
            """)
        try await waitUntil("db-0 running on a b- node") {
            try kubectl.ok(["get", "pod", "db-0", "-o", "jsonpath={.status.phase} {.spec.nodeName}"]).hasPrefix("Running b-")
        }
        for node in ["a-0", "a-1", "a-2"] { try kubectl.ok(["uncordon", node]) }
        try kubectl.ok(["create", "deployment", "web", "--image=busybox:1.36", "--replicas=10"])
        try await waitUntil("ten web pods running") { try runningWebPods(kubectl).count == 10 }
        #expect(try runningWebPods(kubectl).contains { $0.node.hasPrefix("b-") })

        failing.stop()
        try await waitUntil("b- nodes not ready", timeout: .seconds(30)) {
            let out = try kubectl.ok(["get", "nodes", "--no-headers"])
            return out.split(separator: "\n").filter { $0.hasPrefix("b-") && $0.contains("NotReady") }.count == 2
        }
        try await waitUntil("ten web pods running on a- nodes", timeout: .seconds(60)) {
            let pods = try runningWebPods(kubectl)
            return pods.count == 10 && pods.allSatisfy { $0.node.hasPrefix("a-") }
        }
        // The StatefulSet pod is evicted but never duplicated: it stays Terminating on the dead node.
        try await waitUntil("db-0 terminating", timeout: .seconds(30)) {
            !(try kubectl.ok(["get", "pod", "db-0", "-o", "jsonpath={.metadata.deletionTimestamp}"]).isEmpty)
        }
        try await Task.sleep(for: .seconds(2))
        let stuck = try kubectl.ok(["get", "pods", "-l", "app=db", "--no-headers"])
        #expect(stuck.split(separator: "\n").count == 1)
        #expect(try kubectl.ok(["get", "pod", "db-0", "-o", "jsonpath={.spec.nodeName}"]).hasPrefix("b-"))
        try kubectl.ok(["delete", "pod", "db-0", "--force", "--grace-period=0"])
        try await waitUntil("db-0 running on an a- node", timeout: .seconds(30)) {
            try kubectl.ok(["get", "pod", "db-0", "-o", "jsonpath={.status.phase} {.spec.nodeName}"]).hasPrefix("Running a-")
        }
    }

    private func runningWebPods(_ kubectl: Kubectl) throws -> [(name: String, node: String)] {
        let out = try kubectl.ok(["get", "pods", "-l", "app=web", "-o",
                                  #"jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName} {.metadata.deletionTimestamp}{"\n"}{end}"#])
        return out.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 4, parts[1] == "Running", parts[3].isEmpty else { return nil }
            return (parts[0], parts[2])
        }
    }
}
