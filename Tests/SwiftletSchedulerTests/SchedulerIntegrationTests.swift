import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
@testable import SwiftletScheduler
import SwiftletStore
import Testing

/// A real API server on the memory store with the scheduler running against it in-process; nodes are API
/// objects the test creates (no agent: pods stay Pending once bound).
struct SchedulerCluster {
    let transport: InProcessTransport
    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }
    var nodes: ResourceClient<Node> { ResourceClient(transport: transport) }
    var events: ResourceClient<Event> { ResourceClient(transport: transport) }
    var priorityClasses: ResourceClient<PriorityClass> { ResourceClient(transport: transport) }

    static func with(_ body: (SchedulerCluster) async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let api = try await InProcessAPIServer.start(logger: logger)
        defer { api.stop() }
        let cluster = SchedulerCluster(transport: api.transport())
        let scheduler = Scheduler(transport: cluster.transport, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await scheduler.run() }
            defer { group.cancelAll() }
            try await body(cluster)
        }
    }

    /// Creates a Ready node with `cpu` and `memory` allocatable.
    func addNode(_ name: String, cpu: String = "2", memory: String = "4Gi", labels: [String: String] = [:], taints: [Taint]? = nil,
                 unschedulable: Bool? = nil) async throws {
        var allLabels = labels
        allLabels["kubernetes.io/hostname"] = name
        _ = try await nodes.create(Node(metadata: ObjectMeta(labels: allLabels, name: name), spec: NodeSpec(taints: taints, unschedulable: unschedulable)))
        let resources: JSONValue = ["cpu": .string(cpu), "memory": .string(memory), "pods": "110"]
        let status: JSONValue = ["status": ["allocatable": resources, "capacity": resources,
                                            "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady"]]]]
        _ = try await nodes.patch(name, type: .merge, body: status, subresource: "status")
    }

    @discardableResult
    func addPod(_ name: String, cpu: String = "100m", labels: [String: String] = [:], affinity: Affinity? = nil,
                spread: [TopologySpreadConstraint]? = nil, tolerations: [Toleration]? = nil, priorityClassName: String? = nil,
                gracePeriod: Int64 = 0) async throws -> Pod {
        let container = Container(image: "nginx", name: "c", resources: ResourceRequirements(requests: ["cpu": Quantity(cpu)!]))
        let pod = Pod(metadata: ObjectMeta(labels: labels, name: name, namespace: "default"),
                      spec: PodSpec(affinity: affinity, containers: [container], priorityClassName: priorityClassName,
                                    terminationGracePeriodSeconds: gracePeriod, tolerations: tolerations, topologySpreadConstraints: spread))
        return try await pods.create(pod, namespace: "default")
    }

    func nodeOf(_ name: String) async throws -> String? {
        let node = try await pods.get(name, namespace: "default").spec?.nodeName
        return (node ?? "").isEmpty ? nil : node
    }

    func waitBound(_ names: [String]) async throws -> [String: String] {
        var placement: [String: String] = [:]
        try await waitUntil("pods \(names) bound") {
            placement = [:]
            for name in names {
                guard let node = try await nodeOf(name) else { return false }
                placement[name] = node
            }
            return true
        }
        return placement
    }

    /// The messages of events with `reason` about pod `name`.
    func eventMessages(_ name: String, reason: String) async throws -> [String] {
        try await events.list(namespace: "default").items
            .filter { $0.involvedObject?.name == name && $0.reason == reason }
            .compactMap(\.message)
    }

    func scheduledCondition(_ name: String) async throws -> PodCondition? {
        try await pods.get(name, namespace: "default").status?.conditions?.first { $0.type == "PodScheduled" }
    }

    /// Waits for the FailedScheduling event and the PodScheduled=False condition, both with `message`.
    func expectUnschedulable(_ name: String, message: String) async throws {
        try await waitUntil("\(name) reported unschedulable") {
            let condition = try await scheduledCondition(name)
            let messages = try await eventMessages(name, reason: "FailedScheduling")
            return condition?.status == "False" && condition?.reason == "Unschedulable" && condition?.message == message
                && messages.contains(message)
        }
        #expect(try await nodeOf(name) == nil)
    }
}

/// Polls `condition` until it holds; fails after `timeout`.
func waitUntil(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline {
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(25))
    }
}

