import Testing

@testable import SwiftletAPI

/// Strategic merge patches on real Kubernetes types; every expectation was checked against kubectl v1.32
/// `patch --local`, which runs the same apimachinery code as kube-apiserver.
@Suite("Strategic merge patch")
struct PatchStrategicTests {
    static let pod = #"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"web"},"finalizers":["a","b","c"]},
         "spec":{"containers":[
            {"name":"c1","image":"i1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
             "ports":[{"containerPort":80,"protocol":"TCP"}]},
            {"name":"c2","image":"i2"}],
          "volumes":[{"name":"v","emptyDir":{}}],
          "tolerations":[{"key":"k1","operator":"Exists"}]}}
        """#

    static let deployment = #"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
          "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
          "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c1","image":"i1"}]}}}}
        """#

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var patch: String
        var path: [String]
        var expected: String
    }

    @Test(arguments: [
        Case(testDescription: "$patch: delete removes a container", patch: #"{"spec":{"containers":[{"name":"c2","$patch":"delete"}]}}"#,
             path: ["spec", "containers"],
             expected: #"[{"name":"c1","image":"i1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":80,"protocol":"TCP"}]}]"#),
        Case(testDescription: "env merges by name, new entries after the server's",
             patch: #"{"spec":{"containers":[{"name":"c1","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}]}}"#,
             path: ["spec", "containers", "0", "env"],
             expected: #"[{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}]"#),
        Case(testDescription: "$patch: replace replaces one container's env",
             patch: #"{"spec":{"containers":[{"name":"c1","env":[{"$patch":"replace"},{"name":"Z","value":"9"}]}]}}"#,
             path: ["spec", "containers", "0", "env"], expected: #"[{"name":"Z","value":"9"}]"#),
        Case(testDescription: "$setElementOrder reorders containers",
             patch: #"{"spec":{"$setElementOrder/containers":[{"name":"c2"},{"name":"c1"}],"containers":[{"name":"c1","image":"new"}]}}"#,
             path: ["spec", "containers"],
             expected: #"[{"name":"c2","image":"i2"},{"name":"c1","image":"new","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":80,"protocol":"TCP"}]}]"#),
        Case(testDescription: "$deleteFromPrimitiveList removes a finalizer",
             patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}"#,
             path: ["metadata", "finalizers"], expected: #"["a","c"]"#),
        Case(testDescription: "finalizers merge as a set, patch order first", patch: #"{"metadata":{"finalizers":["d","a"]}}"#,
             path: ["metadata", "finalizers"], expected: #"["d","a","b","c"]"#),
        Case(testDescription: "tolerations have no strategy and are replaced",
             patch: #"{"spec":{"tolerations":[{"key":"k2","operator":"Exists"}]}}"#,
             path: ["spec", "tolerations"], expected: #"[{"key":"k2","operator":"Exists"}]"#),
        Case(testDescription: "$retainKeys switches a volume's source",
             patch: #"{"spec":{"volumes":[{"$retainKeys":["hostPath","name"],"name":"v","hostPath":{"path":"/x"}}]}}"#,
             path: ["spec", "volumes"], expected: #"[{"name":"v","hostPath":{"path":"/x"}}]"#),
        Case(testDescription: "without $retainKeys a volume keeps both sources",
             patch: #"{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}}]}}"#,
             path: ["spec", "volumes"], expected: #"[{"name":"v","emptyDir":{},"hostPath":{"path":"/x"}}]"#),
        Case(testDescription: "a new container goes first and keeps its nulls; new map values lose theirs",
             patch: #"{"spec":{"containers":[{"name":"c3","image":"x","env":[{"name":"Q","value":null}]}],"nodeSelector":{"a":"b","c":null}}}"#,
             path: ["spec"],
             expected: #"""
                 {"containers":[{"name":"c3","image":"x","env":[{"name":"Q","value":null}]},
                   {"name":"c1","image":"i1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"ports":[{"containerPort":80,"protocol":"TCP"}]},
                   {"name":"c2","image":"i2"}],
                  "volumes":[{"name":"v","emptyDir":{}}],"tolerations":[{"key":"k1","operator":"Exists"}],"nodeSelector":{"a":"b"}}
                 """#),
        Case(testDescription: "ports merge by containerPort",
             patch: #"{"spec":{"containers":[{"name":"c1","ports":[{"containerPort":8080}]}]}}"#,
             path: ["spec", "containers", "0", "ports"], expected: #"[{"containerPort":8080},{"containerPort":80,"protocol":"TCP"}]"#),
        Case(testDescription: "null deletes a label", patch: #"{"metadata":{"labels":{"app":null,"tier":"web"}}}"#,
             path: ["metadata", "labels"], expected: #"{"tier":"web"}"#),
        Case(testDescription: "$patch: replace on a map", patch: #"{"metadata":{"labels":{"$patch":"replace","x":"y"}}}"#,
             path: ["metadata", "labels"], expected: #"{"x":"y"}"#),
        Case(testDescription: "$patch: delete on a map", patch: #"{"metadata":{"labels":{"$patch":"delete"}}}"#,
             path: ["metadata", "labels"], expected: #"{}"#),
        Case(testDescription: "a directive inside a value the original lacks is dropped",
             patch: #"{"spec":{"nodeSelector":{"$patch":"replace","a":"b"},"hostAliases":[{"ip":"1.2.3.4","$patch":"delete"}]}}"#,
             path: ["spec", "nodeSelector"], expected: "null"),
    ])
    func podPatches(_ c: Case) throws {
        let result = try PatchFixtures.strategic(PatchFixtures.pod).apply(try parseJSON(c.patch), to: try parseJSON(Self.pod))
        expectJSON(result.testValue(at: c.path) ?? .null, try parseJSON(c.expected))
    }

    /// `$setElementOrder` combined with deletions, additions and `$patch: replace`, where upstream's in-place
    /// slice edits decide where server-only elements end up.
    @Test(arguments: [
        (#"{"metadata":{"$setElementOrder/finalizers":["c","x","a"],"finalizers":["x"]}}"#, #"["b","c","x","a"]"#, "[1,2,3,4,6]"),
        (#"{"metadata":{"$setElementOrder/finalizers":["c","a"],"finalizers":[]}}"#, #"["b","c","a"]"#, "[1,2,3,4,6]"),
        (#"{"spec":{"$setElementOrder/containers":[{"name":"4"},{"name":"5"}],"containers":[{"name":"5"},{"name":"1","$patch":"delete"},{"name":"2","$patch":"delete"}]}}"#,
         #"["a","b","c"]"#, "[3,4,6,5]"),
        (#"{"spec":{"$setElementOrder/containers":[{"name":"6"},{"name":"5"},{"name":"7"},{"name":"8"},{"name":"1"}],"containers":[{"name":"5"},{"name":"7"},{"name":"8"},{"name":"3","$patch":"delete"}]}}"#,
         #"["a","b","c"]"#, "[2,4,6,5,7,8,1]"),
        (#"{"spec":{"$setElementOrder/containers":[{"name":"3"},{"name":"1"}],"containers":[{"name":"4","$patch":"delete"},{"name":"9","$patch":"replace"}]}}"#,
         #"["a","b","c"]"#, "[]"),
        (#"{"spec":{"$setElementOrder/containers":[{"name":"5"},{"name":"1"}],"containers":[{"name":"5"},{"name":"2","$patch":"delete"},{"$patch":"replace"}]}}"#,
         #"["a","b","c"]"#, "[5]"),
    ])
    func setElementOrderCornerCases(patch: String, finalizers: String, containerNames: String) throws {
        let pod = try parseJSON(#"""
            {"metadata":{"name":"p","finalizers":["a","b","c"]},
             "spec":{"containers":[{"name":"1"},{"name":"2","image":"b"},{"name":"3","image":"c"},{"name":"4","image":"d"},{"name":"6"}]}}
            """#)
        let result = try PatchFixtures.strategic(PatchFixtures.pod).apply(try parseJSON(patch), to: pod)
        #expect(result[path: ["metadata", "finalizers"]] == (try parseJSON(finalizers)))
        let names = result[path: ["spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue.flatMap { Int64($0) } }
        #expect(names.map { JSONValue.array($0.map(JSONValue.int)) } == (try parseJSON(containerNames)))
    }

    @Test(arguments: [
        // kubectl apply switching RollingUpdate → Recreate sends $retainKeys, so the server clears rollingUpdate.
        #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}"#,
        #"{"spec":{"strategy":{"type":"Recreate","rollingUpdate":null}}}"#,
    ])
    func deploymentStrategySwitch(patch: String) throws {
        let result = try PatchFixtures.strategic(PatchFixtures.deployment).apply(try parseJSON(patch), to: try parseJSON(Self.deployment))
        #expect(result[path: ["spec", "strategy"]] == ["type": "Recreate"])
        #expect(result[path: ["spec", "replicas"]] == 2)
    }

    @Test func retainKeysRejectsAPatchSettingOtherKeys() throws {
        let patch = #"{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":{"maxSurge":1}}}}"#
        let error = #expect(throws: PatchError.self) {
            try PatchFixtures.strategic(PatchFixtures.deployment).apply(try parseJSON(patch), to: try parseJSON(Self.deployment))
        }
        #expect(error?.message == "invalid patch format of retainKeys")
        #expect(error?.statusCode == 400)
        #expect(error?.path == "spec.strategy")
    }

    @Test(arguments: [
        (#"{"spec":{"containers":[{"image":"x"}]}}"#, "map: map[image:x] does not contain declared merge key: name", 500, "spec.containers"),
        (#"{"spec":{"containers":[{"$patch":"delete"}]}}"#, "map: map[$patch:delete] does not contain declared merge key: name",
         500, "spec.containers"),
        (#"{"spec":{"containers":[{"name":"c1","$patch":"foo"}]}}"#, "unknown patch type: foo in map: map[$patch:foo name:c1]",
         500, "spec.containers"),
        (#"{"spec":{"$patch":"foo"}}"#, "unknown patch type: foo in map: map[$patch:foo]", 500, "spec"),
        (#"{"spec":{"containers":[{"name":"c1","$patch":"merge"}]}}"#, "merging lists cannot yet be specified in the patch",
         500, "spec.containers"),
        (#"{"spec":{"$setElementOrder/containers":[{"name":"c1"}],"containers":[{"name":"c3","image":"x"}]}}"#,
         "The order in patch list:\n[map[image:x name:c3]]\n doesn't match $setElementOrder list:\n[map[name:c1]]\n", 500,
         "spec.containers"),
        (#"{"spec":{"$setElementOrder/containers":{"name":"c1"}}}"#,
         "expected a []interface {}, but received a map[string]interface {}", 500, "spec"),
        (#"{"spec":{"$retainKeys":"x"}}"#, "invalid patch format of retainKeys", 400, "spec"),
        (#"{"metadata":{"$deleteFromPrimitiveListX/finalizers":["b"]}}"#, "invalid patch format of primitive list", 400, "metadata"),
        (#"{"spec":{"containers":[{"name":"c1","env":[{"value":"x"}]}]}}"#,
         "map: map[value:x] does not contain declared merge key: name", 500, "spec.containers[name=c1].env"),
        (#"{"metadata":{"finalizers":[["x"]]}}"#, "list element types are not identical: [[a b c] [[x]]]", 500,
         "metadata.finalizers"),
    ])
    func errorsAreWordedAsUpstream(patch: String, message: String, code: Int, path: String) throws {
        let error = #expect(throws: PatchError.self) {
            try PatchFixtures.strategic(PatchFixtures.pod).apply(try parseJSON(patch), to: try parseJSON(Self.pod))
        }
        #expect(error?.message == message)
        #expect(error?.statusCode == code)
        #expect(error?.path == path)
    }

    @Test func listsOfListsAreUnprocessable() throws {
        let error = #expect(throws: PatchError.self) {
            try PatchFixtures.strategic(PatchFixtures.pod).apply(try parseJSON(#"{"spec":{"containers":[["x"]]}}"#),
                                                                  to: try parseJSON(#"{"spec":{"containers":[]}}"#))
        }
        #expect(error?.message == "lists of lists are not supported")
        #expect(error?.statusCode == 422)
    }

    @Test func aPatchThatIsNotAnObjectIsABadRequest() throws {
        let error = #expect(throws: PatchError.self) {
            try PatchFixtures.strategic(PatchFixtures.pod).apply([], to: try parseJSON(Self.pod))
        }
        #expect(error?.message == "json: cannot unmarshal array into Go value of type map[string]interface {}")
        #expect(error?.statusCode == 400)
    }

    @Test func aNullPatchChangesNothing() throws {
        let pod = try parseJSON(Self.pod)
        #expect(try PatchFixtures.strategic(PatchFixtures.pod).apply(.null, to: pod) == pod)
    }

    /// Fields without a schema merge like JSON merge patch: maps merge, lists replace, null deletes.
    @Test func unknownFieldsFallBackToMergeSemantics() throws {
        let original = try parseJSON(#"{"spec":{"x-custom":{"keep":1,"change":1,"drop":1},"x-list":[1,2],"containers":[]}}"#)
        let patch = try parseJSON(#"{"spec":{"x-custom":{"change":2,"drop":null,"add":{"n":null,"m":1}},"x-list":[3]}}"#)
        let result = try PatchFixtures.strategic(PatchFixtures.pod).apply(patch, to: original)
        expectJSON(result, try parseJSON(#"{"spec":{"x-custom":{"keep":1,"change":2,"add":{"m":1}},"x-list":[3],"containers":[]}}"#))
    }

    /// Upstream's TestUnknownField: a changed unknown field, which upstream refuses to diff, is diffed as merge patch.
    @Test func twoWayPatchOfUnknownFields() throws {
        let original = try parseJSON(#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#)
        let modified = try parseJSON(#"{"array":[1,2,3],"complex":{"nested":false},"name":"foo","scalar":true}"#)
        let patch = try PatchFixtures.mergeItemPatch.createTwoWayMergePatch(original: original, modified: modified)
        #expect(JSONSerializer.string(patch) == #"{"complex":{"nested":false}}"#)
        let removed = try PatchFixtures.mergeItemPatch.createTwoWayMergePatch(
            original: try parseJSON(#"{"name":"foo","scalar":true,"complex":{"nested":true}}"#), modified: try parseJSON(#"{"name":"foo"}"#))
        #expect(JSONSerializer.string(removed) == #"{"complex":null,"scalar":null}"#)
    }

    /// Upstream's TestNumberConversion: integers keep every digit through a diff and a patch.
    @Test(arguments: [
        #"{"int32":2147483647}"#, #"{"int64":9223372036854775807}"#,
        #"{"float32":3.4028234663852886e+38}"#, #"{"float64":1.7976931348623157e+308}"#,
    ])
    func numbersSurviveDiffAndPatch(old: String) throws {
        let original = try parseJSON(old)
        var modified = original
        modified["name"] = "newname"
        let patch = try PatchFixtures.mergeItemPatch.createTwoWayMergePatch(original: original, modified: modified)
        #expect(JSONSerializer.string(patch) == #"{"name":"newname"}"#)
        #expect(try PatchFixtures.mergeItemPatch.apply(patch, to: original) == modified)
    }

    @Test func statusConditionsMergeByType() throws {
        let pod = try parseJSON(#"{"status":{"phase":"Pending","conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}}"#)
        let patch = try parseJSON(#"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#)
        let result = try PatchFixtures.strategic(PatchFixtures.pod).apply(patch, to: pod)
        expectJSON(result, try parseJSON(#"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"},{"type":"Initialized","status":"True"}]}}"#))
    }

    @Test func ownerReferencesMergeByUID() throws {
        let pod = try parseJSON(#"{"metadata":{"ownerReferences":[{"uid":"1","name":"rs-a","kind":"ReplicaSet"}]}}"#)
        let patch = try parseJSON(#"{"metadata":{"ownerReferences":[{"uid":"1","controller":true},{"uid":"2","name":"rs-b"}]}}"#)
        let result = try PatchFixtures.strategic(PatchFixtures.pod).apply(patch, to: pod)
        expectJSON(result, try parseJSON(#"{"metadata":{"ownerReferences":[{"uid":"1","name":"rs-a","kind":"ReplicaSet","controller":true},{"uid":"2","name":"rs-b"}]}}"#))
    }
}
