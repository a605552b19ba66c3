import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
@testable import SwiftletControllers
import SwiftletStore
import Synchronization
import Testing

/// A real API server on the memory store, the DaemonSet controller, and the nodes played by the test: it binds
/// each pod to the node its affinity names (as the scheduler would), marks it Running and Ready, and confirms
/// graceful deletions (as the kubelet would).
struct DaemonSetCluster {
    let transport: InProcessTransport
    var daemonSets: ResourceClient<DaemonSet> { ResourceClient(transport: transport) }
    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }
    var nodes: ResourceClient<Node> { ResourceClient(transport: transport) }
    var revisions: ResourceClient<ControllerRevision> { ResourceClient(transport: transport) }
    var events: ResourceClient<Event> { ResourceClient(transport: transport) }

    static func with(_ body: (DaemonSetCluster) async throws -> Void) async throws {
        try await ControllerHarness.run(controllers: { transport, informers, logger in
            var controllerLogger = logger
            controllerLogger.logLevel = ProcessInfo.processInfo.environment["DS_DEBUG"] != nil ? .info : .warning
            let controller = DaemonSetController(transport: transport, informers: informers, logger: controllerLogger)
            return [{ await controller.run() }]
        }, node: { await DaemonSetCluster(transport: $0).playNodes() }) { try await body(DaemonSetCluster(transport: $0)) }
    }

    func playNodes() async {
        while !Task.isCancelled {
            let existing = Set(((try? await nodes.list().items) ?? []).compactMap { $0.metadata?.name })
            for pod in (try? await pods.list(namespace: "default").items) ?? [] {
                let name = pod.metadata?.name ?? ""
                if pod.metadata?.deletionTimestamp != nil {
                    _ = try? await pods.delete(name, namespace: "default", options: SwiftletAPI.DeleteOptions(gracePeriodSeconds: 0))
                    continue
                }
                if (pod.spec?.nodeName ?? "").isEmpty {
                    guard let node = DaemonPodPlacement.targetNodeName(of: pod), existing.contains(node) else { continue }
                    let binding = Binding(metadata: ObjectMeta(name: name, namespace: "default"), target: ObjectReference(kind: "Node", name: node))
                    _ = try? await pods.bind(binding, namespace: "default")
                    continue
                }
                let phase = pod.status?.phase ?? "Pending"
                if phase == "Pending" {
                    let status: JSONValue = ["status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]]
                    _ = try? await pods.patch(name, namespace: "default", type: .merge, body: status, subresource: "status")
                }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    func addNode(_ name: String, labels: [String: String] = [:], taints: [Taint]? = nil) async throws {
        _ = try await nodes.create(Node(metadata: ObjectMeta(labels: labels, name: name), spec: NodeSpec(taints: taints)))
    }

    static func daemonSet(image: String = "agent:1", nodeSelector: [String: String]? = nil, tolerations: [Toleration]? = nil,
                          strategy: DaemonSetUpdateStrategy? = nil) -> DaemonSet {
        DaemonSet(metadata: ObjectMeta(name: "agent", namespace: "default"),
                  spec: DaemonSetSpec(selector: MetaLabelSelector(matchLabels: ["app": "agent"]),
                                      template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "agent"]),
                                                                spec: PodSpec(containers: [Container(image: image, name: "c")],
                                                                              nodeSelector: nodeSelector, tolerations: tolerations)),
                                      updateStrategy: strategy))
    }

    func setImage(_ image: String) async throws {
        let patch: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "c", "image": .string(image)]]]]]]
        _ = try await daemonSets.patch("agent", namespace: "default", type: .strategicMerge, body: patch)
    }

    /// Live (not terminating) pods by the node they are bound to.
    func podsByNode() async throws -> [String: [Pod]] {
        var result: [String: [Pod]] = [:]
        for pod in try await pods.list(namespace: "default").items where pod.metadata?.deletionTimestamp == nil {
            result[pod.spec?.nodeName ?? "", default: []].append(pod)
        }
        return result
    }

    /// Exactly one ready pod of `image` on each of `nodes` and none elsewhere, and a status that says so.
    func isSettled(on nodes: Set<String>, image: String) async throws -> Bool {
        let byNode = try await podsByNode()
        let ds = try await daemonSets.get("agent", namespace: "default")
        let s = ds.status
        let n = Int32(nodes.count)
        return Set(byNode.keys) == nodes && byNode.values.allSatisfy { $0.count == 1 && $0[0].isReady && $0[0].spec?.containers?.first?.image == image }
            && s?.observedGeneration == ds.metadata?.generation && s?.desiredNumberScheduled == n && s?.currentNumberScheduled == n
            && s?.numberReady == n && (s?.updatedNumberScheduled ?? 0) == n && (s?.numberAvailable ?? 0) == n
            && s?.numberMisscheduled == 0 && s?.numberUnavailable == nil
    }
}