@Suite(.serialized) struct SchedulerIntegrationTests {
    @Test func bindsPodsWithinNodeResourcesAndRetriesWhenANodeArrives() async throws {
        try await SchedulerCluster.with { c in
            try await c.addNode("n1")
            try await c.addNode("n2")
            for i in 0..<4 { try await c.addPod("p\(i)", cpu: "1") }
            let placement = try await c.waitBound((0..<4).map { "p\($0)" })
            #expect(placement.values.filter { $0 == "n1" }.count == 2)
            #expect(placement.values.filter { $0 == "n2" }.count == 2)
            #expect(try await c.scheduledCondition("p0")?.status == "True")
            try await waitUntil("Scheduled event") {
                try await c.eventMessages("p0", reason: "Scheduled") == ["Successfully assigned default/p0 to \(placement["p0"]!)"]
            }

            try await c.addPod("late", cpu: "1")
            try await c.expectUnschedulable("late", message: "0/2 nodes are available: 2 Insufficient cpu. "
                + "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")
            try await c.addNode("n3")
            #expect(try await c.waitBound(["late"])["late"] == "n3")
        }
    }

    @Test func failedSchedulingMessageCountsEveryReason() async throws {
        try await SchedulerCluster.with { c in
            try await c.addNode("cordoned", unschedulable: true)
            try await c.addNode("full-1", cpu: "1")
            try await c.addNode("full-2", cpu: "1")
            try await c.addPod("a", cpu: "1")
            try await c.addPod("b", cpu: "1")
            _ = try await c.waitBound(["a", "b"])
            try await c.addPod("c", cpu: "1")
            try await c.expectUnschedulable("c", message: "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. "
                + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.")
            // Uncordoning the node is the event that helps.
            _ = try await c.nodes.patch("cordoned", type: .merge, body: ["spec": ["unschedulable": false]])
            #expect(try await c.waitBound(["c"])["c"] == "cordoned")
        }
    }

    @Test func antiAffinitySpreadsReplicasOverNodes() async throws {
        try await SchedulerCluster.with { c in
            for i in 1...3 { try await c.addNode("n\(i)", cpu: "8") }
            let anti = Affinity(podAntiAffinity: PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [
                PodAffinityTerm(labelSelector: MetaLabelSelector(matchLabels: ["app": "web"]), topologyKey: "kubernetes.io/hostname"),
            ]))
            for i in 0..<3 { try await c.addPod("web-\(i)", labels: ["app": "web"], affinity: anti) }
            let placement = try await c.waitBound(["web-0", "web-1", "web-2"])
            #expect(Set(placement.values) == ["n1", "n2", "n3"])
            try await c.addPod("web-3", labels: ["app": "web"], affinity: anti)
            try await c.expectUnschedulable("web-3", message: "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
                + "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
            // One replica gone: its node is free again.
            let freed = placement["web-1"]!
            try await c.pods.delete("web-1", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 0))
            #expect(try await c.waitBound(["web-3"])["web-3"] == freed)
        }
    }

