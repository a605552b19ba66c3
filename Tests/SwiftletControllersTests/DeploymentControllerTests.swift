// Needs "SwiftletAPIServer" and "SwiftletStore" in the SwiftletControllersTests dependencies (Package.swift).
import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
@testable import SwiftletControllers
import SwiftletStore
import Testing

/// A real API server on the memory store, the ReplicaSet and Deployment controllers, and a node played by the test
/// that marks every pod Running and Ready.
struct DeploymentCluster {
    let transport: InProcessTransport
    var deployments: ResourceClient<Deployment> { ResourceClient(transport: transport) }
    var replicaSets: ResourceClient<ReplicaSet> { ResourceClient(transport: transport) }
    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }

    static func with(_ body: (DeploymentCluster) async throws -> Void) async throws {
        try await ControllerHarness.run(controllers: { transport, informers, logger in
            let replicaSets = ReplicaSetController<ReplicaSet>(transport: transport, informers: informers,
                                                               component: "replicaset-controller", logger: logger)
            let deployments = DeploymentController(transport: transport, informers: informers, logger: logger)
            return [{ await replicaSets.run() }, { await deployments.run() }]
        }, node: { await ControllerHarness.markPodsReady($0) }) { try await body(DeploymentCluster(transport: $0)) }
    }

    static func deployment(replicas: Int32, image: String, strategy: String = "RollingUpdate") -> Deployment {
        Deployment(metadata: ObjectMeta(annotations: [DeploymentUtil.changeCauseAnnotation: "create \(image)"], name: "web", namespace: "default"),
                   spec: DeploymentSpec(replicas: replicas, selector: MetaLabelSelector(matchLabels: ["app": "web"]),
                                        strategy: DeploymentStrategy(type: strategy),
                                        template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]),
                                                                  spec: PodSpec(containers: [Container(image: image, name: "c")]))))
    }

    func setImage(_ image: String) async throws {
        let patch: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "c", "image": .string(image)]]]]]]
        _ = try await deployments.patch("web", namespace: "default", type: .strategicMerge, body: patch)
    }

    func patchSpec(_ spec: JSONValue) async throws {
        _ = try await deployments.patch("web", namespace: "default", type: .merge, body: ["spec": spec])
    }

    /// The ReplicaSets by image, with (spec.replicas, revision).
    func replicaSetsByImage() async throws -> [String: (replicas: Int32, revision: String)] {
        var result: [String: (Int32, String)] = [:]
        for rs in try await replicaSets.list(namespace: "default").items {
            result[rs.spec?.template?.spec?.containers?.first?.image ?? ""] = (rs.spec?.replicas ?? 0,
                                                                               rs.metadata?.annotations?[DeploymentUtil.revisionAnnotation] ?? "")
        }
        return result
    }

    /// Finished rolling out to `replicas` pods of `image`, every one available and only that ReplicaSet active.
    func isRolledOut(image: String, replicas: Int32) async throws -> Bool {
        let d = try await deployments.get("web", namespace: "default")
        let s = d.status
        let pods = try await pods.list(namespace: "default").items
        let rss = try await replicaSetsByImage()
        return s?.observedGeneration == d.metadata?.generation && s?.updatedReplicas == replicas && s?.replicas == replicas
            && s?.availableReplicas == replicas && pods.count == Int(replicas)
            && pods.allSatisfy { $0.spec?.containers?.first?.image == image }
            && rss[image]?.replicas == replicas && rss.filter { $0.key != image }.allSatisfy { $0.value.replicas == 0 }
            && s?.condition("Progressing")?.reason == "NewReplicaSetAvailable"
    }
}

/// Polls `condition` until it holds; fails after `timeout`.
func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        if ContinuousClock.now > deadline {
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(25))
    }
}

