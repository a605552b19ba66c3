import Foundation
import Testing

/// kubectl taint, cordon, uncordon and drain (with a PodDisruptionBudget) on simulated nodes.
@Suite(.serialized) struct NodeOperationsTests {
    @Test func taintCordonAndDrainWithABudget() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        let nodes = try SimulatorProcess(server: server, count: 2, prefix: "sim-")
        defer { nodes.stop() }
        try await waitUntil("two ready nodes") {
            try kubectl.ok(["get", "nodes", "--no-headers"]).split(separator: "\n").filter { $0.contains(" Ready ") }.count == 2
        }

        try kubectl.ok(["taint", "nodes", "sim-0", "dedicated=infra:NoSchedule"])
        #expect(try kubectl.ok(["get", "node", "sim-0", "-o", "jsonpath={.spec.taints[*].key}"]).contains("dedicated"))
        try kubectl.ok(["taint", "nodes", "sim-0", "dedicated-"])
        #expect(!(try kubectl.ok(["get", "node", "sim-0", "-o", "jsonpath={.spec.taints[*].key}"]).contains("dedicated")))

        try kubectl.ok(["cordon", "sim-0"])
        #expect(try kubectl.ok(["get", "node", "sim-0", "--no-headers"]).contains("Ready,SchedulingDisabled"))
        try await waitUntil("the unschedulable taint") {
            try kubectl.ok(["get", "node", "sim-0", "-o", "jsonpath={.spec.taints[*].key}"]).contains("node.kubernetes.io/unschedulable")
        }
        try kubectl.ok(["create", "deployment", "web", "--image=busybox:1.36", "--replicas=4"])
        try await waitUntil("four pods running on sim-1") { try podNodes(kubectl, running: true) == Array(repeating: "sim-1", count: 4) }
        try kubectl.ok(["uncordon", "sim-0"])
        #expect(!(try kubectl.ok(["get", "node", "sim-0", "--no-headers"]).contains("SchedulingDisabled")))

        // Spread the pods over both nodes, then drain sim-1 under a budget that allows one disruption at a time.
        try kubectl.ok(["scale", "deployment", "web", "--replicas=6"])
        try await waitUntil("six pods running") { try podNodes(kubectl, running: true).count == 6 }
        try kubectl.ok(["create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=5"])
        try await waitUntil("the budget allows one disruption") {
            try kubectl.ok(["get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}"]) == "1"
        }
        let drain = try kubectl.run(["drain", "sim-1", "--ignore-daemonsets", "--timeout=90s"], timeout: 120)
        #expect(drain.status == 0, "\(drain.stdout)\n\(drain.stderr)")
        #expect(drain.stdout.contains("drained"))
        #expect(try kubectl.ok(["get", "node", "sim-1", "--no-headers"]).contains("SchedulingDisabled"))
        try await waitUntil("six pods running on sim-0") { try podNodes(kubectl, running: true) == Array(repeating: "sim-0", count: 6) }

        // A budget that allows nothing stops the drain with upstream's message.
        try kubectl.ok(["uncordon", "sim-1"])
        try kubectl.ok(["patch", "pdb", "web", "--type=merge", "-p", #"{"spec":{"minAvailable":6}}"#])
        try await waitUntil("the budget allows no disruption") {
            try kubectl.ok(["get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}"]) == "0"
        }
        let blocked = try kubectl.run(["drain", "sim-0", "--ignore-daemonsets", "--timeout=6s"], timeout: 60)
        #expect(blocked.status != 0)
        #expect((blocked.stdout + blocked.stderr).contains("Cannot evict pod as it would violate the pod's disruption budget"))
    }

    private func podNodes(_ kubectl: Kubectl, running: Bool) throws -> [String] {
        let out = try kubectl.ok(["get", "pods", "-l", "app=web", "-o",
                                  #"jsonpath={range .items[*]}{.status.phase} {.spec.nodeName} {.metadata.deletionTimestamp}{"\n"}{end}"#])
        return out.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3, !running || parts[0] == "Running", parts[2].isEmpty else { return nil }
            return parts[1]
        }.sorted()
    }
}
