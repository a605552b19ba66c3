import Foundation
import SwiftletAPI
import SwiftletClient
@testable import SwiftletControllers
import Testing

@Suite(.serialized) struct NodeLifecycleTests {
    @Test func silentNodeBecomesUnknownTaintedAndItsPodsAreEvicted() async throws {
        // A grace period twenty renewals long: on a machine busy with every other suite, healthy nodes must not
        // miss it too (all nodes silent is a full disruption, which rightly stops eviction).
        var configuration = SimulatedCluster.fastNodeHealth
        configuration.nodeMonitorGracePeriod = .seconds(10)
        try await SimulatedCluster.with(configuration: configuration, tolerationSeconds: 1) { cluster in
            let healthy = cluster.startNodes(2, prefix: "a-")
            defer { healthy.cancel() }
            let failing = cluster.startNodes(1, prefix: "b-")
            try await waitUntil("all nodes have pod CIDRs") {
                let list = try await cluster.nodes.list().items
                return list.count == 3 && list.allSatisfy { $0.spec?.podCIDR != nil }
            }
            _ = try await cluster.pods.create(cluster.pod("victim", node: "b-0"), namespace: "default")
            _ = try await cluster.pods.create(cluster.pod("bystander", node: "a-0"), namespace: "default")
            try await waitUntil("victim running") { try await cluster.pods.get("victim", namespace: "default").status?.phase == "Running" }
            failing.cancel()
            try await waitUntil("b-0 unknown and tainted") {
                let node = try await cluster.nodes.get("b-0")
                let ready = node.status?.conditions?.first { $0.type == "Ready" }
                let taints = node.spec?.taints ?? []
                return ready?.status == "Unknown" && ready?.reason == "NodeStatusUnknown"
                    && taints.contains { $0.key == WellKnownTaint.unreachable && $0.effect == "NoExecute" && $0.timeAdded != nil }
                    && taints.contains { $0.key == WellKnownTaint.unreachable && $0.effect == "NoSchedule" }
            }
            // The pod tolerates unreachable for 1 s (admission's default toleration, shortened); then it is evicted
            // and stays Terminating, as no kubelet confirms its end.
            try await waitUntil("victim evicted") {
                let pod = try await cluster.pods.get("victim", namespace: "default")
                return pod.metadata?.deletionTimestamp != nil
                    && pod.status?.conditions?.contains { $0.type == "DisruptionTarget" && $0.reason == "DeletionByTaintManager" } == true
                    && pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "False" } == true
            }
            let bystander = try await cluster.pods.get("bystander", namespace: "default")
            #expect(bystander.metadata?.deletionTimestamp == nil)
            #expect(try await cluster.nodes.get("a-0").spec?.taints == nil)
            // Force-deleting the stuck pod is the user's way out.
            _ = try await cluster.pods.delete("victim", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 0))
            #expect((try? await cluster.pods.get("victim", namespace: "default")) == nil)

