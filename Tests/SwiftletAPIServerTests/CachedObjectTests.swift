import Testing
@testable import SwiftletAPI
@testable import SwiftletAPIServer

@Suite struct CachedObjectTests {
    @Test(arguments: [
        #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"k":"v"}}"#,
        #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}"#,
        #"{"spec":{"template":{"metadata":{"labels":{"a":"b"}}}},"metadata":{"name":"x"}}"#,
        #"{"data":{"note":"\"metadata\":{"},"metadata":{"name":"tricky"}}"#,
    ])
    func splicedBytesEqualAFullSerialization(json: String) throws {
        let value = try JSONParser.parse(json)
        let stored = Array(json.utf8)
        let spliced = try #require(CachedObject.splicingResourceVersion(42, into: stored))
        let reparsed = try JSONParser.parse(spliced)
        var expected = value
        expected.set(path: ["metadata", "resourceVersion"], to: "42")
        #expect(reparsed["metadata"]?["resourceVersion"] == "42")
        #expect(reparsed["spec"] == expected["spec"])
        #expect(reparsed["data"] == expected["data"])
        #expect(Set(reparsed["metadata"]?.objectValue?.keys ?? []) == Set(expected["metadata"]?.objectValue?.keys ?? []))
    }

    @Test func withoutTopLevelMetadataTheBytesAreSerializedAgain() {
        #expect(CachedObject.splicingResourceVersion(1, into: Array(#"{"spec":{"metadata":{}}}"#.utf8)) == nil)
        let object = CachedObject(key: "/registry/x/y", object: ["kind": "X"], revision: 7, storedBytes: Array(#"{"kind":"X"}"#.utf8))
        #expect(object.object["metadata"]?["resourceVersion"] == "7")
        #expect((try? JSONParser.parse(object.bytes))?["metadata"]?["resourceVersion"] == "7")
    }
}
