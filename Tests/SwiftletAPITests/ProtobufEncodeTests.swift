import Testing
@testable import SwiftletAPI

@Suite struct ProtobufEncodeTests {
    static let configMapGVK = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")

    @Test func writesWhatGoWritesForAConfigMap() throws {
        let value = try JSONParser.parse(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"b":"2","a":"1"}}"#)
        let expected = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "ConfigMap",
            raw: ProtobufTestMessage {
                $0.message(1) { $0.string(1, "a") }
                $0.mapEntry(2, "a", "1")
                $0.mapEntry(2, "b", "2")
            })
        #expect(try KubernetesProtobuf.encode(value, gvk: Self.configMapGVK) == expected)
    }

    @Test(arguments: [
        (
            GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"),
            #"""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"creationTimestamp":"2024-01-02T15:04:05Z",
                         "ownerReferences":[{"apiVersion":"v1","kind":"Thing","name":"t","uid":"u1","controller":true}]},
             "spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},
                     "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":0,"maxSurge":"25%"}},
                     "template":{"metadata":{"labels":{"app":"web"}},
                                 "spec":{"containers":[{"name":"nginx","image":"nginx:1.25",
                                                        "ports":[{"containerPort":80,"protocol":"TCP"}],
                                                        "resources":{"limits":{"cpu":"500m","memory":"128Mi"}},
                                                        "livenessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":10}}],
                                         "terminationGracePeriodSeconds":30,"priority":-3,
                                         "volumes":[{"name":"cache","emptyDir":{"sizeLimit":"1Gi"}}]}}},
             "status":{"replicas":2,"conditions":[{"type":"Available","status":"True",
                                                   "lastTransitionTime":"2024-01-02T15:04:05Z"}]}}
            """#
        ),
        (
            GroupVersionKind(group: "", version: "v1", kind: "Secret"),
            #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"AAEC/w=="},"type":"Opaque"}"#
        ),
        (
            GroupVersionKind(group: "coordination.k8s.io", version: "v1", kind: "Lease"),
            #"{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n"},"spec":{"holderIdentity":"n","renewTime":"2024-01-02T15:04:05.123456Z","leaseTransitions":0}}"#
        ),
        (
            GroupVersionKind(group: "apps", version: "v1", kind: "ControllerRevision"),
            #"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"r"},"data":{"spec":{"x":[1,2]}},"revision":3}"#
        ),
        (
            GroupVersionKind(group: "", version: "v1", kind: "PodList"),
            #"{"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"42"},"items":[{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i"}]}}]}"#
        ),
    ])
    func roundTripsThroughTheDecoder(gvk: GroupVersionKind, json: String) throws {
        let value = try JSONParser.parse(json)
        let bytes = try KubernetesProtobuf.encode(value, gvk: gvk)
        #expect(KubernetesProtobuf.hasMagicPrefix(bytes))
        try ProtobufTestMessage.expectJSON(try KubernetesProtobuf.decode(bytes), json)
    }

    @Test func badValuesNameTheirField() throws {
        let deployment = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
        for (json, text) in [
            (#"{"spec":{"replicas":"three"}}"#, "spec.replicas: expected an integer, got string"),
            (#"{"spec":{"template":{"spec":{"containers":[{"name":1}]}}}}"#, "spec.template.spec.containers[0].name: expected a string"),
            (#"{"metadata":{"creationTimestamp":"yesterday"}}"#, "metadata.creationTimestamp: expected an RFC 3339 time"),
        ] {
            #expect {
                _ = try KubernetesProtobuf.encode(try JSONParser.parse(json), gvk: deployment)
            } throws: { error in
                (error as? KubernetesProtobufError)?.description.contains(text) == true
            }
        }
        #expect(throws: KubernetesProtobufError.self) {
            _ = try KubernetesProtobuf.encode(try JSONParser.parse(#"{"data":{"k":"not base64!"}}"#), gvk: GroupVersionKind(group: "", version: "v1", kind: "Secret"))
        }
        #expect(throws: KubernetesProtobufError.self) {
            _ = try KubernetesProtobuf.encode(.object([:]), gvk: GroupVersionKind(group: "x", version: "v1", kind: "Nope"))
        }
    }

    @Test func everyFixtureSurvivesARoundTrip() throws {
        // Decoding, encoding and decoding again changes nothing.
        let bodies = [
            ProtobufMalformedTests.configMap,
            ProtobufTestMessage.envelope(
                apiVersion: "policy/v1", kind: "Eviction",
                raw: ProtobufTestMessage {
                    $0.objectMeta(1, name: "p", namespace: "ns")
                    $0.message(2) { $0.int(1, 0) }
                }),
        ]
        for body in bodies {
            let first = try KubernetesProtobuf.decode(body)
            let gvk = KubernetesProtobuf.groupVersionKind(
                apiVersion: first["apiVersion"]?.stringValue ?? "", kind: first["kind"]?.stringValue ?? "")
            let second = try KubernetesProtobuf.decode(try KubernetesProtobuf.encode(first, gvk: gvk))
            #expect(ProtobufTestMessage.sortedKeys(second) == ProtobufTestMessage.sortedKeys(first))
        }
    }
}
