import Foundation
import SwiftletAPI
import SwiftletClient
@testable import SwiftletControllers
import Testing

/// Generous: other suites run their own API servers and controllers alongside, on two cores.
private let patience: Duration = .seconds(60)

/// One at a time: each test runs a whole cluster, and a dozen at once starve the other suites' clusters.

@Suite(.serialized) struct StatefulSetControllerTests {
    @Test func orderedReadyCreatesOnePodAtATimeWithStableIdentity() async throws {
        try await StatefulSetCluster.with { c in
            c.held.hold("web-0")
            try await c.create(StatefulSetCluster.statefulSet(replicas: 3))
            try await waitUntil("web-0 created", timeout: patience) { try await c.pod("web-0") != nil }
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await c.podNames() == ["web-0"], "web-1 must wait until web-0 is Running and Ready")

            let set = try await c.set()
            let pod = try #require(try await c.pod("web-0"))
            #expect(pod.spec?.hostname == "web-0")
            #expect(pod.spec?.subdomain == "nginx")
            #expect(pod.metadata?.labels?["app"] == "web")
            #expect(pod.metadata?.labels?["statefulset.kubernetes.io/pod-name"] == "web-0")
            #expect(pod.metadata?.labels?["apps.kubernetes.io/pod-index"] == "0")
            let ref = try #require(pod.metadata?.ownerReferences?.first)
            #expect(ref.kind == "StatefulSet" && ref.name == "web" && ref.uid == set.metadata?.uid)
            #expect(ref.controller == true && ref.blockOwnerDeletion == true)

            c.held.release("web-0")
            try await waitUntil("three pods ready", timeout: patience) { try await c.isSettled(replicas: 3, image: "nginx:1") }
            let status = try #require(try await c.set().status)
            let revision = try #require(status.updateRevision)
            #expect(status.currentRevision == revision && status.currentReplicas == 3 && status.updatedReplicas == 3)
            #expect(try await c.pod("web-2")?.metadata?.labels?["controller-revision-hash"] == revision)
            try await waitUntil("create events", timeout: patience) {
                let messages = try await c.eventMessages()
                return (0..<3).allSatisfy { messages.contains("create Pod web-\($0) in StatefulSet web successful") }
            }
        }
    }

    @Test func orderedReadyWaitsForMinReadySecondsBeforeTheNextPod() async throws {
        try await StatefulSetCluster.with { c in
            var set = StatefulSetCluster.statefulSet(replicas: 2)
            set.spec?.minReadySeconds = 3
            try await c.create(set)
            try await waitUntil("web-0 ready", timeout: patience) { try await c.pod("web-0")?.isReady == true }
            let readySince = try #require(try await c.pod("web-0")?.status?.conditions?.first { $0.type == "Ready" }?.lastTransitionTime?.date)
            try await waitUntil("both available", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            let created = try #require(try await c.pod("web-1")?.metadata?.creationTimestamp?.date)
            // Both times have whole seconds; web-1 comes only once web-0 has been ready for minReadySeconds.
            #expect(created.timeIntervalSince(readySince) >= 2)
        }
    }

    @Test func parallelCreatesEveryPodWithoutWaiting() async throws {
        try await StatefulSetCluster.with { c in
            c.held.hold("web-0", "web-1", "web-2")
            try await c.create(StatefulSetCluster.statefulSet(replicas: 3, policy: "Parallel"))
            try await waitUntil("all three pods created while none is ready", timeout: patience) { try await c.podNames() == ["web-0", "web-1", "web-2"] }
            #expect(try await c.pods.list(namespace: "default").items.allSatisfy { !$0.isReady })
            c.held.release("web-0", "web-1", "web-2")
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 3, image: "nginx:1") }
        }
    }

    @Test func claimsAreCreatedBeforePodsAndReattached() async throws {
        try await StatefulSetCluster.with { c in
            try await c.create(StatefulSetCluster.statefulSet(replicas: 2, claims: true))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            for ordinal in 0..<2 {
                let claim = try #require(try await c.claim("data-web-\(ordinal)"))
                #expect(claim.metadata?.labels == ["app": "web"])
                #expect(claim.metadata?.ownerReferences == nil, "Retain keeps claims free of owners")
                let pod = try #require(try await c.pod("web-\(ordinal)"))
                #expect(pod.spec?.volumes?.first { $0.name == "data" }?.persistentVolumeClaim?.claimName == "data-web-\(ordinal)")
            }
            try await waitUntil("claim event", timeout: patience) {
                try await c.eventMessages().contains("create Claim data-web-0 Pod web-0 in StatefulSet web success")
            }

            let oldPod = try #require(try await c.pod("web-1"))
            let oldClaim = try #require(try await c.claim("data-web-1"))
            _ = try await c.pods.delete("web-1", namespace: "default")
            try await waitUntil("web-1 recreated", timeout: patience) {
                guard let pod = try await c.pod("web-1") else { return false }
                return pod.metadata?.uid != oldPod.metadata?.uid && pod.isReady
            }
            let newPod = try #require(try await c.pod("web-1"))
            #expect(newPod.spec?.volumes?.first { $0.name == "data" }?.persistentVolumeClaim?.claimName == "data-web-1")
            #expect(try await c.claim("data-web-1")?.metadata?.uid == oldClaim.metadata?.uid)
            #expect(try await c.claims.list(namespace: "default").items.count == 2)
        }
    }

    @Test func scaleDownGoesFromTheHighestOrdinalAndKeepsClaims() async throws {
        try await StatefulSetCluster.with { c in
            try await c.create(StatefulSetCluster.statefulSet(replicas: 3, claims: true))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 3, image: "nginx:1") }
            try await c.setFinalizer("web-2", "test.swiftlet.dev/hold")
            try await c.setFinalizer("web-1", "test.swiftlet.dev/hold")

            // Through the scale subresource, as `kubectl scale statefulset web --replicas=1` does.
            var scale = try await c.sets.getScale("web", namespace: "default")
            scale.spec?.replicas = 1
            scale.metadata?.resourceVersion = nil  // unconditional, as kubectl's patch of the scale subresource
            _ = try await c.sets.updateScale("web", namespace: "default", scale: scale)

            try await waitUntil("web-2 terminating", timeout: patience) { try await c.pod("web-2")?.metadata?.deletionTimestamp != nil }
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await c.pod("web-1")?.metadata?.deletionTimestamp == nil, "web-1 waits until web-2 is gone")
            try await c.setFinalizer("web-2", nil)
            try await waitUntil("web-1 terminating", timeout: patience) { try await c.pod("web-1")?.metadata?.deletionTimestamp != nil }
            #expect(try await c.pod("web-2") == nil)
            try await c.setFinalizer("web-1", nil)
            try await waitUntil("scaled to one", timeout: patience) { try await c.isSettled(replicas: 1, image: "nginx:1") }
            let claims = try await c.claims.list(namespace: "default").items.compactMap(\.metadata?.name).sorted()
            #expect(claims == ["data-web-0", "data-web-1", "data-web-2"])
            try await waitUntil("delete events", timeout: patience) {
                let messages = try await c.eventMessages()
                return messages.contains("delete Pod web-2 in StatefulSet web successful")
                    && messages.contains("delete Pod web-1 in StatefulSet web successful")
            }

            // Scaling up again reattaches the retained claim.
            let retained = try #require(try await c.claim("data-web-1"))
            try await c.patchSpec(["replicas": 2])
            try await waitUntil("scaled to two", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            #expect(try await c.claim("data-web-1")?.metadata?.uid == retained.metadata?.uid)
        }
    }

    @Test func deleteRetentionPolicyHandsClaimsToTheGarbageCollector() async throws {
        try await StatefulSetCluster.with { c in
            let retention = StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Delete", whenScaled: "Delete")
            try await c.create(StatefulSetCluster.statefulSet(replicas: 2, claims: true, retention: retention))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            let set = try await c.set()
            try await waitUntil("claims owned by the set", timeout: patience) {
                for ordinal in 0..<2 {
                    let refs = try await c.claim("data-web-\(ordinal)")?.metadata?.ownerReferences ?? []
                    guard refs.count == 1, refs[0].uid == set.metadata?.uid, refs[0].kind == "StatefulSet", refs[0].controller == true else { return false }
                }
                return true
            }

            let original = try #require(try await c.claim("data-web-1"))
            try await c.patchSpec(["replicas": 1])
            try await waitUntil("scaled-down claim deleted", timeout: patience) { try await c.claim("data-web-1") == nil }
            try await waitUntil("scaled to one", timeout: patience) { try await c.isSettled(replicas: 1, image: "nginx:1") }
            #expect(try await c.claim("data-web-0") != nil)

            // Scaling up again starts web-1 on a fresh claim, owned by the set again.
            try await c.patchSpec(["replicas": 2])
            try await waitUntil("scaled to two", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            try await waitUntil("fresh claim owned by the set", timeout: patience) {
                let claim = try await c.claim("data-web-1")
                return claim != nil && claim?.metadata?.uid != original.metadata?.uid
                    && claim?.metadata?.ownerReferences?.map(\.uid) == [set.metadata?.uid]
            }

            _ = try await c.sets.delete("web", namespace: "default")
            try await waitUntil("claims deleted with the set", timeout: patience) { try await c.claims.list(namespace: "default").items.isEmpty }
        }
    }

    @Test func rollingUpdateGoesDownFromTheHighestOrdinalAndHonoursThePartition() async throws {
        try await StatefulSetCluster.with { c in
            try await c.create(StatefulSetCluster.statefulSet(replicas: 3))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 3, image: "nginx:1") }
            let first = try #require(try await c.set().status?.updateRevision)

            c.held.hold("web-2")
            try await c.patchSpec(["updateStrategy": ["type": "RollingUpdate", "rollingUpdate": ["partition": 1]]])
            try await c.setImage("nginx:2")
            try await waitUntil("web-2 replaced", timeout: patience) { try await c.pod("web-2")?.spec?.containers?.first?.image == "nginx:2" }
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await c.pod("web-1")?.spec?.containers?.first?.image == "nginx:1", "web-1 waits until web-2 is ready")
            c.held.release("web-2")
            try await waitUntil("web-1 replaced", timeout: patience) {
                let pod = try await c.pod("web-1")
                return pod?.spec?.containers?.first?.image == "nginx:2" && pod?.isReady == true
            }
            try await waitUntil("status of a partitioned update", timeout: patience) {
                let s = try await c.set().status
                return s?.updatedReplicas == 2 && s?.currentReplicas == 1 && s?.readyReplicas == 3
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await c.pod("web-0")?.spec?.containers?.first?.image == "nginx:1", "the partition keeps web-0 back")
            let status = try #require(try await c.set().status)
            #expect(status.currentRevision == first && status.updateRevision != first)
            #expect(try await c.pod("web-0")?.metadata?.labels?["controller-revision-hash"] == first)

            try await c.patchSpec(["updateStrategy": ["rollingUpdate": ["partition": 0]]])
            try await waitUntil("update finished", timeout: patience) { try await c.isSettled(replicas: 3, image: "nginx:2") }
            try await waitUntil("current revision is the update revision", timeout: patience) {
                let s = try await c.set().status
                return s?.currentRevision == status.updateRevision && s?.currentReplicas == 3 && s?.updatedReplicas == 3
            }
        }
    }

    @Test func onDeleteReplacesOnlyPodsTheUserDeletes() async throws {
        try await StatefulSetCluster.with { c in
            try await c.create(StatefulSetCluster.statefulSet(replicas: 2, updateStrategy: StatefulSetUpdateStrategy(type: "OnDelete")))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            try await c.setImage("nginx:2")
            try await waitUntil("new update revision", timeout: patience) {
                let s = try await c.set().status
                return s?.updateRevision != s?.currentRevision && s?.observedGeneration == 2
            }
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await c.pods.list(namespace: "default").items.allSatisfy { $0.spec?.containers?.first?.image == "nginx:1" })

            _ = try await c.pods.delete("web-1", namespace: "default")
            try await waitUntil("web-1 recreated at the update revision", timeout: patience) {
                let pod = try await c.pod("web-1")
                return pod?.spec?.containers?.first?.image == "nginx:2" && pod?.isReady == true
            }
            #expect(try await c.pod("web-0")?.spec?.containers?.first?.image == "nginx:1")
            try await waitUntil("status counts", timeout: patience) {
                let s = try await c.set().status
                return s?.updatedReplicas == 1 && s?.currentReplicas == 1 && s?.replicas == 2
            }
        }
    }

    @Test func controllerRevisionsRecordTemplatesAndRollBack() async throws {
        try await StatefulSetCluster.with { c in
            try await c.create(StatefulSetCluster.statefulSet(replicas: 2))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            let set = try await c.set()
            var revisions = try await c.revisions.list(namespace: "default").items
            #expect(revisions.count == 1)
            let first = try #require(revisions.first)
            let hash = try #require(first.metadata?.labels?["controller.kubernetes.io/hash"])
            #expect(first.metadata?.name == "web-\(hash)" && set.status?.updateRevision == first.metadata?.name)
            #expect(first.metadata?.labels?["app"] == "web")
            #expect(first.revision == 1)
            #expect(first.data?["spec"]?["template"]?["$patch"] == "replace")
            #expect(first.data?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"] == "nginx:1")
            #expect(first.data?["spec"]?.objectValue?.keys.elementsEqual(["template"]) == true)
            let owner = try #require(first.metadata?.ownerReferences?.first)
            #expect(owner.uid == set.metadata?.uid && owner.controller == true)
            #expect(set.status?.collisionCount == 0 || set.status?.collisionCount == nil)
            #expect(set.status?.observedGeneration == set.metadata?.generation)

            try await c.setImage("nginx:2")
            try await waitUntil("updated", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:2") }
            revisions = try await c.revisions.list(namespace: "default").items
            #expect(revisions.count == 2)
            let second = try #require(revisions.first { $0.metadata?.name != first.metadata?.name })
            #expect(second.revision == 2)

            // `kubectl rollout undo` applies the old revision's data as a strategic merge patch.
            _ = try await c.sets.patch("web", namespace: "default", type: .strategicMerge, body: first.data ?? .null)
            try await waitUntil("rolled back", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            try await waitUntil("old revision renumbered and current", timeout: patience) {
                let revs = try await c.revisions.list(namespace: "default").items
                let s = try await c.set().status
                return revs.count == 2 && revs.first { $0.metadata?.name == first.metadata?.name }?.revision == 3
                    && s?.currentRevision == first.metadata?.name && s?.updateRevision == first.metadata?.name
            }
        }
    }

    @Test func revisionHistoryLimitPrunesUnusedRevisions() async throws {
        try await StatefulSetCluster.with { c in
            var set = StatefulSetCluster.statefulSet(replicas: 2)
            set.spec?.revisionHistoryLimit = 0
            try await c.create(set)
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            try await c.setImage("nginx:2")
            try await waitUntil("updated", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:2") }
            try await waitUntil("only the live revision is left", timeout: patience) {
                let names = try await c.revisions.list(namespace: "default").items.compactMap(\.metadata?.name)
                let live = try await c.set().status?.updateRevision
                return names.count == 1 && names.first == live
            }
        }
    }

    @Test func aTerminatingPodIsNotReplacedUntilItIsGone() async throws {
        try await StatefulSetCluster.with { c in
            try await c.create(StatefulSetCluster.statefulSet(replicas: 2, policy: "Parallel"))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            let old = try #require(try await c.pod("web-1"))
            try await c.setFinalizer("web-1", "test.swiftlet.dev/hold")
            _ = try await c.pods.delete("web-1", namespace: "default")
            try await waitUntil("web-1 terminating", timeout: patience) { try await c.pod("web-1")?.metadata?.deletionTimestamp != nil }
            try await Task.sleep(for: .milliseconds(500))
            let terminating = try #require(try await c.pod("web-1"))
            #expect(terminating.metadata?.uid == old.metadata?.uid && terminating.metadata?.deletionTimestamp != nil)
            #expect(try await c.pods.list(namespace: "default").items.count == 2)
            #expect(!(try await c.eventMessages()).contains { $0.hasPrefix("create Pod web-1") && $0.contains("failed") })

            try await c.setFinalizer("web-1", nil)
            try await waitUntil("web-1 recreated", timeout: patience) {
                let pod = try await c.pod("web-1")
                return pod != nil && pod?.metadata?.uid != old.metadata?.uid && pod?.isReady == true
            }
        }
    }

    @Test func failedPodsAreRecreated() async throws {
        try await StatefulSetCluster.with { c in
            try await c.create(StatefulSetCluster.statefulSet(replicas: 1))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 1, image: "nginx:1") }
            let old = try #require(try await c.pod("web-0"))
            _ = try await c.pods.patch("web-0", namespace: "default", type: .merge, body: ["status": ["phase": "Failed"]], subresource: "status")
            try await waitUntil("web-0 recreated", timeout: patience) {
                let pod = try await c.pod("web-0")
                return pod?.metadata?.uid != old.metadata?.uid && pod?.isReady == true
            }
            try await waitUntil("event", timeout: patience) {
                try await c.eventMessages().contains("StatefulSet default/web is recreating failed Pod web-0")
            }
        }
    }

    @Test func orphansAreAdoptedAndMismatchedPodsReleased() async throws {
        try await StatefulSetCluster.with { c in
            let orphan = Pod(metadata: ObjectMeta(labels: ["app": "web"], name: "web-0", namespace: "default"),
                             spec: PodSpec(containers: [Container(image: "nginx:1", name: "c")]))
            let created = try await c.pods.create(orphan, namespace: "default")
            // OnDelete, so the adopted pod (which has no revision label) is not replaced by a rolling update.
            try await c.create(StatefulSetCluster.statefulSet(replicas: 2, updateStrategy: StatefulSetUpdateStrategy(type: "OnDelete")))
            try await waitUntil("ready", timeout: patience) { try await c.isSettled(replicas: 2, image: "nginx:1") }
            let adopted = try #require(try await c.pod("web-0"))
            #expect(adopted.metadata?.uid == created.metadata?.uid)
            #expect(adopted.controllerRef?.uid == (try await c.set().metadata?.uid))
            // The adopted pod gets the set's identity labels.
            try await waitUntil("identity repaired", timeout: patience) {
                try await c.pod("web-0")?.metadata?.labels?["statefulset.kubernetes.io/pod-name"] == "web-0"
            }

            _ = try await c.pods.patch("web-1", namespace: "default", type: .merge, body: ["metadata": ["labels": ["app": "other"]]])
            try await waitUntil("web-1 released", timeout: patience) { try await c.pod("web-1")?.controllerRef == nil }
        }
    }

    // MARK: pure logic

    @Test(arguments: [("web-0", "web", 0), ("my-web-12", "my-web", 12), ("web", "", -1), ("web-", "", -1), ("web-1x", "", -1),
                      ("web-99999999999", "", -1)])
    func podNamesCarryParentAndOrdinal(name: String, parent: String, ordinal: Int) {
        let parsed = StatefulPodIdentity.parentAndOrdinal(name)
        #expect(parsed.parent == parent && parsed.ordinal == ordinal)
    }

    /// (whenScaled, whenDeleted, pod scaled away) → which owners the claim carries.
    @Test(arguments: [("Retain", "Retain", false, [String]()), ("Retain", "Delete", false, ["StatefulSet"]), ("Retain", "Delete", true, ["StatefulSet"]),
                      ("Delete", "Retain", false, []), ("Delete", "Retain", true, ["Pod"]),
                      ("Delete", "Delete", false, ["StatefulSet"]), ("Delete", "Delete", true, ["Pod"])])
    func claimOwnersFollowTheRetentionPolicy(whenScaled: String, whenDeleted: String, scaledDown: Bool, owners: [String]) {
        var set = StatefulSetCluster.statefulSet(replicas: 2, claims: true,
                                                 retention: StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: whenDeleted, whenScaled: whenScaled))
        set.metadata?.uid = "set-uid"
        var pod = StatefulPodIdentity.newPod(set, ordinal: scaledDown ? 2 : 1, revision: "web-1")
        pod.metadata?.uid = "pod-uid"
        var claim = try! #require(StatefulPodIdentity.claims(set, ordinal: scaledDown ? 2 : 1).first?.claim)
        #expect(claim.metadata?.name == (scaledDown ? "data-web-2" : "data-web-1"))
        // Start from the opposite of what is wanted, so every case has something to fix (except Retain/Retain).
        claim.metadata?.ownerReferences = [OwnerReference(apiVersion: "v1", controller: true, kind: "Pod", name: pod.metadata?.name, uid: "pod-uid")]
        let refs = ClaimRetentionOwnership.updatedOwnerReferences(claim, set: set, pod: pod)
        #expect(refs.compactMap(\.kind) == owners)
        #expect(refs.allSatisfy { $0.controller == true && $0.blockOwnerDeletion == true })
        claim.metadata?.ownerReferences = refs
        #expect(ClaimRetentionOwnership.isUpToDate(claim, set: set, pod: pod))
    }

    @Test func revisionsStoreAReplacePatchAndHashWithTheCollisionCount() throws {
        var set = StatefulSetCluster.statefulSet(replicas: 1)
        set.metadata?.uid = "set-uid"
        let revision = StatefulSetRevision.make(for: set, revision: 4, collisionCount: 0)
        let hash = try #require(revision.metadata?.labels?[StatefulSetRevision.hashLabel])
        #expect(revision.metadata?.name == "web-\(hash)" && revision.revision == 4)
        #expect(revision.data?["spec"]?["template"]?["$patch"] == "replace")
        #expect(revision.data?["spec"]?["template"]?.objectValue?.keys.first == "$patch", "keys sorted as Go marshals a map")
        #expect(StatefulSetRevision.make(for: set, revision: 5, collisionCount: 0).metadata?.name == revision.metadata?.name)
        #expect(StatefulSetRevision.make(for: set, revision: 4, collisionCount: 1).metadata?.name != revision.metadata?.name)

        var changed = set
        changed.spec?.template?.spec?.containers?[0].image = "nginx:2"
        let other = StatefulSetRevision.make(for: changed, revision: 5, collisionCount: 0)
        #expect(!StatefulSetRevision.equal(revision, other))
        #expect(StatefulSetRevision.apply(revision, to: changed).spec?.template == set.spec?.template)
    }
}
