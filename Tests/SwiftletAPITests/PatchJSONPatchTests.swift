import Testing

@testable import SwiftletAPI

@Suite("JSON patch")
struct PatchJSONPatchTests {
    /// RFC 6902 appendix A (the examples that succeed).
    @Test(arguments: [
        (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#, #"{"baz":"qux","foo":"bar"}"#),
        (#"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#, #"{"foo":["bar","qux","baz"]}"#),
        (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#, #"{"foo":"bar"}"#),
        (#"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#, #"{"foo":["bar","baz"]}"#),
        (#"{"baz":"qux","foo":"bar"}"#, #"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"boo","foo":"bar"}"#),
        (#"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
         #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
         #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#),
        (#"{"foo":["all","grass","cows","eat"]}"#, #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#,
         #"{"foo":["all","cows","eat","grass"]}"#),
        (#"{"baz":"qux","foo":["a",2,"c"]}"#,
         #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
         #"{"baz":"qux","foo":["a",2,"c"]}"#),
        (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#,
         #"{"foo":"bar","child":{"grandchild":{}}}"#),
        (#"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, #"{"foo":"bar","baz":"qux"}"#),
        (#"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#, #"{"foo":["bar",["abc","def"]]}"#),
        (#"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#, #"{"/":9,"~1":10}"#),
        (#"{"foo":"bar"}"#, #"[{"op":"copy","from":"/foo","path":"/baz"}]"#, #"{"foo":"bar","baz":"bar"}"#),
    ])
    func rfc6902Examples(document: String, patch: String, expected: String) throws {
        let result = try JSONPatch(document: try parseJSON(patch)).apply(to: try parseJSON(document))
        expectJSON(result, try parseJSON(expected))
    }

    static let configMap = #"""
        {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","labels":{"a":"b"},"finalizers":["x","y","z"]},
         "data":{"k":"v","a/b":"s","t~x":"u"}}
        """#

    /// Failures worded as kube-apiserver v1.32 words them, each checked against kubectl v1.32
    /// `patch --local --type json` on `configMap`.
    @Test(arguments: [
        (#"[{"op":"test","path":"/spec/foo","value":1}]"#,
         "test operation does not apply: is missing path: /spec/foo: missing value"),
        (#"[{"op":"test","path":"/metadata/labels/a","value":"c"}]"#, "testing value /metadata/labels/a failed: test failed"),
        (#"[{"op":"test","path":"/metadata/labels/zz","value":"c"}]"#, "testing value /metadata/labels/zz failed: test failed"),
        (#"[{"op":"test","path":"/metadata/finalizers/9","value":"c"}]"#,
         "error in test for path: '/metadata/finalizers/9': Unable to access invalid index: 9: invalid index referenced"),
        (#"[{"op":"add","path":"/data/nope/x","value":"1"}]"#,
         #"add operation does not apply: doc is missing path: "/data/nope/x": missing value"#),
        (#"[{"op":"add","path":"","value":{}}]"#, #"add operation does not apply: doc is missing path: "": missing value"#),
        (#"[{"op":"add","path":"/metadata/finalizers/7","value":"z"}]"#,
         "error in add for path: '/metadata/finalizers/7': Unable to access invalid index: 7: invalid index referenced"),
        (#"[{"op":"add","path":"/metadata/finalizers/x","value":"z"}]"#,
         #"error in add for path: '/metadata/finalizers/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax"#),
        (#"[{"op":"remove","path":"/data/nope"}]"#,
         "error in remove for path: '/data/nope': Unable to remove nonexistent key: nope: missing value"),
        (#"[{"op":"remove","path":"/data/nope/x"}]"#,
         #"remove operation does not apply: doc is missing path: "/data/nope/x": missing value"#),
        (#"[{"op":"remove","path":"/metadata/finalizers/3"}]"#,
         "error in remove for path: '/metadata/finalizers/3': Unable to access invalid index: 3: invalid index referenced"),
        (#"[{"op":"remove","path":"/metadata/finalizers/-"}]"#,
         #"error in remove for path: '/metadata/finalizers/-': strconv.Atoi: parsing "-": invalid syntax"#),
        (#"[{"op":"replace","path":"/data/nope/x","value":"z"}]"#,
         "replace operation does not apply: doc is missing path: /data/nope/x: missing value"),
        (#"[{"op":"replace","path":"/metadata/finalizers/7","value":"z"}]"#,
         "replace operation does not apply: doc is missing key: /metadata/finalizers/7: missing value"),
        (#"[{"op":"move","from":"/data/nope","path":"/data/x"}]"#,
         "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value"),
        (#"[{"op":"move","from":"/data/k","path":"/nope/x"}]"#,
         "move operation does not apply: doc is missing destination path: /nope/x: missing value"),
        (#"[{"op":"copy","from":"/nope/x","path":"/data/x"}]"#,
         "copy operation does not apply: doc is missing from path: /nope/x: missing value"),
        (#"[{"op":"frob","path":"/data/x"}]"#, "Unexpected kind: frob"),
        (#"[{"path":"/data/x"}]"#, "Unexpected kind: unknown"),
        (#"[{"op":"add","value":"1"}]"#, "add operation failed to decode path: missing value"),
        (#"[{"op":"replace","value":"1"}]"#, "replace operation failed to decode path: operation missing path field: missing value"),
        (#"[{"op":"replace","path":5,"value":"1"}]"#,
         "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string"),
        (#"[{"op":"move","path":"/data/x"}]"#, "move operation failed to decode from: operation, missing from field: missing value"),
        (#"[{"op":"add","path":"/data/n","value":"1"},{"op":"test","path":"/data/n","value":"2"}]"#,
         "testing value /data/n failed: test failed"),
    ])
    func failuresAreWordedAsUpstream(patch: String, message: String) throws {
        let patch = try JSONPatch(document: try parseJSON(patch))
        let document = try parseJSON(Self.configMap)
        let error = #expect(throws: PatchError.self) { try patch.apply(to: document) }
        #expect(error?.message == message)
        #expect(error?.statusCode == 422)
        #expect(error?.statusMessage == "the server rejected our request due to an error in our request")
    }

    /// Upstream quirks, each checked against kubectl v1.32.
    @Test(arguments: [
        // Negative indices count from the end; -1 on add appends.
        (#"[{"op":"add","path":"/metadata/finalizers/-1","value":"w"}]"#, ["metadata", "finalizers"], #"["x","y","z","w"]"#),
        (#"[{"op":"remove","path":"/metadata/finalizers/-1"}]"#, ["metadata", "finalizers"], #"["x","y"]"#),
        (#"[{"op":"replace","path":"/metadata/finalizers/-3","value":"w"}]"#, ["metadata", "finalizers"], #"["w","y","z"]"#),
        // Replacing a missing object member adds it; copying a missing member copies null.
        (#"[{"op":"replace","path":"/data/nope","value":"z"}]"#, ["data", "nope"], #""z""#),
        (#"[{"op":"copy","from":"/data/nope","path":"/data/x"}]"#, ["data", "x"], "null"),
        // Escaped keys.
        (#"[{"op":"test","path":"/data/a~1b","value":"s"},{"op":"test","path":"/data/t~0x","value":"u"},{"op":"remove","path":"/data/a~1b"}]"#,
         ["data"], #"{"k":"v","t~x":"u"}"#),
        // A missing member tests equal to null.
        (#"[{"op":"test","path":"/data/nope","value":null}]"#, ["data", "k"], #""v""#),
        // Replacing the whole document needs an object or a list; anything else is ignored.
        (#"[{"op":"replace","path":"","value":{"data":{"k":"w"}}}]"#, ["data"], #"{"k":"w"}"#),
        (#"[{"op":"replace","path":"","value":"scalar"}]"#, ["data", "k"], #""v""#),
        // Move into a nested object, and add into a list by index.
        (#"[{"op":"move","from":"/data/k","path":"/metadata/labels/k"}]"#, ["metadata", "labels"], #"{"a":"b","k":"v"}"#),
        (#"[{"op":"add","path":"/metadata/finalizers/0","value":"w"}]"#, ["metadata", "finalizers"], #"["w","x","y","z"]"#),
        (#"[{"op":"add","path":"/metadata/finalizers/3","value":"w"}]"#, ["metadata", "finalizers"], #"["x","y","z","w"]"#),
    ])
    func upstreamQuirks(patch: String, path: [String], expected: String) throws {
        let result = try JSONPatch(document: try parseJSON(patch)).apply(to: try parseJSON(Self.configMap))
        expectJSON(try #require(result[path: path]), try parseJSON(expected))
    }

    @Test func aFailedPatchLeavesNoPartialChanges() throws {
        let document = try parseJSON(Self.configMap)
        let patch = try JSONPatch(document: try parseJSON(#"[{"op":"add","path":"/data/n","value":"1"},{"op":"remove","path":"/x"}]"#))
        #expect(throws: PatchError.self) { try patch.apply(to: document) }
        #expect(document[path: ["data", "n"]] == nil)
    }

    @Test(arguments: [
        (#"{"op":"add"}"#, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (#""add""#, "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
        (#"["x"]"#, "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
        (#"[1]"#, "json: cannot unmarshal number into Go value of type jsonpatch.Operation"),
    ])
    func documentsThatAreNotListsOfOperationsAreBadRequests(document: String, message: String) throws {
        let error = #expect(throws: PatchError.self) { try JSONPatch(document: try parseJSON(document)) }
        #expect(error?.message == message)
        #expect(error?.statusCode == 400)
    }

    @Test func nullIsAnEmptyPatch() throws {
        let document = try parseJSON(Self.configMap)
        #expect(try JSONPatch(document: .null).apply(to: document) == document)
    }

    @Test func parsingABody() throws {
        let patch = try JSONPatch(parsing: Array(#"[{"op":"remove","path":"/data/k"}]"#.utf8))
        #expect(patch.operations == [.remove("/data/k")])
        let error = #expect(throws: PatchError.self) { try JSONPatch(parsing: Array("[{".utf8)) }
        #expect(error?.statusCode == 400)
    }

    @Test func tooManyOperationsIsRequestEntityTooLarge() {
        let document = JSONValue.array(Array(repeating: ["op": "test", "path": "/a", "value": 1], count: 10_001))
        let error = #expect(throws: PatchError.self) { try JSONPatch(document: document) }
        #expect(error?.statusCode == 413)
        #expect(error?.statusMessage
                == "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001")
    }

    @Test func operationsBuiltInCode() throws {
        let patch = JSONPatch(operations: [
            .test("/metadata/name", "c"), .add("/metadata/labels/tier", "front"), .copy(from: "/data/k", to: "/data/k2"),
            .move(from: "/data/k2", to: "/data/k3"), .replace("/data/k", "w"),
        ])
        let result = try patch.apply(to: try parseJSON(Self.configMap))
        #expect(result[path: ["metadata", "labels", "tier"]] == "front")
        #expect(result[path: ["data", "k"]] == "w")
        #expect(result[path: ["data", "k3"]] == "v")
        #expect(result[path: ["data", "k2"]] == nil)
    }

    @Test func errorsCarryThePathThatFailed() throws {
        let patch = try JSONPatch(document: try parseJSON(#"[{"op":"remove","path":"/data/nope"}]"#))
        let error = #expect(throws: PatchError.self) { try patch.apply(to: try parseJSON(Self.configMap)) }
        #expect(error?.path == "/data/nope")
    }
}
