import Testing
@testable import SwiftletAPI
@testable import SwiftletControllers

@Suite struct ControllerMathTests {
    @Test(arguments: [
        (IntOrString.string("25%"), IntOrString.string("25%"), 10, 3, 2),
        (.int(0), .int(0), 10, 0, 1),
        (.string("0%"), .string("10%"), 3, 0, 0 + 1),
        (.int(2), .string("50%"), 5, 2, 2),
        (.string("100%"), .int(0), 4, 4, 0),
    ])
    func fenceposts(surge: IntOrString, unavailable: IntOrString, desired: Int, expectedSurge: Int, expectedUnavailable: Int) {
        let r = RollingUpdateMath.resolveFenceposts(maxSurge: surge, maxUnavailable: unavailable, desired: desired)
        #expect(r.surge == expectedSurge)
        #expect(r.unavailable == expectedUnavailable)
    }

    @Test func newReplicaSetGrowsWithinTheSurge() {
        #expect(RollingUpdateMath.newReplicaSetReplicas(desired: 10, currentPodCount: 10, newReplicas: 0, maxSurge: 3) == 3)
        #expect(RollingUpdateMath.newReplicaSetReplicas(desired: 10, currentPodCount: 13, newReplicas: 3, maxSurge: 3) == 3)
        #expect(RollingUpdateMath.newReplicaSetReplicas(desired: 10, currentPodCount: 11, newReplicas: 9, maxSurge: 3) == 10)
        #expect(RollingUpdateMath.maxScaleDown(desired: 10, maxUnavailable: 2, allPods: 13, newReplicas: 3, newAvailable: 0) == 2)
        #expect(RollingUpdateMath.maxScaleDown(desired: 10, maxUnavailable: 2, allPods: 13, newReplicas: 3, newAvailable: 3) == 5)
    }

    @Test func templateHashIsStableAndSensitive() {
        let a: JSONValue = ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c", "image": "nginx:1.25"]]]]
        let reordered: JSONValue = ["spec": ["containers": [["image": "nginx:1.25", "name": "c"]]], "metadata": ["labels": ["app": "web"]]]
        let b: JSONValue = ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c", "image": "nginx:1.26"]]]]
        let hash = PodTemplateHash.compute(template: a, collisionCount: nil)
        #expect(hash == PodTemplateHash.compute(template: reordered, collisionCount: nil))
        #expect(hash != PodTemplateHash.compute(template: b, collisionCount: nil))
        #expect(hash != PodTemplateHash.compute(template: a, collisionCount: 1))
        #expect(LabelValidation.labelValueProblems(hash).isEmpty)
        #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
    }

    static func pod(_ name: String, node: String = "n1", phase: String = "Running", ready: Bool = true, cost: String? = nil,
                    created: String = "2024-01-01T00:00:00Z", restarts: Int64 = 0) -> JSONValue {
        var meta: JSONObject = ["name": .string(name), "creationTimestamp": .string(created)]
        if let cost { meta["annotations"] = ["controller.kubernetes.io/pod-deletion-cost": .string(cost)] }
        return ["metadata": .object(meta), "spec": ["nodeName": .string(node)],
                "status": ["phase": .string(phase), "conditions": [["type": "Ready", "status": ready ? "True" : "False",
                                                                  "lastTransitionTime": .string(created)]],
                           "containerStatuses": [["restartCount": .int(restarts)]]]]
    }

    @Test func scaleDownRemovesTheLeastValuablePodsFirst() {
        let pods = [
            Self.pod("ready-old"),
            Self.pod("unscheduled", node: "", phase: "Pending", ready: false),
            Self.pod("pending", phase: "Pending", ready: false),
            Self.pod("not-ready", ready: false),
            Self.pod("cheap", cost: "-10"),
            Self.pod("ready-new", created: "2024-06-01T00:00:00Z"),
            Self.pod("crashy", restarts: 5),
        ]
        let order = PodDeletionRanking.ordered(pods).compactMap { $0["metadata"]?["name"]?.stringValue }
        #expect(Array(order.prefix(5)) == ["unscheduled", "pending", "not-ready", "cheap", "ready-new"])
        #expect(order.last == "ready-old")
        #expect(order.firstIndex(of: "crashy")! < order.firstIndex(of: "ready-old")!)
    }
}
