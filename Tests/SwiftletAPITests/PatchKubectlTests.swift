import Testing

@testable import SwiftletAPI

/// What kubectl computes and sends, and what the server makes of it.
@Suite("Patches kubectl sends")
struct PatchKubectlTests {
    static let lastAppliedKey = "kubectl.kubernetes.io/last-applied-configuration"

    /// The configuration a user applied before: `original` of the three-way patch.
    static let lastApplied = #"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":2,"minReadySeconds":5,"selector":{"matchLabels":{"app":"web"}},
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},
          "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
            {"name":"web","image":"nginx:1.25","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":80}]}]}}}}
        """#

    /// The configuration being applied now: `modified`, to which kubectl adds the annotation.
    static let newConfig = #"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
          "strategy":{"type":"Recreate"},
          "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
            {"name":"web","image":"nginx:1.26","env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80}]},
            {"name":"sidecar","image":"busybox:1.36"}]}}}}
        """#

    /// The live object: the last apply plus what the server and controllers filled in.
    static func liveObject() throws -> JSONValue {
        var live = try parseJSON(lastApplied)
        live.set(path: ["metadata", "annotations"], to: [lastAppliedKey: .string(lastApplied), "deployment.kubernetes.io/revision": "1"])
        live.set(path: ["metadata", "uid"], to: "0e2c")
        live.set(path: ["metadata", "resourceVersion"], to: "41")
        live.set(path: ["spec", "strategy", "rollingUpdate", "maxUnavailable"], to: "25%")
        live.set(path: ["spec", "revisionHistoryLimit"], to: 10)
        live["status"] = ["replicas": 2, "readyReplicas": 2]
        var containers = try #require(live[path: ["spec", "template", "spec", "containers"]]?.arrayValue)
        containers[0]["imagePullPolicy"] = "IfNotPresent"
        containers[0]["terminationMessagePath"] = "/dev/termination-log"
        live.set(path: ["spec", "template", "spec", "containers"], to: .array(containers))
        return live
    }

    static func modifiedWithAnnotation() throws -> JSONValue {
        var modified = try parseJSON(newConfig)
        modified.set(path: ["metadata", "annotations"], to: [lastAppliedKey: .string(newConfig)])
        return modified
    }

    /// `kubectl apply`: the three-way patch, byte for byte as kubectl marshals it.
    @Test func applySendsAThreeWayPatch() throws {
        let patcher = PatchFixtures.strategic(PatchFixtures.deployment)
        let patch = try patcher.createThreeWayMergePatch(
            original: try parseJSON(Self.lastApplied), modified: try Self.modifiedWithAnnotation(), current: try Self.liveObject())
        let annotation = JSONSerializer.string(.string(Self.newConfig))
        #expect(JSONSerializer.string(patch) == """
            {"metadata":{"annotations":{"\(Self.lastAppliedKey)":\(annotation)}},\
            "spec":{"minReadySeconds":null,"replicas":3,\
            "strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"},\
            "template":{"spec":{"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],\
            "containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"$patch":"delete","name":"B"}],"image":"nginx:1.26","name":"web"},\
            {"image":"busybox:1.36","name":"sidecar"}]}}}}
            """)
    }

    /// …and the server applies it without losing what it filled in itself.
    @Test func applyPatchKeepsServerFields() throws {
        let patcher = PatchFixtures.strategic(PatchFixtures.deployment)
        let live = try Self.liveObject()
        let patch = try patcher.createThreeWayMergePatch(
            original: try parseJSON(Self.lastApplied), modified: try Self.modifiedWithAnnotation(), current: live)
        let result = try patcher.apply(patch, to: live)

        #expect(result[path: ["spec", "replicas"]] == 3)
        #expect(result[path: ["spec", "minReadySeconds"]] == nil)
        #expect(result[path: ["spec", "revisionHistoryLimit"]] == 10)
        #expect(result[path: ["spec", "strategy"]] == ["type": "Recreate"])
        #expect(result["status"] == live["status"])
        #expect(result[path: ["metadata", "annotations", "deployment.kubernetes.io/revision"]] == "1")
        #expect(result[path: ["metadata", "annotations", Self.lastAppliedKey]] == .string(Self.newConfig))
        expectJSON(try #require(result[path: ["spec", "template", "spec", "containers"]]), try parseJSON(#"""
            [{"name":"web","image":"nginx:1.26","env":[{"name":"A","value":"1"}],"ports":[{"containerPort":80}],
              "imagePullPolicy":"IfNotPresent","terminationMessagePath":"/dev/termination-log"},
             {"name":"sidecar","image":"busybox:1.36"}]
            """#))
    }

    /// Applying the same configuration again sends only the (unchanged) annotation, so nothing changes.
    @Test func reapplyingIsANoOp() throws {
        let patcher = PatchFixtures.strategic(PatchFixtures.deployment)
        let live = try Self.liveObject()
        let original = try parseJSON(Self.lastApplied)
        var modified = original
        modified.set(path: ["metadata", "annotations"], to: [Self.lastAppliedKey: .string(Self.lastApplied)])
        let patch = try patcher.createThreeWayMergePatch(original: original, modified: modified, current: live)
        #expect(patch == [:])
        #expect(try patcher.apply(patch, to: live) == live)
    }

    /// Switching the strategy when the server, not the user, filled in rollingUpdate: only $retainKeys clears it.
    @Test func applySwitchesStrategyFilledInByTheServer() throws {
        let patcher = PatchFixtures.strategic(PatchFixtures.deployment)
        let original = try parseJSON(#"{"spec":{"strategy":{"type":"RollingUpdate"}}}"#)
        let current = try parseJSON(#"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}}}"#)
        let modified = try parseJSON(#"{"spec":{"strategy":{"type":"Recreate"}}}"#)
        let patch = try patcher.createThreeWayMergePatch(original: original, modified: modified, current: current)
        #expect(JSONSerializer.string(patch) == #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#)
        #expect(try patcher.apply(patch, to: current)[path: ["spec", "strategy"]] == ["type": "Recreate"])
    }

    /// Without --overwrite, a change someone else made since the last apply is a conflict.
    @Test func applyWithoutOverwriteDetectsConflicts() throws {
        let patcher = PatchFixtures.strategic(PatchFixtures.deployment)
        let original = try parseJSON(#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25"}]}}}}"#)
        let current = try parseJSON(#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25-hotfix"}]}}}}"#)
        let modified = try parseJSON(#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}"#)
        let error = #expect(throws: PatchError.self) {
            try patcher.createThreeWayMergePatch(original: original, modified: modified, current: current, overwrite: false)
        }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("conflicts with changes made from original to current") == true)
        let forced = try patcher.createThreeWayMergePatch(original: original, modified: modified, current: current)
        #expect(try patcher.apply(forced, to: current) == modified)

        // A change to another field is not a conflict.
        let replicas = try parseJSON(#"{"spec":{"replicas":4,"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.25"}]}}}}"#)
        _ = try patcher.createThreeWayMergePatch(original: original, modified: modified, current: replicas, overwrite: false)
    }

    /// `kubectl edit` and `kubectl set image` send the two-way patch between the object and the edited copy.
    @Test func editSendsATwoWayPatch() throws {
        let patcher = PatchFixtures.strategic(PatchFixtures.pod)
        let live = try parseJSON(PatchStrategicTests.pod)
        var edited = live
        var containers = try #require(edited[path: ["spec", "containers"]]?.arrayValue)
        containers[1]["image"] = "i2:v2"
        containers[0]["env"] = [["name": "A", "value": "1"]]
        edited.set(path: ["spec", "containers"], to: .array(containers))
        edited.set(path: ["metadata", "labels", "edited"], to: "yes")

        let patch = try patcher.createTwoWayMergePatch(original: live, modified: edited)
        #expect(JSONSerializer.string(patch) == """
            {"metadata":{"labels":{"edited":"yes"}},\
            "spec":{"$setElementOrder/containers":[{"name":"c1"},{"name":"c2"}],\
            "containers":[{"$setElementOrder/env":[{"name":"A"}],"env":[{"$patch":"delete","name":"B"}],"name":"c1"},\
            {"image":"i2:v2","name":"c2"}]}}
            """)
        expectJSON(try patcher.apply(patch, to: live), edited)
    }

    /// `kubectl patch` without --type sends a strategic merge patch; deleting a finalizer and a container at once.
    @Test func patchDeletesAFinalizerAndAContainer() throws {
        let patcher = PatchFixtures.strategic(PatchFixtures.pod)
        let live = try parseJSON(PatchStrategicTests.pod)
        let patch = try parseJSON(#"""
            {"metadata":{"$deleteFromPrimitiveList/finalizers":["a","c"]},
             "spec":{"$setElementOrder/containers":[{"name":"c1"}],"containers":[{"name":"c2","$patch":"delete"}]}}
            """#)
        let result = try patcher.apply(patch, to: live)
        #expect(result[path: ["metadata", "finalizers"]] == ["b"])
        #expect(result[path: ["spec", "containers"]]?.arrayValue?.map { $0["name"] } == ["c1"])
    }

    /// Deleting finalizers from a two-way diff uses the parallel deletion list.
    @Test func removingFinalizersUsesTheDeletionList() throws {
        let patcher = PatchFixtures.strategic(PatchFixtures.pod)
        let live = try parseJSON(PatchStrategicTests.pod)
        var edited = live
        edited.set(path: ["metadata", "finalizers"], to: ["a"])
        let patch = try patcher.createTwoWayMergePatch(original: live, modified: edited)
        #expect(JSONSerializer.string(patch)
                == #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b","c"],"$setElementOrder/finalizers":["a"]}}"#)
        expectJSON(try patcher.apply(patch, to: live), edited)
    }

    /// `kubectl rollout restart` and `kubectl scale` (on the scale subresource) patches.
    @Test func rolloutRestartAndScale() throws {
        let deployment = PatchFixtures.strategic(PatchFixtures.deployment)
        let live = try parseJSON(PatchStrategicTests.deployment)
        let restart = try parseJSON(#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-01-01T00:00:00Z"}}}}}"#)
        let restarted = try deployment.apply(restart, to: live)
        #expect(restarted[path: ["spec", "template", "metadata"]]
                == ["labels": ["app": "web"], "annotations": ["kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z"]])

        let scale = try parseJSON(#"{"metadata":{"name":"d"},"spec":{"replicas":2}}"#)
        let scaled = try PatchFixtures.strategic(PatchFixtures.scale).apply(try parseJSON(#"{"spec":{"replicas":5}}"#), to: scale)
        #expect(scaled[path: ["spec", "replicas"]] == 5)
    }
}
