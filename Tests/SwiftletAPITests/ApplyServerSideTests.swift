import Foundation
import Testing

@testable import SwiftletAPI

@Suite("Server-side apply")
struct ApplyServerSideTests {
    typealias F = ApplyFixtures
    let kind = ApplyFixtures.deploymentKind

    func apply(
        _ live: JSONValue?, _ config: JSONValue, _ manager: String, force: Bool = false, kind: GroupVersionKind = F.deploymentKind,
        now: Time = F.t1
    ) throws(ApplyError) -> JSONValue {
        try ServerSideApply.apply(live: live, config: config, manager: manager, force: force, kind: kind, now: now)
    }

    /// A configuration holding only metadata, as a second applier that manages labels or finalizers sends it.
    func metadataOnly(_ metadata: JSONObject) -> JSONValue {
        var meta: JSONObject = ["name": "nginx", "namespace": "default"]
        meta.merge(metadata) { $1 }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": .object(meta)]
    }

    func failure(_ body: () throws(ApplyError) -> JSONValue) -> ApplyError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func applyCreatesTheObjectWithAnApplyEntry() throws {
        let result = try apply(nil, F.deployment(replicas: 2), "kubectl")
        var object = result
        object.removeManagedFields()
        #expect(object == F.deployment(replicas: 2))
        let entries = try #require(result[path: ["metadata", "managedFields"]])
        #expect(JSONSerializer.string(entries) == #"[{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2023-11-14T22:13:20Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}}]"#)

        // Applying the same configuration again changes nothing, not even the time.
        #expect(try apply(result, F.deployment(replicas: 2), "kubectl", now: F.t2) == result)
    }

    @Test func reapplyingWithoutAFieldRemovesItUnlessAnotherManagerOwnsIt() throws {
        let both: JSONValue = ["app": "nginx", "tier": "web"]
        let a = try apply(nil, F.deployment(labels: both), "kubectl")
        let b = try apply(a, F.deployment(), "kubectl", now: F.t2)
        #expect(b[path: ["metadata", "labels"]] == ["app": "nginx"])
        #expect(F.entry(b, "kubectl")?["time"] == "2023-11-14T22:15:00Z")
        #expect(try #require(F.fieldsV1(b, "kubectl")).contains("f:tier") == false)

        // A second applier that set the same value keeps it alive, until it drops it too.
        let c = try apply(a, metadataOnly(["labels": ["tier": "web"]]), "labeller")
        let d = try apply(c, F.deployment(), "kubectl", now: F.t2)
        #expect(d[path: ["metadata", "labels"]] == both)
        #expect(F.fieldsV1(d, "labeller") == #"{"f:metadata":{"f:labels":{"f:tier":{}}}}"#)
        let e = try apply(d, metadataOnly([:]), "labeller", now: F.t3)
        #expect(e[path: ["metadata", "labels"]] == ["app": "nginx"])
        #expect(F.managers(e) == ["kubectl/Apply"])
    }