    @Test func topologySpreadBalancesZones() async throws {
        try await SchedulerCluster.with { c in
            try await c.addNode("a1", cpu: "8", labels: ["topology.kubernetes.io/zone": "a"])
            try await c.addNode("a2", cpu: "8", labels: ["topology.kubernetes.io/zone": "a"])
            try await c.addNode("b1", cpu: "8", labels: ["topology.kubernetes.io/zone": "b"])
            let spread = [TopologySpreadConstraint(labelSelector: MetaLabelSelector(matchLabels: ["app": "db"]), maxSkew: 1,
                                                   topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule")]
            var names: [String] = []
            for i in 0..<6 {
                names.append("db-\(i)")
                try await c.addPod("db-\(i)", labels: ["app": "db"], spread: spread)
                _ = try await c.waitBound([names.last!])
            }
            let placement = try await c.waitBound(names)
            let inB = placement.values.filter { $0 == "b1" }.count
            #expect(inB == 3)
        }
    }

    @Test func taintsKeepIntolerantPodsAway() async throws {
        try await SchedulerCluster.with { c in
            try await c.addNode("gpu", cpu: "8", taints: [Taint(effect: "NoSchedule", key: "dedicated", value: "gpu")])
            try await c.addPod("plain")
            try await c.expectUnschedulable("plain", message: "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. "
                + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
            try await c.addPod("tolerant", tolerations: [Toleration(effect: "NoSchedule", key: "dedicated", operator: "Equal", value: "gpu")])
            #expect(try await c.waitBound(["tolerant"])["tolerant"] == "gpu")
            try await c.addNode("general", cpu: "8")
            #expect(try await c.waitBound(["plain"])["plain"] == "general")
        }
    }

    @Test func preemptsLowerPriorityPodsAndNominatesTheNode() async throws {
        try await SchedulerCluster.with { c in
            _ = try await c.priorityClasses.create(PriorityClass(metadata: ObjectMeta(name: "low"), value: 10))
            _ = try await c.priorityClasses.create(PriorityClass(metadata: ObjectMeta(name: "high"), value: 1000))
            _ = try await c.priorityClasses.create(PriorityClass(metadata: ObjectMeta(name: "polite"), preemptionPolicy: "Never", value: 1000))
            try await c.addNode("n1", cpu: "2")
            try await c.addPod("low-1", cpu: "1", priorityClassName: "low")
            try await c.addPod("low-2", cpu: "1", priorityClassName: "low")
            _ = try await c.waitBound(["low-1", "low-2"])

            try await c.addPod("polite", cpu: "1", priorityClassName: "polite")
            try await c.expectUnschedulable("polite", message: "0/1 nodes are available: 1 Insufficient cpu. "
                + "preemption: not eligible due to preemptionPolicy=Never.")
            try await c.pods.delete("polite", namespace: "default")

            try await c.addPod("high", cpu: "1", priorityClassName: "high")
            #expect(try await c.waitBound(["high"])["high"] == "n1")
            let high = try await c.pods.get("high", namespace: "default")
            #expect(high.status?.nominatedNodeName == "n1")
            let remaining = try await c.pods.list(namespace: "default").items.compactMap(\.metadata?.name).filter { $0.hasPrefix("low") }
            #expect(remaining.count == 1)
            let victim = ["low-1", "low-2"].first { !remaining.contains($0) }!
            try await waitUntil("Preempted event") {
                try await c.eventMessages(victim, reason: "Preempted").first?.hasPrefix("Preempted by pod ") == true
            }
            let failures = try await c.eventMessages("high", reason: "FailedScheduling")
            // Preemption succeeded, so the failure carries no preemption part.
            #expect(failures.contains("0/1 nodes are available: 1 Insufficient cpu."))
        }
    }

    @Test func preemptorWaitsForGracefulVictims() async throws {
        try await SchedulerCluster.with { c in
            _ = try await c.priorityClasses.create(PriorityClass(metadata: ObjectMeta(name: "low"), value: 10))
            _ = try await c.priorityClasses.create(PriorityClass(metadata: ObjectMeta(name: "high"), value: 1000))
            try await c.addNode("n1", cpu: "1")
            try await c.addPod("victim", cpu: "1", priorityClassName: "low", gracePeriod: 30)
            _ = try await c.waitBound(["victim"])
            try await c.addPod("high", cpu: "1", priorityClassName: "high")
            // The victim is marked and terminating; nothing else runs it down, so it keeps its cpu.
            try await waitUntil("victim terminating") {
                let victim = try await c.pods.get("victim", namespace: "default")
                let target = victim.status?.conditions?.first { $0.type == "DisruptionTarget" }
                return victim.metadata?.deletionTimestamp != nil && target?.status == "True" && target?.reason == "PreemptionByScheduler"
                    && target?.message == "default-scheduler: preempting to accommodate a higher priority pod"
            }
            try await waitUntil("nomination") { try await c.pods.get("high", namespace: "default").status?.nominatedNodeName == "n1" }
            // Nominated, not bound: the terminating victim still holds the cpu.
            #expect(try await c.nodeOf("high") == nil)
            // Retried meanwhile (a race with the victim's events), it says it waits for the terminating victim.
            let message = try await c.scheduledCondition("high")?.message ?? ""
            #expect(["0/1 nodes are available: 1 Insufficient cpu.", "0/1 nodes are available: 1 Insufficient cpu. "
                + "preemption: not eligible due to a terminating pod on the nominated node."].contains(message))
            // The node agent would now finish the deletion.
            try await c.pods.delete("victim", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 0))
            #expect(try await c.waitBound(["high"])["high"] == "n1")
        }
    }
}
