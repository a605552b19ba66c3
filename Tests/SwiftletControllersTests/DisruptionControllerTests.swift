import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
@testable import SwiftletControllers
import SwiftletStore
import Testing

/// A real API server on the memory store with the ReplicaSet, Deployment and disruption controllers, and a
/// node played by the test that marks every pod Running and Ready.
struct DisruptionCluster {
    let transport: InProcessTransport
    var deployments: ResourceClient<Deployment> { ResourceClient(transport: transport) }
    var budgets: ResourceClient<PodDisruptionBudget> { ResourceClient(transport: transport) }
    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }
    var statefulSets: ResourceClient<StatefulSet> { ResourceClient(transport: transport) }
    var events: ResourceClient<Event> { ResourceClient(transport: transport) }

    static func with(_ body: (DisruptionCluster) async throws -> Void) async throws {
        try await ControllerHarness.run(logLevel: .critical, controllers: { transport, informers, logger in
            let replicaSets = ReplicaSetController<ReplicaSet>(transport: transport, informers: informers,
                                                               component: "replicaset-controller", logger: logger)
            let deployments = DeploymentController(transport: transport, informers: informers, logger: logger)
            let disruption = DisruptionController(transport: transport, informers: informers, logger: logger)
            return [{ await replicaSets.run() }, { await deployments.run() }, { await disruption.run() }]
        }, node: { await ControllerHarness.markPodsReady($0) }) { try await body(DisruptionCluster(transport: $0)) }
    }

    func createDeployment(replicas: Int32) async throws {
        let deployment = Deployment(metadata: ObjectMeta(name: "web", namespace: "default"),
                                    spec: DeploymentSpec(replicas: replicas, selector: MetaLabelSelector(matchLabels: ["app": "web"]),
                                                         template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]),
                                                                                   spec: PodSpec(containers: [Container(image: "web:1", name: "c")]))))
        _ = try await deployments.create(deployment, namespace: "default")
    }

    func createBudget(_ name: String, app: String = "web", minAvailable: IntOrString? = nil, maxUnavailable: IntOrString? = nil) async throws {
        let budget = PodDisruptionBudget(metadata: ObjectMeta(name: name, namespace: "default"),
                                         spec: PodDisruptionBudgetSpec(maxUnavailable: maxUnavailable, minAvailable: minAvailable,
                                                                       selector: MetaLabelSelector(matchLabels: ["app": app])))
        _ = try await budgets.create(budget, namespace: "default")
    }

    /// The budget's (expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed) once its generation is observed.
    func counts(_ name: String) async throws -> [Int32]? {
        let budget = try await budgets.get(name, namespace: "default")
        guard let s = budget.status, s.observedGeneration == budget.metadata?.generation else { return nil }
        return [s.expectedPods ?? -1, s.currentHealthy ?? -1, s.desiredHealthy ?? -1, s.disruptionsAllowed ?? -1]
    }

    func readyPods(_ app: String = "web") async throws -> [Pod] {
        try await pods.list(namespace: "default").items.filter {
            $0.metadata?.labels?["app"] == app && $0.isReady && $0.metadata?.deletionTimestamp == nil
        }
    }
}

/// One at a time: each test runs a whole API server, three controllers and a node loop.
@Suite(.serialized) struct DisruptionControllerTests {
    @Test func statusFromMinAvailableAndMaxUnavailable() async throws {
        try await DisruptionCluster.with { c in
            try await c.createDeployment(replicas: 3)
            try await c.createBudget("min", minAvailable: 2)
            try await c.createBudget("pct", maxUnavailable: "50%")
            try await c.createBudget("all", minAvailable: "100%")
            try await waitUntil("min status", timeout: .seconds(60)) { try await c.counts("min") == [3, 3, 2, 1] }
            // 50% of 3 rounds up to 2 unavailable.
            try await waitUntil("pct status", timeout: .seconds(60)) { try await c.counts("pct") == [3, 3, 1, 2] }
            try await waitUntil("all status", timeout: .seconds(60)) { try await c.counts("all") == [3, 3, 3, 0] }

            let min = try await c.budgets.get("min", namespace: "default")
            let allowed = try #require(min.status?.conditions?.first { $0.type == "DisruptionAllowed" })
            #expect(allowed.status == "True" && allowed.reason == "SufficientPods" && allowed.observedGeneration == 1)
            let all = try await c.budgets.get("all", namespace: "default")
            let refused = try #require(all.status?.conditions?.first { $0.type == "DisruptionAllowed" })
            #expect(refused.status == "False" && refused.reason == "InsufficientPods")

            // Percentages follow the Deployment's scale.
            _ = try await c.deployments.patch("web", namespace: "default", type: .merge, body: ["spec": ["replicas": 5]])
            try await waitUntil("pct after scaling", timeout: .seconds(60)) { try await c.counts("pct") == [5, 5, 2, 3] }
            try await waitUntil("min after scaling", timeout: .seconds(60)) { try await c.counts("min") == [5, 5, 2, 3] }
        }
    }

