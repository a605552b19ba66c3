import Testing

@testable import SwiftletAPI

@Suite("JSON merge patch")
struct PatchJSONMergeTests {
    /// RFC 7386 appendix A, except where evanphx/json-patch (kube-apiserver) answers differently: a patch that is
    /// not an object or a list is rejected, and a list patch replacing a document loses nothing.
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func rfc7386Examples(target: String, patch: String, expected: String) throws {
        expectJSON(try JSONMergePatch.apply(try parseJSON(patch), to: try parseJSON(target)), try parseJSON(expected))
    }

    /// Checked against kubectl v1.32 `patch --local --type merge`, which uses the same library as the server.
    @Test(arguments: [
        // Inserted objects lose their null members, also inside inserted lists; null list elements stay.
        (#"{"a":1,"s":"str"}"#, #"{"b":[1,null,{"c":null,"d":2}],"s":[null,{"k":null}]}"#,
         #"{"a":1,"s":[null,{}],"b":[1,null,{"d":2}]}"#),
        // A list replacing an object is taken as it is.
        (#"{"o":{"x":1}}"#, #"{"o":[{"k":null}]}"#, #"{"o":[{"k":null}]}"#),
        // A new nested object is pruned all the way down.
        (#"{"a":1}"#, #"{"a":{"k":null,"j":[{"m":null}]}}"#, #"{"a":{"j":[{}]}}"#),
        // A member that is null in the document is merged into as if it were missing.
        (#"{"n":null}"#, #"{"n":{"x":null,"y":1}}"#, #"{"n":{"y":1}}"#),
        (#"{"o":{"x":null,"y":{"z":1}}}"#, #"{"o":{"x":null,"y":{"z":null,"w":1}},"n":{"q":null}}"#,
         #"{"o":{"y":{"w":1}},"n":{}}"#),
    ])
    func upstreamNullHandling(target: String, patch: String, expected: String) throws {
        expectJSON(try JSONMergePatch.apply(try parseJSON(patch), to: try parseJSON(target)), try parseJSON(expected))
    }

    @Test(arguments: ["null", #""bar""#, "1", "true"])
    func patchesThatAreNotObjectsOrListsAreBadRequests(patch: String) throws {
        let error = #expect(throws: PatchError.self) {
            try JSONMergePatch.apply(try parseJSON(patch), to: ["a": "foo"])
        }
        #expect(error?.message == "Invalid JSON Patch")
        #expect(error?.statusCode == 400)
    }

    @Test func aNullDocumentIsInvalid() {
        let error = #expect(throws: PatchError.self) { try JSONMergePatch.apply(["a": 1], to: .null) }
        #expect(error?.message == "Invalid JSON Document")
    }

    /// kubectl label, annotate and scale send merge patches like these.
    @Test func kubectlLabelAnnotateAndScale() throws {
        let deployment = try parseJSON(#"""
            {"metadata":{"name":"web","labels":{"app":"web"},"annotations":{"a":"1","b":"2"},"resourceVersion":"7"},
             "spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}
            """#)
        let labelled = try JSONMergePatch.apply(try parseJSON(#"{"metadata":{"labels":{"tier":"front"}}}"#), to: deployment)
        #expect(labelled[path: ["metadata", "labels"]] == ["app": "web", "tier": "front"])

        let unannotated = try JSONMergePatch.apply(try parseJSON(#"{"metadata":{"annotations":{"a":null}}}"#), to: labelled)
        #expect(unannotated[path: ["metadata", "annotations"]] == ["b": "2"])

        let scaled = try JSONMergePatch.apply(try parseJSON(#"{"spec":{"replicas":5}}"#), to: unannotated)
        #expect(scaled[path: ["spec", "replicas"]] == 5)
        #expect(scaled[path: ["spec", "template"]] == deployment[path: ["spec", "template"]])
    }

    /// evanphx's CreateMergePatch, as kubectl label and annotate compute their patch.
    @Test(arguments: [
        (#"{"a":1,"b":{"c":2,"d":3}}"#, #"{"a":1,"b":{"c":2,"d":4}}"#, #"{"b":{"d":4}}"#),
        (#"{"a":1,"b":2}"#, #"{"a":1}"#, #"{"b":null}"#),
        (#"{"l":[1,2]}"#, #"{"l":[1,2,3]}"#, #"{"l":[1,2,3]}"#),
        (#"{"l":[1,2]}"#, #"{"l":[1,2]}"#, #"{}"#),
        (#"{"n":1}"#, #"{"n":1.0}"#, #"{}"#),
        (#"{"n":null}"#, #"{"n":null}"#, #"{}"#),
        (#"{"o":{"x":1}}"#, #"{"o":"s"}"#, #"{"o":"s"}"#),
        (#"{"metadata":{"labels":{"app":"web"},"name":"x"}}"#, #"{"metadata":{"labels":{"app":"web","tier":"front"},"name":"x"}}"#,
         #"{"metadata":{"labels":{"tier":"front"}}}"#),
    ])
    func createMergePatch(original: String, modified: String, expected: String) throws {
        let a = try parseJSON(original), b = try parseJSON(modified)
        let patch = try JSONMergePatch.createMergePatch(original: a, modified: b)
        expectJSON(patch, try parseJSON(expected))
        // Numbers compare as Go's float64 here, so 1 and 1.0 are the same.
        #expect(try JSONMergePatch.apply(patch, to: a).isJSONEqual(to: b))
    }

    @Test func createdPatchesHaveSortedKeysAsGoWritesThem() throws {
        let patch = try JSONMergePatch.createMergePatch(original: ["z": 1], modified: ["y": ["b": 1, "a": 2], "x": 3])
        #expect(JSONSerializer.string(patch) == #"{"x":3,"y":{"a":2,"b":1},"z":null}"#)
    }

    @Test func createMergePatchPairsUpListsOfDocuments() throws {
        let patch = try JSONMergePatch.createMergePatch(original: [["a": 1], ["b": 1]], modified: [["a": 2], ["b": 1]])
        #expect(patch == [["a": 2], [:]])
        #expect(throws: PatchError.self) { try JSONMergePatch.createMergePatch(original: [["a": 1]], modified: ["a": 1]) }
        #expect(throws: PatchError.self) { try JSONMergePatch.createMergePatch(original: "a", modified: "b") }
    }
}