/// One at a time: each test runs a whole API server, controller and node loop, and the suite shares two cores with the rest.
@Suite(.serialized) struct DaemonSetControllerTests {
    @Test func onePodPerNodeWithRevisionAndStatus() async throws {
        try await DaemonSetCluster.with { c in
            for name in ["n1", "n2", "n3"] { try await c.addNode(name) }
            let created = try await c.daemonSets.create(DaemonSetCluster.daemonSet(), namespace: "default")
            #expect(created.metadata?.annotations?[DaemonSetController.templateGenerationAnnotation] == "1")
            #expect(created.spec?.updateStrategy?.rollingUpdate?.maxUnavailable == .int(1))
            try await waitUntil("a pod on every node", timeout: .seconds(60)) { try await c.isSettled(on: ["n1", "n2", "n3"], image: "agent:1") }

            let revisions = try await c.revisions.list(namespace: "default").items
            #expect(revisions.count == 1)
            let revision = try #require(revisions.first)
            let hash = try #require(revision.metadata?.labels?[DaemonSetController.revisionHashLabel])
            #expect(revision.metadata?.name == "agent-\(hash)")
            #expect(revision.revision == 1)
            #expect(revision.metadata?.ownerReferences?.first?.kind == "DaemonSet")
            #expect(revision.data?["spec"]?["template"]?["$patch"] == "replace")

            for pod in try await c.pods.list(namespace: "default").items {
                #expect(pod.metadata?.labels?[DaemonSetController.revisionHashLabel] == hash)
                #expect(pod.metadata?.labels?[DaemonSetController.templateGenerationLabel] == "1")
                #expect(pod.metadata?.generateName == "agent-")
                #expect(pod.controllerRef?.kind == "DaemonSet")
                let terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
                #expect(terms?.count == 1 && terms?.first?.matchFields?.first?.key == "metadata.name")
                #expect(terms?.first?.matchFields?.first?.values == [pod.spec?.nodeName ?? ""])
                let keys = Set(pod.spec?.tolerations?.compactMap(\.key) ?? [])
                #expect(keys.isSuperset(of: ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure",
                                             "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure",
                                             "node.kubernetes.io/unschedulable"]))
                #expect(!keys.contains("node.kubernetes.io/network-unavailable"))
            }
            try await waitUntil("creation events", timeout: .seconds(60)) {
                try await c.events.list(namespace: "default").items.filter { $0.reason == "SuccessfulCreate" && $0.message?.hasPrefix("Created pod: agent-") == true }.count == 3
            }
        }
    }

    @Test func nodeSelectorTaintsAndNodeChanges() async throws {
        try await DaemonSetCluster.with { c in
            try await c.addNode("ssd1", labels: ["disk": "ssd"])
            try await c.addNode("hdd1", labels: ["disk": "hdd"])
            try await c.addNode("dedicated", labels: ["disk": "ssd"], taints: [Taint(effect: "NoSchedule", key: "dedicated", value: "db")])
            // The automatic unschedulable toleration lets daemon pods onto cordoned nodes.
            try await c.addNode("cordoned", labels: ["disk": "ssd"], taints: [Taint(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable")])
            _ = try await c.daemonSets.create(DaemonSetCluster.daemonSet(nodeSelector: ["disk": "ssd"]), namespace: "default")
            try await waitUntil("pods on eligible nodes", timeout: .seconds(60)) { try await c.isSettled(on: ["ssd1", "cordoned"], image: "agent:1") }

            try await c.addNode("ssd2", labels: ["disk": "ssd"])
            try await waitUntil("a pod on the new node", timeout: .seconds(60)) { try await c.isSettled(on: ["ssd1", "ssd2", "cordoned"], image: "agent:1") }

            // A node that stops matching loses its pod.
            _ = try await c.nodes.patch("ssd1", type: .merge, body: ["metadata": ["labels": ["disk": "hdd"]]])
            try await waitUntil("pod gone from the relabelled node", timeout: .seconds(60)) { try await c.isSettled(on: ["ssd2", "cordoned"], image: "agent:1") }
            try await waitUntil("deletion event", timeout: .seconds(60)) {
                try await c.events.list(namespace: "default").items.contains { $0.reason == "SuccessfulDelete" && $0.message?.hasPrefix("Deleted pod: agent-") == true }
            }

            // A new NoSchedule taint lets the running pod stay; a NoExecute taint evicts it.
            _ = try await c.nodes.patch("ssd2", type: .merge, body: ["spec": ["taints": [["key": "maintenance", "effect": "NoSchedule"]]]])
            try await waitUntil("the tainted node counted as misscheduled", timeout: .seconds(60)) {
                let s = try await c.daemonSets.get("agent", namespace: "default").status
                return s?.desiredNumberScheduled == 1 && s?.numberMisscheduled == 1
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await c.podsByNode()["ssd2"]?.count == 1)
            _ = try await c.nodes.patch("ssd2", type: .merge, body: ["spec": ["taints": [["key": "maintenance", "effect": "NoExecute"]]]])
            try await waitUntil("pod gone from the NoExecute node", timeout: .seconds(60)) { try await c.isSettled(on: ["cordoned"], image: "agent:1") }

            // The pod tolerating the taint comes back.
            _ = try await c.daemonSets.patch("agent", namespace: "default", type: .strategicMerge,
                                             body: ["spec": ["template": ["spec": ["tolerations": [["key": "maintenance", "operator": "Exists"]]]]]])
            try await waitUntil("tolerating pod back", timeout: .seconds(60)) {
                let byNode = try await c.podsByNode()
                return byNode["ssd2"]?.count == 1 && byNode["cordoned"]?.count == 1
            }

            // A removed node no longer counts (its bound pod is left to pod garbage collection, as upstream).
            _ = try await c.nodes.delete("cordoned")
            try await waitUntil("desired count drops", timeout: .seconds(60)) {
                let s = try await c.daemonSets.get("agent", namespace: "default").status
                return s?.desiredNumberScheduled == 1 && s?.currentNumberScheduled == 1
            }
            let ds = try await c.daemonSets.get("agent", namespace: "default")
            #expect(ds.status?.numberMisscheduled == 0)
        }
    }

    @Test func rollingUpdateKeepsWithinMaxUnavailable() async throws {
        try await DaemonSetCluster.with { c in
            let nodes: Set<String> = ["n1", "n2", "n3", "n4", "n5"]
            for name in nodes { try await c.addNode(name) }
            let strategy = DaemonSetUpdateStrategy(rollingUpdate: RollingUpdateDaemonSet(maxUnavailable: "40%"), type: "RollingUpdate")
            var ds = DaemonSetCluster.daemonSet(strategy: strategy)
            ds.spec?.revisionHistoryLimit = 1
            _ = try await c.daemonSets.create(ds, namespace: "default")
            try await waitUntil("first rollout", timeout: .seconds(60)) { try await c.isSettled(on: nodes, image: "agent:1") }

            // 40% of 5 rounds up to 2: never more than two nodes without an available pod.
            let worst = Worst()
            let sampler = Task {
                while !Task.isCancelled {
                    if let byNode = try? await c.podsByNode() {
                        let available = nodes.filter { byNode[$0]?.contains(where: \.isReady) == true }.count
                        worst.record(nodes.count - available)
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            defer { sampler.cancel() }
            try await c.setImage("agent:2")
            try await waitUntil("rolling update", timeout: .seconds(60)) { try await c.isSettled(on: nodes, image: "agent:2") }
            sampler.cancel()
            #expect(worst.value <= 2)
            #expect(worst.value >= 1)

            let current = try await c.daemonSets.get("agent", namespace: "default")
            #expect(current.metadata?.annotations?[DaemonSetController.templateGenerationAnnotation] == "2")
            var revisions = try await c.revisions.list(namespace: "default").items.sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }
            #expect(revisions.map(\.revision) == [1, 2])
            let newHash = revisions.last?.metadata?.labels?[DaemonSetController.revisionHashLabel]
            for pod in try await c.pods.list(namespace: "default").items {
                #expect(pod.metadata?.labels?[DaemonSetController.revisionHashLabel] == newHash)
                #expect(pod.metadata?.labels?[DaemonSetController.templateGenerationLabel] == "2")
            }

            // A third template: with revisionHistoryLimit 1 the oldest revision goes.
            try await c.setImage("agent:3")
            try await waitUntil("second update", timeout: .seconds(60)) { try await c.isSettled(on: nodes, image: "agent:3") }
            try await waitUntil("history pruned", timeout: .seconds(60)) { try await c.revisions.list(namespace: "default").items.count == 2 }
            revisions = try await c.revisions.list(namespace: "default").items.sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }
            #expect(revisions.map(\.revision) == [2, 3])

            // Back to the second template: its revision is reused under the next number.
            try await c.setImage("agent:2")
            try await waitUntil("rollback", timeout: .seconds(60)) { try await c.isSettled(on: nodes, image: "agent:2") }
            revisions = try await c.revisions.list(namespace: "default").items.sorted { ($0.revision ?? 0) < ($1.revision ?? 0) }
            #expect(revisions.map(\.revision) == [3, 4])
        }
    }

    @Test func surgeStartsNewPodsBeforeDeletingOld() async throws {
        try await DaemonSetCluster.with { c in
            let nodes: Set<String> = ["n1", "n2", "n3"]
            for name in nodes { try await c.addNode(name) }
            let strategy = DaemonSetUpdateStrategy(rollingUpdate: RollingUpdateDaemonSet(maxSurge: 1, maxUnavailable: 0), type: "RollingUpdate")
            _ = try await c.daemonSets.create(DaemonSetCluster.daemonSet(strategy: strategy), namespace: "default")
            try await waitUntil("first rollout", timeout: .seconds(60)) { try await c.isSettled(on: nodes, image: "agent:1") }

            // Every node keeps a ready pod throughout; at most one node runs two pods at once.
            let unavailable = Worst(), doubled = Worst()
            let sampler = Task {
                while !Task.isCancelled {
                    if let byNode = try? await c.podsByNode() {
                        unavailable.record(nodes.filter { byNode[$0]?.contains(where: \.isReady) != true }.count)
                        doubled.record(byNode.values.filter { $0.count > 1 }.count)
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            defer { sampler.cancel() }
            try await c.setImage("agent:2")
            try await waitUntil("surge update", timeout: .seconds(60)) { try await c.isSettled(on: nodes, image: "agent:2") }
            sampler.cancel()
            #expect(unavailable.value == 0)
            #expect(doubled.value == 1)
        }
    }

    @Test func onDeleteReplacesOnlyDeletedPods() async throws {
        try await DaemonSetCluster.with { c in
            let nodes: Set<String> = ["n1", "n2"]
            for name in nodes { try await c.addNode(name) }
            _ = try await c.daemonSets.create(DaemonSetCluster.daemonSet(strategy: DaemonSetUpdateStrategy(type: "OnDelete")), namespace: "default")
            try await waitUntil("first rollout", timeout: .seconds(60)) { try await c.isSettled(on: nodes, image: "agent:1") }
            try await c.setImage("agent:2")
            try await waitUntil("new generation observed", timeout: .seconds(60)) {
                let ds = try await c.daemonSets.get("agent", namespace: "default")
                return ds.status?.observedGeneration == ds.metadata?.generation && ds.status?.updatedNumberScheduled == nil
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await c.podsByNode().values.allSatisfy { $0.first?.spec?.containers?.first?.image == "agent:1" })

            let victim = try #require(try await c.podsByNode()["n1"]?.first)
            _ = try await c.pods.delete(victim.metadata?.name ?? "", namespace: "default")
            try await waitUntil("replacement runs the new template", timeout: .seconds(60)) {
                let byNode = try await c.podsByNode()
                let s = try await c.daemonSets.get("agent", namespace: "default").status
                return byNode["n1"]?.first?.spec?.containers?.first?.image == "agent:2" && byNode["n1"]?.first?.isReady == true
                    && byNode["n2"]?.first?.spec?.containers?.first?.image == "agent:1" && s?.updatedNumberScheduled == 1
                    && s?.numberAvailable == 2
            }
        }
    }

    @Test func failedPodIsReplaced() async throws {
        try await DaemonSetCluster.with { c in
            try await c.addNode("n1")
            _ = try await c.daemonSets.create(DaemonSetCluster.daemonSet(), namespace: "default")
            try await waitUntil("first pod", timeout: .seconds(60)) { try await c.isSettled(on: ["n1"], image: "agent:1") }
            let first = try #require(try await c.podsByNode()["n1"]?.first)
            _ = try await c.pods.patch(first.metadata?.name ?? "", namespace: "default", type: .merge,
                                       body: ["status": ["phase": "Failed", "conditions": [["type": "Ready", "status": "False"]]]], subresource: "status")
            try await waitUntil("replacement", timeout: .seconds(60)) {
                let pod = try await c.podsByNode()["n1"]?.first
                return pod != nil && pod?.metadata?.uid != first.metadata?.uid && pod?.isReady == true
            }
            try await waitUntil("failed pod event", timeout: .seconds(60)) {
                try await c.events.list(namespace: "default").items.contains {
                    $0.reason == "FailedDaemonPod" && $0.message == "Found failed daemon pod default/\(first.metadata?.name ?? "") on node n1, will try to kill it"
                }
            }
        }
    }

    @Test func placementRules() {
        let node = Node(metadata: ObjectMeta(labels: ["zone": "a", "cpus": "8"], name: "n"),
                        spec: NodeSpec(taints: [Taint(effect: "NoExecute", key: "node.kubernetes.io/not-ready")]))
        var ds = DaemonSetCluster.daemonSet()
        // The not-ready NoExecute taint is tolerated automatically.
        #expect(DaemonPodPlacement.shouldRun(ds, on: node) == (true, true))
        ds.spec?.template?.spec?.affinity = Affinity(nodeAffinity: NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: NodeSelector(
            nodeSelectorTerms: [NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: "cpus", operator: "Gt", values: ["4"])])])))
        #expect(DaemonPodPlacement.shouldRun(ds, on: node) == (true, true))
        ds.spec?.template?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?[0].matchExpressions?[0].values = ["16"]
        #expect(DaemonPodPlacement.shouldRun(ds, on: node) == (false, false))
        // Pinning replaces the required terms but keeps the rest of the affinity.
        let pinned = DaemonPodPlacement.pin(ds.spec?.template?.spec?.affinity, to: "n")
        #expect(pinned.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.count == 1)
        #expect(DaemonPodPlacement.targetNodeName(of: Pod(spec: PodSpec(affinity: pinned))) == "n")

        var hostNetwork = PodSpec(hostNetwork: true, tolerations: [Toleration(effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists",
                                                                              tolerationSeconds: 30)])
        DaemonPodPlacement.addDaemonTolerations(&hostNetwork)
        #expect(hostNetwork.tolerations?.count == 7)
        // Same key, operator, value and effect: upstream replaces the pod's own toleration with the daemon one.
        #expect(hostNetwork.tolerations?.first { $0.key == "node.kubernetes.io/not-ready" }?.tolerationSeconds == nil)
        #expect(hostNetwork.tolerations?.contains { $0.key == "node.kubernetes.io/network-unavailable" } == true)
    }
}

/// The largest value a sampler saw.
final class Worst: Sendable {
    private let state = Mutex(0)
    func record(_ v: Int) { state.withLock { $0 = max($0, v) } }
    var value: Int { state.withLock { $0 } }
}
