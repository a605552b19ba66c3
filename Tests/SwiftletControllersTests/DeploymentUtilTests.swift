import Foundation
import Testing
@testable import SwiftletAPI
@testable import SwiftletControllers

@Suite struct DeploymentUtilTests {
    static func template(image: String, hash: String? = nil) -> PodTemplateSpec {
        var labels = ["app": "web"]
        if let hash { labels[DeploymentUtil.templateHashLabel] = hash }
        return PodTemplateSpec(metadata: ObjectMeta(labels: labels), spec: PodSpec(containers: [Container(image: image, name: "c")]))
    }

    static func deployment(replicas: Int32 = 3, image: String = "nginx:1", surge: IntOrString = .string("25%"),
                           unavailable: IntOrString = .string("25%"), statusReplicas: Int32? = nil) -> Deployment {
        Deployment(metadata: ObjectMeta(generation: 1, name: "web", namespace: "default", uid: "d-uid"),
                   spec: DeploymentSpec(progressDeadlineSeconds: 600, replicas: replicas, revisionHistoryLimit: 10,
                                        selector: MetaLabelSelector(matchLabels: ["app": "web"]),
                                        strategy: DeploymentStrategy(rollingUpdate: RollingUpdateDeployment(maxSurge: surge, maxUnavailable: unavailable),
                                                                     type: "RollingUpdate"),
                                        template: template(image: image)),
                   status: DeploymentStatus(replicas: statusReplicas))
    }

    static func rs(_ name: String, replicas: Int32, revision: Int? = nil, maxReplicas: Int32? = nil, created: TimeInterval = 0,
                   image: String = "nginx:1", statusReplicas: Int32? = nil, available: Int32? = nil) -> ReplicaSet {
        var annotations: [String: String] = [:]
        if let revision { annotations[DeploymentUtil.revisionAnnotation] = String(revision) }
        if let maxReplicas { annotations[DeploymentUtil.maxReplicasAnnotation] = String(maxReplicas) }
        return ReplicaSet(metadata: ObjectMeta(annotations: annotations, creationTimestamp: Time(Date(timeIntervalSince1970: 1_700_000_000 + created)),
                                               generation: 1, name: name, namespace: "default", uid: "\(name)-uid"),
                          spec: ReplicaSetSpec(replicas: replicas, template: template(image: image, hash: name)),
                          status: ReplicaSetStatus(availableReplicas: available, observedGeneration: 1, replicas: statusReplicas ?? replicas))
    }

    @Test func newReplicaSetIsFoundIgnoringTheHashLabel() {
        let d = Self.deployment(image: "nginx:2")
        let old = Self.rs("web-aaa", replicas: 3, created: 0, image: "nginx:1")
        let new = Self.rs("web-bbb", replicas: 0, created: 10, image: "nginx:2")
        let newer = Self.rs("web-ccc", replicas: 0, created: 20, image: "nginx:2")
        #expect(DeploymentUtil.findNewReplicaSet(d, in: [newer, old, new])?.metadata?.name == "web-bbb")
        #expect(DeploymentUtil.findNewReplicaSet(Self.deployment(image: "nginx:3"), in: [old, new]) == nil)
        #expect(DeploymentUtil.equalIgnoringHash(Self.template(image: "x", hash: "h1"), Self.template(image: "x")))
        #expect(!DeploymentUtil.equalIgnoringHash(Self.template(image: "x", hash: "h1"), Self.template(image: "y", hash: "h1")))
    }

    @Test func templateHashFollowsTheTemplateAndTheCollisionCount() {
        let a = DeploymentUtil.templateHash(Self.template(image: "nginx:1"), collisionCount: nil)
        #expect(a == DeploymentUtil.templateHash(Self.template(image: "nginx:1"), collisionCount: nil))
        #expect(a != DeploymentUtil.templateHash(Self.template(image: "nginx:2"), collisionCount: nil))
        #expect(a != DeploymentUtil.templateHash(Self.template(image: "nginx:1"), collisionCount: 1))
    }