    @Test func evictionsSpendTheBudgetUntilReplacementsAreReady() async throws {
        try await DisruptionCluster.with { c in
            try await c.createDeployment(replicas: 3)
            try await c.createBudget("web", minAvailable: 2)
            try await waitUntil("budget allows one", timeout: .seconds(60)) { try await c.counts("web") == [3, 3, 2, 1] }
            let pods = try await c.readyPods()
            try await c.pods.evict(pods[0].metadata?.name ?? "", namespace: "default")
            do {
                try await c.pods.evict(pods[1].metadata?.name ?? "", namespace: "default")
                Issue.record("a second eviction should be refused")
            } catch let error as APIError {
                #expect(error.reason == .tooManyRequests)
                #expect(error.message == "Cannot evict pod as it would violate the pod's disruption budget.")
            }
            // The ReplicaSet replaces the evicted pod; once it is ready the budget allows one again.
            try await waitUntil("budget recovers", timeout: .seconds(60)) {
                let ready = try await c.readyPods()
                return try await c.counts("web") == [3, 3, 2, 1] && ready.count == 3
                    && !ready.contains { $0.metadata?.name == pods[0].metadata?.name }
            }
            let budget = try await c.budgets.get("web", namespace: "default")
            #expect(budget.status?.disruptedPods == nil)
            try await c.pods.evict(pods[1].metadata?.name ?? "", namespace: "default")
        }
    }

    @Test func unmanagedPodsStatefulSetScaleAndFailSafe() async throws {
        try await DisruptionCluster.with { c in
            for name in ["bare-1", "bare-2"] {
                _ = try await c.pods.create(Pod(metadata: ObjectMeta(labels: ["app": "bare"], name: name),
                                                spec: PodSpec(containers: [Container(image: "x:1", name: "c")])), namespace: "default")
            }
            // An integer minAvailable counts the pods themselves.
            try await c.createBudget("bare-int", app: "bare", minAvailable: 1)
            try await waitUntil("integer budget over bare pods", timeout: .seconds(60)) { try await c.counts("bare-int") == [2, 2, 1, 1] }
            // A percentage needs controllers to scale against: bare pods expect nothing and allow nothing.
            try await c.createBudget("bare-pct", app: "bare", minAvailable: "50%")
            try await waitUntil("percentage budget over bare pods", timeout: .seconds(60)) { try await c.counts("bare-pct") == [0, 2, 0, 0] }
            try await waitUntil("unmanaged pods event", timeout: .seconds(60)) {
                try await c.events.list(namespace: "default").items.contains { $0.reason == "UnmanagedPods" && $0.involvedObject?.name == "bare-pct" }
            }

            // A StatefulSet's replicas are the expected count even before its pods exist.
            let sts = try await c.statefulSets.create(StatefulSet(
                metadata: ObjectMeta(name: "db", namespace: "default"),
                spec: StatefulSetSpec(replicas: 4, selector: MetaLabelSelector(matchLabels: ["app": "db"]), serviceName: "db",
                                      template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "db"]),
                                                                spec: PodSpec(containers: [Container(image: "db:1", name: "c")])))),
                namespace: "default")
            let owner = OwnerReference(apiVersion: "apps/v1", controller: true, kind: "StatefulSet", name: "db", uid: sts.metadata?.uid)
            for i in 0..<2 {
                _ = try await c.pods.create(Pod(metadata: ObjectMeta(labels: ["app": "db"], name: "db-\(i)", ownerReferences: [owner]),
                                                spec: PodSpec(containers: [Container(image: "db:1", name: "c")])), namespace: "default")
            }
            try await c.createBudget("db", app: "db", maxUnavailable: 1)
            try await waitUntil("statefulset budget", timeout: .seconds(60)) { try await c.counts("db") == [4, 2, 3, 0] }

            // A controller the budget cannot scale against fails the sync, which allows no disruptions.
            let job = OwnerReference(apiVersion: "batch/v1", controller: true, kind: "Job", name: "batch", uid: "00000000-0000-0000-0000-000000000001")
            _ = try await c.pods.create(Pod(metadata: ObjectMeta(labels: ["app": "job"], name: "job-0", ownerReferences: [job]),
                                            spec: PodSpec(containers: [Container(image: "j:1", name: "c")])), namespace: "default")
            try await c.createBudget("job", app: "job", maxUnavailable: "10%")
            try await waitUntil("sync failure condition", timeout: .seconds(60)) {
                let budget = try await c.budgets.get("job", namespace: "default")
                let condition = budget.status?.conditions?.first { $0.type == "DisruptionAllowed" }
                return condition?.reason == "SyncFailed" && condition?.status == "False" && budget.status?.disruptionsAllowed == 0
                    && condition?.message == "found no controllers for pod \"job-0\""
            }
        }
    }
}
