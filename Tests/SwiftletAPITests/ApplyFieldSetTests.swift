import Foundation
import Testing

@testable import SwiftletAPI

/// Objects and helpers shared by the server-side apply tests.
enum ApplyFixtures {
    static let deploymentKind = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
    static let podKind = GroupVersionKind(group: "", version: "v1", kind: "Pod")
    static let t1 = Time(Date(timeIntervalSince1970: 1_700_000_000))
    static let t2 = Time(Date(timeIntervalSince1970: 1_700_000_100))
    static let t3 = Time(Date(timeIntervalSince1970: 1_700_000_200))

    /// A Deployment as `kubectl create deployment nginx --image=…` would send it.
    static func deployment(replicas: Int64 = 1, image: String = "nginx:1.27", labels: JSONValue = ["app": "nginx"]) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "nginx", "namespace": "default", "labels": labels],
            "spec": [
                "replicas": .int(replicas),
                "selector": ["matchLabels": ["app": "nginx"]],
                "template": [
                    "metadata": ["labels": ["app": "nginx"]],
                    "spec": ["containers": [["name": "nginx", "image": .string(image)]]],
                ],
            ],
        ]
    }

    /// The `fieldsV1` of the entry for `manager` (and `operation`, when given) in an object's managed fields.
    static func fieldsV1(_ object: JSONValue, _ manager: String, _ operation: String? = nil) -> String? {
        entry(object, manager, operation)?["fieldsV1"].map { JSONSerializer.string($0) }
    }

    static func entry(_ object: JSONValue, _ manager: String, _ operation: String? = nil) -> JSONValue? {
        object[path: ["metadata", "managedFields"]]?.arrayValue?.first {
            $0["manager"]?.stringValue == manager && (operation == nil || $0["operation"]?.stringValue == operation)
        }
    }

    static func managers(_ object: JSONValue) -> [String] {
        object[path: ["metadata", "managedFields"]]?.arrayValue?.compactMap { entry -> String? in
            guard let manager = entry["manager"]?.stringValue, let operation = entry["operation"]?.stringValue else { return nil }
            return "\(manager)/\(operation)"
        } ?? []
    }
}

@Suite("Server-side apply: field sets")
struct ApplyFieldSetTests {
    /// structured-merge-diff's `TestSerializeV1GoldenData`: every element kind, in upstream's order.
    @Test(arguments: [
        #"{"f:aaa":{},"f:aab":{},"f:aac":{},"f:aad":{},"f:aae":{},"f:aaf":{},"k:{\"name\":\"first\"}":{},"k:{\"name\":\"second\"}":{},"k:{\"port\":443,\"protocol\":\"tcp\"}":{},"k:{\"port\":443,\"protocol\":\"udp\"}":{},"v:1":{},"v:2":{},"v:3":{},"v:\"aa\"":{},"v:\"ab\"":{},"v:true":{},"i:1":{},"i:2":{},"i:3":{},"i:4":{}}"#,
        #"{"f:aaa":{"k:{\"name\":\"second\"}":{"v:3":{"f:aab":{}}},"v:3":{},"v:true":{}},"f:aab":{"f:aaa":{},"f:aaf":{"k:{\"port\":443,\"protocol\":\"udp\"}":{"k:{\"port\":443,\"protocol\":\"tcp\"}":{}}},"k:{\"name\":\"first\"}":{}},"f:aac":{"f:aaa":{"v:1":{}},"f:aac":{},"v:3":{"k:{\"name\":\"second\"}":{}}},"f:aad":{"f:aac":{"v:1":{}},"f:aaf":{"k:{\"name\":\"first\"}":{"k:{\"name\":\"first\"}":{}}},"i:1":{"i:1":{},"i:3":{"v:true":{}}}},"f:aae":{"f:aae":{},"k:{\"port\":443,\"protocol\":\"tcp\"}":{"k:{\"port\":443,\"protocol\":\"udp\"}":{}},"i:4":{"f:aaf":{}}},"f:aaf":{"i:1":{"f:aac":{}},"i:2":{},"i:3":{}},"k:{\"name\":\"first\"}":{"f:aad":{"f:aaf":{}}},"k:{\"port\":443,\"protocol\":\"tcp\"}":{"f:aaa":{"f:aad":{}}},"k:{\"port\":443,\"protocol\":\"udp\"}":{"f:aac":{},"k:{\"name\":\"first\"}":{"i:3":{}},"k:{\"port\":443,\"protocol\":\"udp\"}":{"i:4":{}}},"v:1":{"f:aac":{"i:4":{}},"f:aaf":{},"k:{\"port\":443,\"protocol\":\"tcp\"}":{}},"v:2":{"f:aad":{"f:aaf":{}},"i:1":{}},"v:3":{"f:aaa":{},"k:{\"name\":\"first\"}":{},"i:2":{}},"v:\"aa\"":{"f:aab":{"f:aaf":{}},"f:aae":{},"k:{\"name\":\"first\"}":{"f:aad":{}},"i:2":{}},"v:\"ab\"":{"f:aaf":{"i:4":{}},"k:{\"port\":443,\"protocol\":\"tcp\"}":{},"k:{\"port\":443,\"protocol\":\"udp\"}":{},"v:1":{"k:{\"port\":443,\"protocol\":\"udp\"}":{}},"i:1":{"f:aae":{"i:4":{}}}},"v:true":{"k:{\"name\":\"second\"}":{"f:aaa":{}},"i:2":{"k:{\"port\":443,\"protocol\":\"tcp\"}":{}}},"i:1":{"i:3":{"f:aaf":{}}},"i:2":{"f:aae":{},"k:{\"port\":443,\"protocol\":\"tcp\"}":{"v:1":{}}},"i:3":{"f:aab":{"v:true":{"v:\"aa\"":{}}},"f:aaf":{},"i:1":{}},"i:4":{"v:\"aa\"":{"f:aab":{"k:{\"name\":\"second\"}":{}}}}}"#,
        #"{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}"#,
    ])
    func fieldsV1RoundTrip(golden: String) throws {
        let set = try FieldSet(fieldsV1: try JSONParser.parse(golden))
        #expect(JSONSerializer.string(set.fieldsV1) == golden)
        #expect(try FieldSet(fieldsV1: set.fieldsV1) == set)
    }