    @Test func revisionsCountUpAndARollbackKeepsHistory() {
        let rss = [Self.rs("a", replicas: 0, revision: 1), Self.rs("b", replicas: 0, revision: 4), Self.rs("c", replicas: 3)]
        #expect(DeploymentUtil.maxRevision(rss) == 4)
        var d = Self.deployment()
        d.metadata?.annotations = [DeploymentUtil.changeCauseAnnotation: "kubectl set image", DeploymentUtil.revisionAnnotation: "4",
                                   "kubectl.kubernetes.io/last-applied-configuration": "{}"]

        var fresh = Self.rs("n", replicas: 1)
        #expect(DeploymentUtil.setNewReplicaSetAnnotations(d, &fresh, newRevision: 5, exists: false))
        let a = fresh.metadata?.annotations ?? [:]
        #expect(a[DeploymentUtil.revisionAnnotation] == "5")
        #expect(a[DeploymentUtil.changeCauseAnnotation] == "kubectl set image")
        #expect(a[DeploymentUtil.desiredReplicasAnnotation] == "3")
        #expect(a[DeploymentUtil.maxReplicasAnnotation] == "4")
        #expect(a["kubectl.kubernetes.io/last-applied-configuration"] == nil)
        #expect(a[DeploymentUtil.revisionHistoryAnnotation] == nil)

        // Rolling back to revision 1's template gives that ReplicaSet the next revision and remembers 1.
        var rolledBack = Self.rs("a", replicas: 0, revision: 1)
        #expect(DeploymentUtil.setNewReplicaSetAnnotations(d, &rolledBack, newRevision: 5, exists: true))
        #expect(rolledBack.metadata?.annotations?[DeploymentUtil.revisionAnnotation] == "5")
        #expect(rolledBack.metadata?.annotations?[DeploymentUtil.revisionHistoryAnnotation] == "1")
        #expect(rolledBack.metadata?.annotations?[DeploymentUtil.desiredReplicasAnnotation] == nil)
        #expect(DeploymentUtil.setNewReplicaSetAnnotations(d, &rolledBack, newRevision: 7, exists: true))
        #expect(rolledBack.metadata?.annotations?[DeploymentUtil.revisionHistoryAnnotation] == "1,5")
        // Already current: nothing to write.
        #expect(!DeploymentUtil.setNewReplicaSetAnnotations(d, &rolledBack, newRevision: 7, exists: true))
    }

    @Test func scalingMidRolloutIsProportional() {
        // 10 replicas, surge 3: new has 5 and old 8 (13 = 10 + 3); scaling to 20 (max 20 + 5 = 25) adds 12.
        let d = Self.deployment(replicas: 20, surge: .int(3), unavailable: .int(2), statusReplicas: 13)
        var d2 = d
        d2.spec?.strategy?.rollingUpdate?.maxSurge = .int(5)
        let old = Self.rs("old", replicas: 8, maxReplicas: 13, created: 0)
        let new = Self.rs("new", replicas: 5, maxReplicas: 13, created: 10)
        let (sizes, operation) = DeploymentUtil.proportionalSizes(d2, active: [old, new])
        #expect(operation == "up")
        let bySize = Dictionary(uniqueKeysWithValues: sizes)
        #expect(bySize["old"]! + bySize["new"]! == 25)
        #expect(bySize["old"] == 15)  // 8 * 25 / 13 = 15.4 -> 15
        #expect(bySize["new"] == 10)  // 5 * 25 / 13 = 9.6 -> 10

        // Scaling down from 25 to 10 (max 10 + 3 = 13).
        var down = Self.deployment(replicas: 10, surge: .int(3), unavailable: .int(2), statusReplicas: 25)
        down.spec?.strategy?.rollingUpdate?.maxSurge = .int(3)
        let (downSizes, downOp) = DeploymentUtil.proportionalSizes(down, active: [Self.rs("old", replicas: 15, maxReplicas: 25, created: 0),
                                                                                  Self.rs("new", replicas: 10, maxReplicas: 25, created: 10)])
        #expect(downOp == "down")
        let downBySize = Dictionary(uniqueKeysWithValues: downSizes)
        #expect(downBySize["old"]! + downBySize["new"]! == 13)
        #expect(downBySize["old"] == 8)
        #expect(downBySize["new"] == 5)
    }

