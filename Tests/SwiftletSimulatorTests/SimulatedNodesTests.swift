import Foundation
import SwiftletAPI
import SwiftletClient
@testable import SwiftletSimulator
import Testing

@Suite struct SimulatedNodesTests {
    @Test func nodesRegisterWithPodCIDRsAndLeases() async throws {
        try await SimulatedCluster.with { cluster in
            let nodes = cluster.startNodes(3, prefix: "sim-")
            defer { nodes.cancel() }
            try await waitUntil("three nodes with pod CIDRs") {
                let list = try await cluster.nodes.list().items
                return list.count == 3 && list.allSatisfy { $0.spec?.podCIDR != nil }
            }
            let list = try await cluster.nodes.list().items
            let cidrs = Set(list.compactMap { $0.spec?.podCIDR })
            #expect(cidrs.count == 3)
            #expect(cidrs.allSatisfy { $0.hasPrefix("10.42.") && $0.hasSuffix(".0/24") })
            for node in list {
                #expect(node.status?.conditions?.first { $0.type == "Ready" }?.status == "True")
                #expect(node.status?.capacity?["pods"] == Quantity(integer: 110))
                #expect(node.metadata?.labels?["kubernetes.io/hostname"] == node.metadata?.name)
            }
            try await waitUntil("leases renewed") {
                try await cluster.leases.list(namespace: "kube-node-lease").items.count == 3
            }
            let lease = try await cluster.leases.get("sim-0", namespace: "kube-node-lease")
            #expect(lease.spec?.holderIdentity == "sim-0")
            #expect(lease.spec?.leaseDurationSeconds == 2)  // the harness shortens it; renewed every quarter
            #expect(lease.metadata?.ownerReferences?.first?.kind == "Node")
        }
    }

    @Test func boundPodRunsWithAnIPFromItsNode() async throws {
        try await SimulatedCluster.with { cluster in
            let nodes = cluster.startNodes(1, prefix: "sim-")
            defer { nodes.cancel() }
            try await waitUntil("node has a pod CIDR") { try await cluster.nodes.get("sim-0").spec?.podCIDR != nil }
            let cidr = try #require(IPv4CIDR(try await cluster.nodes.get("sim-0").spec?.podCIDR ?? ""))
            _ = try await cluster.pods.create(cluster.pod("web", node: "sim-0"), namespace: "default")
            try await waitUntil("pod running and ready") {
                let pod = try await cluster.pods.get("web", namespace: "default")
                return pod.status?.phase == "Running" && pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
            }
            let pod = try await cluster.pods.get("web", namespace: "default")
            let ip = try #require(pod.status?.podIP.flatMap(IPv4CIDR.parseAddress))
            #expect(cidr.contains(ip))
            #expect(pod.status?.podIP == IPv4CIDR.format(cidr.network + 2))
            #expect(pod.status?.containerStatuses?.first?.state?.running != nil)
            #expect(pod.status?.hostIP == "127.0.0.1")
            // Deleting the pod finishes at once, as kubelet confirms the containers stopped.
            _ = try await cluster.pods.delete("web", namespace: "default")
            try await waitUntil("pod gone") { (try? await cluster.pods.get("web", namespace: "default")) == nil }
        }
    }

    @Test func exitAnnotationFinishesOrRestartsByPolicy() async throws {
        try await SimulatedCluster.with { cluster in
            let nodes = cluster.startNodes(1, prefix: "sim-")
            defer { nodes.cancel() }
            try await waitUntil("node has a pod CIDR") { try await cluster.nodes.get("sim-0").spec?.podCIDR != nil }
            let exits = [SimulationAnnotations.exitAfter: "500ms", SimulationAnnotations.exitCode: "3"]
            _ = try await cluster.pods.create(cluster.pod("fails", node: "sim-0", annotations: exits, restartPolicy: "Never"), namespace: "default")
            _ = try await cluster.pods.create(cluster.pod("succeeds", node: "sim-0", annotations: [SimulationAnnotations.exitAfter: "500ms"],
                                                          restartPolicy: "OnFailure"), namespace: "default")
            _ = try await cluster.pods.create(cluster.pod("restarts", node: "sim-0", annotations: exits), namespace: "default")
            try await waitUntil("pods finished or restarted") {
                let failed = try await cluster.pods.get("fails", namespace: "default")
                let succeeded = try await cluster.pods.get("succeeds", namespace: "default")
                let restarted = try await cluster.pods.get("restarts", namespace: "default")
                return failed.status?.phase == "Failed" && succeeded.status?.phase == "Succeeded"
                    && (restarted.status?.containerStatuses?.first?.restartCount ?? 0) >= 1
            }
            let failed = try await cluster.pods.get("fails", namespace: "default")
            #expect(failed.status?.containerStatuses?.first?.state?.terminated?.exitCode == 3)
            #expect(failed.status?.containerStatuses?.first?.state?.terminated?.reason == "Error")
            let restarted = try await cluster.pods.get("restarts", namespace: "default")
            #expect(restarted.status?.containerStatuses?.first?.lastState?.terminated?.exitCode == 3)
            #expect(restarted.status?.phase == "Running")
        }
    }

    @Test func lifecycleStartsWithContainerCreating() {
        let pod = Pod(metadata: ObjectMeta(name: "p", namespace: "default", uid: "u1"),
                      spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main")], nodeName: "n"))
        let start = Date()
        var simulated = SimulatedPod(uid: "u1", nodeName: "n", hostIP: "127.0.0.1", startTime: start)
        simulated.ip = "10.42.0.2"
        #expect(simulated.advance(pod, now: start) != nil)
        let creating = simulated.status(of: pod, now: start)
        #expect(creating.phase == "Pending")
        #expect(creating.podIP == nil)
        #expect(creating.containerStatuses?.first?.state?.waiting?.reason == "ContainerCreating")
        #expect(creating.conditions?.first { $0.type == "Ready" }?.message == "containers with unready status: [main]")
        let later = start.addingTimeInterval(1)
        #expect(simulated.advance(pod, now: later) == nil)
        let running = simulated.status(of: pod, now: later)
        #expect(running.phase == "Running")
        #expect(running.podIP == "10.42.0.2")
        #expect(running.conditions?.allSatisfy { $0.status == "True" } == true)
    }

    @Test func crashLoopBackOffDoublesFromTenSecondsToFiveMinutes() {
        #expect(SimulatedPod.backoff(afterRestart: 1) == 0)
        #expect(SimulatedPod.backoff(afterRestart: 2) == 10)
        #expect(SimulatedPod.backoff(afterRestart: 3) == 20)
        #expect(SimulatedPod.backoff(afterRestart: 7) == 300 * 1)
        #expect(SimulatedPod.backoff(afterRestart: 20) == 300)
    }

    @Test func addressPoolSkipsNetworkAndGatewayAndReusesReleased() throws {
        var pool = PodAddressPool(cidr: try #require(IPv4CIDR("10.42.3.0/30")))
        #expect(pool.allocate() == "10.42.3.2")
        #expect(pool.allocate() == nil)
        pool.release("10.42.3.2")
        #expect(pool.allocate() == "10.42.3.2")
    }
}