    @Test func fieldsV1MembersAndUnknownElements() throws {
        let set = try FieldSet(fieldsV1: try JSONParser.parse(#"{"f:aaa":{},"r:aab":{},"f:spec":{".":{},"f:x":{}},"f:meta":{"f:y":{}}}"#))
        #expect(set.contains(FieldPath(fields: "aaa")))
        #expect(set.contains(FieldPath(fields: "spec")))
        #expect(set.contains(FieldPath(fields: "spec", "x")))
        #expect(!set.contains(FieldPath(fields: "meta")))
        #expect(set.contains(FieldPath(fields: "meta", "y")))
        #expect(JSONSerializer.string(set.fieldsV1) == #"{"f:aaa":{},"f:meta":{"f:y":{}},"f:spec":{".":{},"f:x":{}}}"#)
        #expect(throws: FieldsV1Error.self) { try FieldSet(fieldsV1: ["x": [:]]) }
        #expect(throws: FieldsV1Error.self) { try FieldSet(fieldsV1: ["i:one": [:]]) }
    }

    @Test func pathsPrintAsUpstream() {
        let path: FieldPath = [
            .field("spec"), .field("template"), .field("spec"), .field("containers"), .keyed([("name", "nginx")]), .field("image"),
        ]
        #expect(path.description == #".spec.template.spec.containers[name="nginx"].image"#)
        #expect(FieldPath([.field("ports"), .keyed([("protocol", "TCP"), ("containerPort", 80)])]).description
            == #".ports[containerPort=80,protocol="TCP"]"#)
        #expect(FieldPath([.field("metadata"), .field("finalizers"), .setValue("a")]).description == #".metadata.finalizers[="a"]"#)
        #expect(FieldPath([.field("args"), .index(2)]).description == ".args[2]")
    }

    @Test func setOperations() {
        let a = FieldSet([FieldPath(fields: "a"), FieldPath(fields: "b", "c"), FieldPath(fields: "b", "d")])
        let b = FieldSet([FieldPath(fields: "b", "c"), FieldPath(fields: "b"), FieldPath(fields: "e")])
        #expect(a.union(b).paths.map(\.description) == [".a", ".b", ".e", ".b.c", ".b.d"])
        #expect(a.intersection(b).paths.map(\.description) == [".b.c"])
        #expect(a.subtracting(b).paths.map(\.description) == [".a", ".b.d"])
        // A member of the removed set takes everything below it.
        #expect(a.recursivelySubtracting(FieldSet([FieldPath(fields: "b")])).paths.map(\.description) == [".a"])
        #expect(a.subtracting(a).isEmpty)
        #expect(FieldPath(fields: "a", "b") < FieldPath(fields: "b"))
    }

    @Test func leavesOfAnObjectFollowTheSchema() throws {
        let set = FieldSet(of: ApplyFixtures.deployment(), kind: ApplyFixtures.deploymentKind)
        #expect(JSONSerializer.string(set.fieldsV1) == #"{"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:app":{}},"f:name":{},"f:namespace":{}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#)

        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "p", "finalizers": ["a", "b"], "annotations": ["note": "x"]],
            "spec": [
                "containers": [["name": "c", "ports": [["containerPort": 80]], "args": ["-v"], "resources": [:]]],
                "tolerations": [["key": "k", "operator": "Exists"]],
                "nodeSelector": ["disk": "ssd"],
            ],
        ]
        let podSet = FieldSet(of: pod, kind: ApplyFixtures.podKind)
        // Set lists by value, atomic lists and maps as leaves, map-list keys defaulted (protocol TCP).
        #expect(podSet.contains([.field("metadata"), .field("finalizers"), .setValue("a")]))
        #expect(podSet.contains(FieldPath(fields: "spec", "tolerations")))
        #expect(!podSet.contains([.field("spec"), .field("tolerations"), .index(0)]))
        #expect(podSet.contains(FieldPath(fields: "spec", "nodeSelector")))
        #expect(!podSet.contains(FieldPath(fields: "spec", "nodeSelector", "disk")))
        let container: FieldPath = [.field("spec"), .field("containers"), .keyed([("name", "c")])]
        #expect(podSet.contains(container.appending(.field("args"))))
        #expect(podSet.contains(container.appending(.field("ports")).appending(.keyed([("containerPort", 80), ("protocol", "TCP")]))))
        // An empty struct is not a leaf; a map entry always is.
        #expect(!podSet.contains(container.appending(.field("resources"))))
        #expect(podSet.contains(FieldPath(fields: "metadata", "annotations", "note")))
    }
}