            // The node comes back: its taints go.
            let back = cluster.startNodes(1, prefix: "b-")
            defer { back.cancel() }
            try await waitUntil("b-0 ready and untainted") {
                let node = try await cluster.nodes.get("b-0")
                return node.status?.conditions?.first { $0.type == "Ready" }?.status == "True" && (node.spec?.taints ?? []).isEmpty
            }
        }
    }

    /// Three of five nodes fail: the zone is partially disrupted and small, so eviction stops (no NoExecute taint)
    /// while the NoSchedule taints still keep new pods away.
    @Test func evictionStopsWhenMostOfASmallZoneFails() async throws {
        try await SimulatedCluster.with(tolerationSeconds: 1) { cluster in
            let healthy = cluster.startNodes(2, prefix: "a-")
            defer { healthy.cancel() }
            let failing = cluster.startNodes(3, prefix: "b-")
            try await waitUntil("five ready nodes") {
                try await cluster.nodes.list().items.filter { $0.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true }.count == 5
            }
            failing.cancel()
            try await waitUntil("b- nodes unreachable") {
                let nodes = try await cluster.nodes.list().items.filter { $0.metadata?.name?.hasPrefix("b-") == true }
                return nodes.allSatisfy { node in node.spec?.taints?.contains { $0.key == WellKnownTaint.unreachable && $0.effect == "NoSchedule" } == true }
            }
            try await Task.sleep(for: .seconds(2))
            for node in try await cluster.nodes.list().items where node.metadata?.name?.hasPrefix("b-") == true {
                #expect(node.spec?.taints?.contains { $0.effect == "NoExecute" } != true)
            }
        }
    }

    @Test func podsOfADeletedNodeAreCollected() async throws {
        var configuration = SimulatedCluster.fastNodeHealth
        configuration.podGCPeriod = .milliseconds(200)
        try await SimulatedCluster.with(configuration: configuration) { cluster in
            _ = try await cluster.pods.create(cluster.pod("orphan", node: "gone"), namespace: "default")
            // Upstream waits 40 s before it believes a node is gone; this test waits that long too.
            try await waitUntil("orphan collected", timeout: .seconds(60)) {
                (try? await cluster.pods.get("orphan", namespace: "default")) == nil
            }
        }
    }

    @Test func zoneStates() {
        #expect(ZoneState.compute(ready: 3, notReady: 0, unhealthyThreshold: 0.55) == .normal)
        #expect(ZoneState.compute(ready: 0, notReady: 2, unhealthyThreshold: 0.55) == .fullDisruption)
        #expect(ZoneState.compute(ready: 2, notReady: 2, unhealthyThreshold: 0.55) == .normal)
        #expect(ZoneState.compute(ready: 2, notReady: 3, unhealthyThreshold: 0.55) == .partialDisruption)
    }

    @Test func zoneTainterLetsNodesThroughAtItsRate() {
        var tainter = ZoneTainter(rate: 0.5)
        tainter.add("a")
        tainter.add("b")
        tainter.add("a")
        let t0 = Date()
        #expect(tainter.next(now: t0) == "a")
        #expect(tainter.next(now: t0.addingTimeInterval(1)) == nil)
        #expect(tainter.next(now: t0.addingTimeInterval(2)) == "b")
        var stopped = ZoneTainter(rate: 0)
        stopped.add("c")
        #expect(stopped.next(now: t0) == nil)
    }

    @Test func nodeCIDRAllocator() throws {
        var allocator = try NodeCIDRAllocator(clusterCIDR: try #require(IPv4CIDR("10.42.0.0/22")), maskSize: 24)
        #expect(allocator.capacity == 4)
        try allocator.occupy("10.42.1.0/24")
        #expect(try allocator.allocate().description == "10.42.0.0/24")
        #expect(try allocator.allocate().description == "10.42.2.0/24")
        #expect(try allocator.allocate().description == "10.42.3.0/24")
        #expect(throws: NodeCIDRAllocator.Failure.exhausted) { try allocator.allocate() }
        try allocator.release("10.42.2.0/24")
        #expect(try allocator.allocate().description == "10.42.2.0/24")
        #expect(throws: NodeCIDRAllocator.Failure.outOfRange("10.43.0.0/24")) { try allocator.occupy("10.43.0.0/24") }
        #expect(throws: NodeCIDRAllocator.Failure.invalidMaskSize(20)) { try NodeCIDRAllocator(clusterCIDR: IPv4CIDR("10.42.0.0/22")!, maskSize: 20) }
    }

    @Test func minimumTolerationTime() {
        #expect(TaintEvictionController.minTolerationTime([Toleration(key: "a")]) == nil)
        #expect(TaintEvictionController.minTolerationTime([Toleration(tolerationSeconds: 30), Toleration(tolerationSeconds: 10)]) == 10)
        #expect(TaintEvictionController.minTolerationTime([Toleration(tolerationSeconds: 0)]) == 0)
    }

    @Test func tolerationMatching() {
        let taint = Taint(effect: "NoExecute", key: WellKnownTaint.unreachable)
        #expect(Toleration(effect: "NoExecute", key: WellKnownTaint.unreachable, operator: "Exists").tolerates(taint))
        #expect(Toleration(operator: "Exists").tolerates(taint))
        #expect(!Toleration(effect: "NoSchedule", key: WellKnownTaint.unreachable, operator: "Exists").tolerates(taint))
        #expect(!Toleration(key: WellKnownTaint.unreachable, operator: "Equal", value: "x").tolerates(taint))
        #expect(Toleration(key: WellKnownTaint.unreachable).tolerates(taint))
    }
}
