import Testing
@testable import SwiftletAPI

/// Bodies captured from the real kubectl v1.32 (`kubectl create …` against a recording server).
@Suite struct ProtobufKubectlCaptureTests {
    static let captures: [String: String] = [
        "configMap": """
            6b3873000a0f0a0276311209436f6e6669674d6170122e0a1a0a03636d3112001a0764656661756c7422002a003200380042
            0012060a016112013112080a0162120374776f1a002200
            """,
        "deployment": """
            6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b7010a260a0377656212001a0764656661756c742200
            2a003200380042005a0a0a036170701203776562127f0800120c0a0a0a0361707012037765621a650a1c0a0012001a002200
            2a003200380042005a0a0a036170701203776562124512270a056e67696e78120a6e67696e783a312e32352a0042006a0072
            00800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a
            0c0800100018002000280038001a002200
            """,
        "secret": """
            6b3873000a0c0a027631120653656372657412340a1c0a05637265647312001a0764656661756c7422002a00320038004200
            12120a0870617373776f726412067333637233741a001a002200
            """,
        "namespace": """
            6b3873000a0f0a02763112094e616d657370616365121e0a160a067465616d2d6112001a0022002a0032003800420012001a
            020a001a002200
            """,
        "job": """
            6b3873000a0f0a0862617463682f763112034a6f62128f010a1b0a046f6e636512001a0764656661756c7422002a00320038
            004200126632640a100a0012001a0022002a003200380042001250122d0a046f6e6365120762757379626f781a046563686f
            1a0268692a0042006a007200800100880100900100a201001a054e65766572320042004a0052005800600068008201008a01
            009a0100c201001a082000280030003a001a002200
            """,
        "cronJob": """
            6b3873000a130a0862617463682f7631120743726f6e4a6f6212b2010a1e0a076e696768746c7912001a0764656661756c74
            22002a00320038004200128d010a09302033202a202a202a1a002a7e0a170a076e696768746c7912001a0022002a00320038
            004200126332610a100a0012001a0022002a00320038004200124d12260a076e696768746c79120762757379626f782a0042
            006a007200800100880100900100a201001a094f6e4661696c757265320042004a0052005800600068008201008a01009a01
            00c201001a001a002200
            """,
        "service": """
            6b3873000a0d0a02763112075365727669636512700a260a0377656212001a0764656661756c7422002a003200380042005a
            0a0a03617070120377656212420a1b0a0738302d38303830120354435018502207080010903f1a002800120a0a0361707012
            037765621a002209436c757374657249503a00420052005a00600068001a020a001a002200
            """,
        "serviceAccount": """
            6b3873000a140a027631120e536572766963654163636f756e74121c0a1a0a03626f7412001a0764656661756c7422002a00
            3200380042001a002200
            """,
        "priorityClass": """
            6b3873000a250a147363686564756c696e672e6b38732e696f2f7631120d5072696f72697479436c617373123c0a140a0468
            69676812001a0022002a0032003800420010e80718002209696d706f7274616e742a14507265656d70744c6f776572507269
            6f726974791a002200
            """,
        "podDisruptionBudget": """
            6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412400a1a0a0370646212001a
            0764656661756c7422002a0032003800420012160a06080010001a00120c0a0a0a0361707012037765621a0a080018002000
            280030001a002200
            """,
    ]

    static func body(_ name: String) throws -> [UInt8] {
        let hex = Array(try #require(captures[name]).utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
        func nibble(_ c: UInt8) -> UInt8 { c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : c - UInt8(ascii: "a") + 10 }
        return stride(from: 0, to: hex.count, by: 2).map { nibble(hex[$0]) << 4 | nibble(hex[$0 + 1]) }
    }

    /// What upstream's JSON encoding writes for the same objects (`kubectl create … --dry-run=client -o json`,
    /// less the `creationTimestamp: null` that Swiftlet leaves out).
    @Test(arguments: [
        ("configMap", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1","namespace":"default"},"data":{"a":"1","b":"two"}}"#),
        ("cronJob", #"{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly","namespace":"default"},"spec":{"jobTemplate":{"metadata":{"name":"nightly"},"spec":{"template":{"metadata":{},"spec":{"containers":[{"image":"busybox","name":"nightly","resources":{}}],"restartPolicy":"OnFailure"}}}},"schedule":"0 3 * * *"},"status":{}}"#),
        ("deployment", #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},"strategy":{},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1.25","name":"nginx","resources":{}}]}}},"status":{}}"#),
        ("job", #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once","namespace":"default"},"spec":{"template":{"metadata":{},"spec":{"containers":[{"command":["echo","hi"],"image":"busybox","name":"once","resources":{}}],"restartPolicy":"Never"}}},"status":{}}"#),
        ("namespace", #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-a"},"spec":{},"status":{}}"#),
        ("podDisruptionBudget", #"{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"pdb","namespace":"default"},"spec":{"minAvailable":0,"selector":{"matchLabels":{"app":"web"}}},"status":{"currentHealthy":0,"desiredHealthy":0,"disruptionsAllowed":0,"expectedPods":0}}"#),
        ("priorityClass", #"{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"high"},"description":"important","preemptionPolicy":"PreemptLowerPriority","value":1000}"#),
        ("secret", #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds","namespace":"default"},"data":{"password":"czNjcjN0"}}"#),
        ("service", #"{"apiVersion":"v1","kind":"Service","metadata":{"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"ports":[{"name":"80-8080","port":80,"protocol":"TCP","targetPort":8080}],"selector":{"app":"web"},"type":"ClusterIP"},"status":{"loadBalancer":{}}}"#),
        ("serviceAccount", #"{"apiVersion":"v1","kind":"ServiceAccount","metadata":{"name":"bot","namespace":"default"}}"#),
    ])
    func decodesLikeUpstreamJSON(name: String, expected: String) throws {
        try ProtobufTestMessage.expectJSON(try KubernetesProtobuf.decode(try Self.body(name)), expected)
    }

    @Test func reencodingGivesBackTheSameObjects() throws {
        for name in Self.captures.keys {
            let value = try KubernetesProtobuf.decode(try Self.body(name))
            let gvk = KubernetesProtobuf.groupVersionKind(
                apiVersion: value["apiVersion"]?.stringValue ?? "", kind: value["kind"]?.stringValue ?? "")
            let again = try KubernetesProtobuf.decode(try KubernetesProtobuf.encode(value, gvk: gvk))
            #expect(ProtobufTestMessage.sortedKeys(again) == ProtobufTestMessage.sortedKeys(value), "\(name)")
        }
    }
}