@Suite struct DeploymentControllerTests {
    @Test func rollingUpdateScaleAndRollback() async throws {
        try await DeploymentCluster.with { c in
            _ = try await c.deployments.create(DeploymentCluster.deployment(replicas: 3, image: "nginx:1"), namespace: "default")
            try await waitUntil("first rollout") { try await c.isRolledOut(image: "nginx:1", replicas: 3) }
            var rss = try await c.replicaSets.list(namespace: "default").items
            #expect(rss.count == 1)
            let first = try #require(rss.first)
            let hash = try #require(first.metadata?.labels?[DeploymentUtil.templateHashLabel])
            #expect(first.metadata?.name == "web-\(hash)")
            #expect(first.spec?.selector?.matchLabels?[DeploymentUtil.templateHashLabel] == hash)
            #expect(first.spec?.template?.metadata?.labels?[DeploymentUtil.templateHashLabel] == hash)
            #expect(first.metadata?.annotations?[DeploymentUtil.revisionAnnotation] == "1")
            #expect(first.metadata?.annotations?[DeploymentUtil.desiredReplicasAnnotation] == "3")
            #expect(first.metadata?.annotations?[DeploymentUtil.maxReplicasAnnotation] == "4")
            #expect(first.metadata?.annotations?[DeploymentUtil.changeCauseAnnotation] == "create nginx:1")
            #expect(first.metadata?.ownerReferences?.first?.kind == "Deployment")
            var d = try await c.deployments.get("web", namespace: "default")
            #expect(d.metadata?.annotations?[DeploymentUtil.revisionAnnotation] == "1")
            #expect(d.status?.condition("Available")?.reason == "MinimumReplicasAvailable")
            #expect(d.status?.condition("Available")?.message == "Deployment has minimum availability.")
            #expect(d.status?.condition("Progressing")?.message == "ReplicaSet \"\(first.metadata!.name!)\" has successfully progressed.")

            try await c.setImage("nginx:2")
            try await waitUntil("rolling update") { try await c.isRolledOut(image: "nginx:2", replicas: 3) }
            var byImage = try await c.replicaSetsByImage()
            #expect(byImage.count == 2)
            #expect(byImage["nginx:1"]?.replicas == 0 && byImage["nginx:1"]?.revision == "1")
            #expect(byImage["nginx:2"]?.replicas == 3 && byImage["nginx:2"]?.revision == "2")
            d = try await c.deployments.get("web", namespace: "default")
            #expect(d.metadata?.annotations?[DeploymentUtil.revisionAnnotation] == "2")

            try await c.patchSpec(["replicas": 5])
            try await waitUntil("scale to 5") { try await c.isRolledOut(image: "nginx:2", replicas: 5) }
            byImage = try await c.replicaSetsByImage()
            #expect(byImage["nginx:2"]?.replicas == 5)
            rss = try await c.replicaSets.list(namespace: "default").items
            #expect(rss.first { $0.spec?.replicas == 5 }?.metadata?.annotations?[DeploymentUtil.desiredReplicasAnnotation] == "5")

            // Rolling back to the first template reuses its ReplicaSet, which takes revision 3.
            try await c.setImage("nginx:1")
            try await waitUntil("rollback") { try await c.isRolledOut(image: "nginx:1", replicas: 5) }
            byImage = try await c.replicaSetsByImage()
            #expect(byImage.count == 2)
            #expect(byImage["nginx:1"]?.revision == "3" && byImage["nginx:2"]?.replicas == 0)
            let reused = try await c.replicaSets.get(first.metadata!.name!, namespace: "default")
            #expect(reused.metadata?.uid == first.metadata?.uid)
            #expect(reused.metadata?.annotations?[DeploymentUtil.revisionHistoryAnnotation] == "1")
        }
    }

    @Test func recreateScalesTheOldDownBeforeTheNewUp() async throws {
        try await DeploymentCluster.with { c in
            _ = try await c.deployments.create(DeploymentCluster.deployment(replicas: 2, image: "nginx:1", strategy: "Recreate"), namespace: "default")
            try await waitUntil("first rollout") { try await c.isRolledOut(image: "nginx:1", replicas: 2) }
            try await c.setImage("nginx:2")
            try await waitUntil("recreate") { try await c.isRolledOut(image: "nginx:2", replicas: 2) }
            let byImage = try await c.replicaSetsByImage()
            #expect(byImage["nginx:1"]?.replicas == 0 && byImage["nginx:2"]?.revision == "2")
        }
    }

    @Test func pausedDeploymentScalesButDoesNotRollOut() async throws {
        try await DeploymentCluster.with { c in
            _ = try await c.deployments.create(DeploymentCluster.deployment(replicas: 2, image: "nginx:1"), namespace: "default")
            try await waitUntil("first rollout") { try await c.isRolledOut(image: "nginx:1", replicas: 2) }
            try await c.patchSpec(["paused": true])
            try await waitUntil("paused condition") {
                try await c.deployments.get("web", namespace: "default").status?.condition("Progressing")?.reason == "DeploymentPaused"
            }
            try await c.setImage("nginx:2")
            try await c.patchSpec(["replicas": 4])
            try await waitUntil("scaled while paused") { try await c.replicaSetsByImage()["nginx:1"]?.replicas == 4 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await c.replicaSetsByImage().count == 1)

            try await c.patchSpec(["paused": false])
            try await waitUntil("rollout after resume") { try await c.isRolledOut(image: "nginx:2", replicas: 4) }
        }
    }
}