    @Test func aConflictNamesTheManagerAndFieldExactlyAsUpstream() throws {
        let live = FieldManager.update(old: nil, new: F.deployment(replicas: 1), manager: "kubectl-client-side-apply", kind: kind, now: F.t1)

        let one = try #require(failure { () throws(ApplyError) in try apply(live, F.deployment(replicas: 3), "kubectl") })
        #expect(one.message == #"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#)
        #expect(one.code == 409)
        #expect(JSONSerializer.string(one.status) == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"kubectl-client-side-apply\" using apps/v1","field":".spec.replicas"}]},"code":409}"#)

        let two = try #require(failure { () throws(ApplyError) in try apply(live, F.deployment(replicas: 3, image: "nginx:1.28"), "kubectl") })
        #expect(two.message == """
            Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:
            - .spec.replicas
            - .spec.template.spec.containers[name="nginx"].image
            """)

        // Several managers: grouped, in upstream's manager order.
        var scaled = live
        scaled.set(path: ["spec", "replicas"], to: 2)
        let shared = FieldManager.update(old: live, new: scaled, manager: "scaler", kind: kind, now: F.t2)
        let grouped = try #require(failure { () throws(ApplyError) in try apply(shared, F.deployment(replicas: 3, image: "nginx:1.28"), "m") })
        #expect(grouped.message == """
            Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:
            - .spec.template.spec.containers[name="nginx"].image
            conflicts with "scaler" using apps/v1:
            - .spec.replicas
            """)

        // Another applier is named without a version.
        let applied = try apply(nil, F.deployment(replicas: 2), "a")
        let withApplier = try #require(failure { () throws(ApplyError) in try apply(applied, F.deployment(replicas: 3), "b") })
        #expect(withApplier.message == #"Apply failed with 1 conflict: conflict with "a": .spec.replicas"#)
        #expect(ManagerIdentity(manager: "m", operation: .update, apiVersion: "v1", subresource: "status").description
            == #""m" with subresource "status" using v1"#)
    }

    @Test func forceTakesTheConflictingFields() throws {
        let live = FieldManager.update(old: nil, new: F.deployment(replicas: 1), manager: "kubectl-client-side-apply", kind: kind, now: F.t1)
        let result = try apply(live, F.deployment(replicas: 3), "kubectl", force: true, now: F.t2)
        #expect(result[path: ["spec", "replicas"]] == 3)
        #expect(F.managers(result) == ["kubectl/Apply", "kubectl-client-side-apply/Update"])
        #expect(try #require(F.fieldsV1(result, "kubectl-client-side-apply")).contains("f:replicas") == false)
        #expect(try #require(F.fieldsV1(result, "kubectl")).contains("f:replicas"))
        // Now the former owner is the one that conflicts.
        var rescaled = result
        rescaled.set(path: ["spec", "replicas"], to: 5)
        let updated = FieldManager.update(old: result, new: rescaled, manager: "kubectl-client-side-apply", kind: kind, now: F.t3)
        #expect(try #require(F.fieldsV1(updated, "kubectl")).contains("f:replicas") == false)
    }

    @Test func containersMergeByNameInTheConfigurationsOrder() throws {
        let a = try apply(nil, F.deployment(), "a")
        let sidecar: JSONValue = ["name": "sidecar", "image": "busybox:1.36"]
        let withSidecar = try apply(a, ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "nginx", "namespace": "default"],
                                         "spec": ["template": ["spec": ["containers": [sidecar]]]]], "b")
        func names(_ object: JSONValue) -> [String] {
            object[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        }
        #expect(names(withSidecar) == ["nginx", "sidecar"])
        #expect(F.fieldsV1(withSidecar, "b") == #"{"f:spec":{"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"sidecar\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#)

        // The first applier changes its own container; the other one stays.
        let upgraded = try apply(withSidecar, F.deployment(image: "nginx:1.28"), "a", now: F.t2)
        #expect(upgraded[path: ["spec", "template", "spec", "containers"]] == [["name": "nginx", "image": "nginx:1.28"], sidecar])

        // Taking over nginx's image conflicts on that one field, and the configuration's order wins.
        let takeover: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "nginx", "namespace": "default"],
                                   "spec": ["template": ["spec": ["containers": [sidecar, ["name": "nginx", "image": "nginx:1.29"]]]]]]
        let conflict = try #require(failure { () throws(ApplyError) in try apply(upgraded, takeover, "b") })
        #expect(conflict.message == #"Apply failed with 1 conflict: conflict with "a": .spec.template.spec.containers[name="nginx"].image"#)
        let forced = try apply(upgraded, takeover, "b", force: true, now: F.t3)
        #expect(names(forced) == ["sidecar", "nginx"])
        #expect(try #require(F.fieldsV1(forced, "a")).contains("f:image") == false)

        // An applier dropping its container removes it, but not one another applier still lists.
        let dropped = try apply(forced, F.deployment(image: "nginx:1.29").replacing(["spec", "template", "spec", "containers"], with: [sidecar]), "a", now: F.t3)
        #expect(names(dropped) == ["sidecar", "nginx"])
    }

    @Test func finalizersMergeAsASet() throws {
        let a = try apply(nil, metadataOnly(["finalizers": ["example.com/x"]]), "a")
        let b = try apply(a, metadataOnly(["finalizers": ["example.com/y"]]), "b")
        #expect(b[path: ["metadata", "finalizers"]] == ["example.com/x", "example.com/y"])
        #expect(F.fieldsV1(b, "b") == #"{"f:metadata":{"f:finalizers":{"v:\"example.com/y\"":{}}}}"#)
        let c = try apply(b, metadataOnly([:]), "a", now: F.t2)
        #expect(c[path: ["metadata", "finalizers"]] == ["example.com/y"])
        #expect(F.managers(c) == ["b/Apply"])
    }

    @Test func tolerationsAreAtomicAndReplacedWhole() throws {
        func pod(_ spec: JSONObject) -> JSONValue {
            ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "default"], "spec": .object(spec)]
        }
        let t: (String) -> JSONValue = { ["key": .string($0), "operator": "Exists"] }
        let a = try apply(nil, pod(["containers": [["name": "c", "image": "busybox"]], "tolerations": [t("a"), t("b")]]), "a", kind: F.podKind)
        #expect(F.fieldsV1(a, "a")?.contains(#""f:tolerations":{}"#) == true)
        let config = pod(["tolerations": [t("c")]])
        let conflict = try #require(failure { () throws(ApplyError) in try apply(a, config, "b", kind: F.podKind) })
        #expect(conflict.message == #"Apply failed with 1 conflict: conflict with "a": .spec.tolerations"#)
        let b = try apply(a, config, "b", force: true, kind: F.podKind)
        #expect(b[path: ["spec", "tolerations"]] == [t("c")])
        #expect(F.fieldsV1(b, "b") == #"{"f:spec":{"f:tolerations":{}}}"#)
        #expect(F.fieldsV1(b, "a")?.contains("f:tolerations") == false)
    }

    @Test func invalidConfigurationsAreRefusedAsUpstream() {
        var otherKind = F.deployment()
        otherKind["kind"] = "ReplicaSet"
        #expect(failure { () throws(ApplyError) in try apply(nil, otherKind, "m") } == .badRequest("invalid object type: apps/v1, Kind=ReplicaSet"))

        var withFields = F.deployment()
        withFields.set(path: ["metadata", "managedFields"], to: [])
        #expect(failure { () throws(ApplyError) in try apply(nil, withFields, "m") } == .badRequest("metadata.managedFields must be nil"))

        let unnamed = F.deployment().replacing(["spec", "template", "spec", "containers"], with: [["image": "nginx"]])
        #expect(failure { () throws(ApplyError) in try apply(nil, unnamed, "m") } == .internalError(
            #"failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn't have default value)"#))

        let twice = F.deployment().replacing(["spec", "template", "spec", "containers"], with: [["name": "a"], ["name": "a"]])
        #expect(failure { () throws(ApplyError) in try apply(nil, twice, "m") } == .internalError(
            #"failed to create typed patch object (default/nginx; apps/v1, Kind=Deployment): .spec.template.spec.containers: duplicate entries for key [name="a"]"#))
    }

    @Test func kubectlTakesOverFromClientSideApplyThroughItsAnnotation() throws {
        let annotation = "kubectl.kubernetes.io/last-applied-configuration"
        var created = F.deployment(replicas: 1)
        created.set(path: ["metadata", "annotations", annotation], to: .string(JSONSerializer.string(F.deployment(replicas: 1).sortingKeys) + "\n"))
        let live = FieldManager.update(old: nil, new: created, manager: "kubectl-client-side-apply", kind: kind, now: F.t1)

        // The annotation says kubectl set replicas, so the conflict is no conflict for kubectl…
        let result = try apply(live, F.deployment(replicas: 3), "kubectl", now: F.t2)
        #expect(result[path: ["spec", "replicas"]] == 3)
        #expect(result[path: ["metadata", "annotations", annotation]]
            == .string(JSONSerializer.string(F.deployment(replicas: 3).sortingKeys) + "\n"))
        // …but it still is for any other manager.
        #expect(failure { () throws(ApplyError) in try apply(live, F.deployment(replicas: 3), "other") } != nil)
    }
}

extension JSONValue {
    /// A copy with the value at `path` replaced, for building test configurations.
    func replacing(_ path: [String], with value: JSONValue) -> JSONValue {
        var copy = self
        copy.set(path: path, to: value)
        return copy
    }
}