    @Test func oneActiveReplicaSetTakesTheWholeCount() {
        let old = Self.rs("old", replicas: 0, created: 0)
        let new = Self.rs("new", replicas: 3, created: 10)
        #expect(DeploymentUtil.activeOrLatest(new: new, old: [old])?.metadata?.name == "new")
        #expect(DeploymentUtil.activeOrLatest(new: nil, old: [old, Self.rs("older", replicas: 0, created: -5)])?.metadata?.name == "old")
        #expect(DeploymentUtil.activeOrLatest(new: new, old: [Self.rs("old", replicas: 2)]) == nil)
    }

    @Test func cleanupDeletesTheOldestScaledDownBeyondTheLimit() {
        let old = [
            Self.rs("r1", replicas: 0, revision: 1, created: 0),
            Self.rs("r2", replicas: 1, revision: 2, created: 10),
            Self.rs("r3", replicas: 0, revision: 3, created: 20),
            Self.rs("r4", replicas: 0, revision: 4, created: 30, statusReplicas: 1),
            Self.rs("r5", replicas: 0, revision: 5, created: 40),
        ]
        #expect(DeploymentUtil.replicaSetsToCleanUp(old: old, limit: 5).isEmpty)
        #expect(DeploymentUtil.replicaSetsToCleanUp(old: old, limit: 2).map { $0.metadata!.name! } == ["r1", "r3"])
        #expect(DeploymentUtil.replicaSetsToCleanUp(old: old, limit: 0).map { $0.metadata!.name! } == ["r1", "r3", "r5"])
    }

    @Test func statusConditionsFollowAvailabilityAndProgress() {
        var d = Self.deployment(replicas: 4)
        let new = Self.rs("web-new", replicas: 4, statusReplicas: 4, available: 3)
        var status = DeploymentUtil.rolloutStatus(d, all: [new], new: new)
        #expect(status.condition("Available")?.reason == "MinimumReplicasAvailable")
        #expect(status.condition("Progressing")?.reason == "ReplicaSetUpdated")
        #expect(status.condition("Progressing")?.message == "ReplicaSet \"web-new\" is progressing.")
        #expect(status.unavailableReplicas == 1 && status.updatedReplicas == 4)

        d.status = status
        let done = Self.rs("web-new", replicas: 4, statusReplicas: 4, available: 4)
        status = DeploymentUtil.rolloutStatus(d, all: [done], new: done)
        #expect(status.condition("Progressing")?.reason == "NewReplicaSetAvailable")
        #expect(status.condition("Progressing")?.message == "ReplicaSet \"web-new\" has successfully progressed.")

        // No progress for longer than the deadline times out.
        var stuck = Self.deployment(replicas: 4)
        stuck.status = DeploymentStatus(conditions: [DeploymentStatus.newCondition("Progressing", "True", reason: "ReplicaSetUpdated", message: "",
                                                                                    now: Date().addingTimeInterval(-700))],
                                        replicas: 4, updatedReplicas: 4)
        let slow = Self.rs("web-new", replicas: 4, statusReplicas: 4, available: 0)
        status = DeploymentUtil.rolloutStatus(stuck, all: [slow], new: slow)
        #expect(status.condition("Progressing")?.reason == "ProgressDeadlineExceeded")
        #expect(status.condition("Progressing")?.status == "False")
        #expect(status.condition("Progressing")?.message == "ReplicaSet \"web-new\" has timed out progressing.")
        #expect(status.condition("Available")?.reason == "MinimumReplicasUnavailable")
    }
}
