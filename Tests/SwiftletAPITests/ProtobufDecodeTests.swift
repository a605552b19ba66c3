import Testing
@testable import SwiftletAPI

/// A tiny protobuf writer for building fixtures the way Go's gogo-protobuf marshaller writes them.
struct ProtobufTestMessage {
    var bytes: [UInt8] = []

    init() {}

    init(_ build: (inout ProtobufTestMessage) -> Void) {
        build(&self)
    }

    static func varintBytes(_ value: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        var v = value
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    mutating func tag(_ field: Int, _ wireType: UInt8) {
        bytes += Self.varintBytes(UInt64(field) << 3 | UInt64(wireType))
    }

    /// int32 and int64 alike: negative values go out sign-extended to ten bytes, as Go writes them.
    mutating func int(_ field: Int, _ value: Int64) {
        tag(field, 0)
        bytes += Self.varintBytes(UInt64(bitPattern: value))
    }

    mutating func bool(_ field: Int, _ value: Bool) { int(field, value ? 1 : 0) }

    mutating func bytes(_ field: Int, _ value: [UInt8]) {
        tag(field, 2)
        bytes += Self.varintBytes(UInt64(value.count))
        bytes += value
    }

    mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

    mutating func message(_ field: Int, _ build: (inout ProtobufTestMessage) -> Void = { _ in }) {
        bytes(field, ProtobufTestMessage(build).bytes)
    }

    mutating func mapEntry(_ field: Int, _ key: String, _ value: String) {
        message(field) { entry in
            entry.string(1, key)
            entry.string(2, value)
        }
    }

    mutating func mapEntry(_ field: Int, _ key: String, _ build: @escaping (inout ProtobufTestMessage) -> Void) {
        message(field) { entry in
            entry.string(1, key)
            entry.message(2, build)
        }
    }

    mutating func quantity(_ field: Int, _ value: String) {
        message(field) { $0.string(1, value) }
    }

    mutating func intOrString(_ field: Int, int value: Int64) {
        message(field) {
            $0.int(1, 0)
            $0.int(2, value)
            $0.string(3, "")
        }
    }

    mutating func intOrString(_ field: Int, string value: String) {
        message(field) {
            $0.int(1, 1)
            $0.int(2, 0)
            $0.string(3, value)
        }
    }

    /// ObjectMeta as Go writes it: every non-pointer field, empty or not, and an empty creationTimestamp.
    mutating func objectMeta(
        _ field: Int, name: String, namespace: String = "", labels: [(String, String)] = [], created: Int64 = 0
    ) {
        message(field) { m in
            m.string(1, name)
            m.string(2, "")
            m.string(3, namespace)
            m.string(4, "")
            m.string(5, "")
            m.string(6, "")
            m.int(7, 0)
            m.message(8) { if created != 0 { $0.int(1, created) } }
            for (key, value) in labels { m.mapEntry(11, key, value) }
        }
    }

    /// `k8s\0` + runtime.Unknown.
    static func envelope(apiVersion: String, kind: String, raw: ProtobufTestMessage) -> [UInt8] {
        KubernetesProtobuf.magic
            + ProtobufTestMessage {
                $0.message(1) {
                    $0.string(1, apiVersion)
                    $0.string(2, kind)
                }
                $0.bytes(2, raw.bytes)
                $0.string(3, "")
                $0.string(4, "")
            }.bytes
    }
}

extension ProtobufTestMessage {
    /// Recursively sorts object keys, so that expectations need not follow the schema's field order.
    static func sortedKeys(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(uniqueKeysWithValues: object.sorted { $0.key < $1.key }.map { ($0.key, sortedKeys($0.value)) }))
        case .array(let array):
            return .array(array.map(sortedKeys))
        default:
            return value
        }
    }

    static func expectJSON(_ actual: JSONValue, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let want = try JSONParser.parse(expected)
        #expect(
            sortedKeys(actual) == sortedKeys(want),
            "got \(JSONSerializer.string(sortedKeys(actual)))", sourceLocation: sourceLocation)
    }
}

@Suite struct ProtobufDecodeTests {
    /// A container as Go writes it: the given fields plus every non-pointer field at its zero value.
    static func container(
        _ m: inout ProtobufTestMessage, name: String, image: String, writesResources: Bool = false,
        extra: (inout ProtobufTestMessage) -> Void = { _ in }
    ) {
        m.string(1, name)
        m.string(2, image)
        m.string(5, "")
        extra(&m)
        if !writesResources { m.message(8) }
        m.string(13, "")
        m.string(14, "")
        m.bool(16, false)
        m.bool(17, false)
        m.bool(18, false)
        m.string(20, "")
    }

    /// A PodSpec's non-pointer fields at their zero values.
    static func podSpecZeroFields(_ m: inout ProtobufTestMessage) {
        for field in [3, 6, 8, 9, 10] { m.string(field, "") }
        for field in [11, 12, 13] { m.bool(field, false) }
        for field in [16, 17, 19, 24] { m.string(field, "") }
    }

    @Test func configMapWithDataAndBinaryData() throws {
        let body = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "ConfigMap",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "settings", namespace: "default")
                $0.mapEntry(2, "a", "1")
                $0.mapEntry(2, "greeting", "héllo")
                $0.message(3) {
                    $0.string(1, "blob")
                    $0.bytes(2, [0x00, 0x01, 0x02, 0xFF])
                }
            })
        let value = try KubernetesProtobuf.decode(body)
        try ProtobufTestMessage.expectJSON(
            value,
            #"""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"default"},
             "data":{"a":"1","greeting":"héllo"},"binaryData":{"blob":"AAEC/w=="}}
            """#)
        #expect(value.objectValue?.keys.prefix(2).elementsEqual(["apiVersion", "kind"]) == true)
    }

    @Test func secretDataIsBase64() throws {
        let body = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "Secret",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "creds")
                $0.message(2) {
                    $0.string(1, "password")
                    $0.bytes(2, Array("s3cr3t".utf8))
                }
                $0.message(2) {
                    $0.string(1, "empty")
                    $0.bytes(2, [])
                }
                $0.string(3, "Opaque")
                $0.bool(5, true)
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"""
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds"},"immutable":true,
             "data":{"password":"czNjcjN0","empty":""},"type":"Opaque"}
            """#)
    }

    /// What `kubectl create deployment web --image=nginx:1.25 --replicas=0` sends.
    @Test func deploymentKeepsExplicitZeroReplicas() throws {
        let labels = [("app", "web")]
        let body = ProtobufTestMessage.envelope(
            apiVersion: "apps/v1", kind: "Deployment",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "web", labels: labels)
                $0.message(2) { spec in
                    spec.int(1, 0)  // replicas: a pointer the client set
                    spec.message(2) { $0.mapEntry(1, "app", "web") }
                    spec.message(3) { template in
                        template.objectMeta(1, name: "", labels: labels)
                        template.message(2) { pod in
                            pod.message(2) { Self.container(&$0, name: "nginx", image: "nginx:1.25") }
                            Self.podSpecZeroFields(&pod)
                        }
                    }
                    spec.message(4) { $0.string(1, "") }  // strategy
                    spec.int(5, 0)
                    spec.bool(7, false)
                }
                $0.message(3) { status in
                    for field in [1, 2, 3, 4, 5, 7] { status.int(field, 0) }
                }
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","labels":{"app":"web"}},
             "spec":{"replicas":0,"selector":{"matchLabels":{"app":"web"}},
                     "template":{"metadata":{"labels":{"app":"web"}},
                                 "spec":{"containers":[{"name":"nginx","image":"nginx:1.25","resources":{}}]}},
                     "strategy":{}},
             "status":{}}
            """#)
    }

    @Test func podWithPortsResourcesProbesAndTimes() throws {
        let body = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "Pod",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "api", namespace: "prod", labels: [("app", "api"), ("tier", "backend")], created: 1_700_000_000)
                $0.message(2) { pod in
                    pod.message(2) { c in
                        Self.container(&c, name: "api", image: "example/api:2", writesResources: true) { c in
                            c.string(4, "--verbose")
                            c.string(4, "--port=8080")
                            c.message(6) { port in
                                port.string(1, "http")
                                port.int(2, 0)
                                port.int(3, 8080)
                                port.string(4, "TCP")
                                port.string(5, "")
                            }
                            c.message(7) {
                                $0.string(1, "MODE")
                                $0.string(2, "fast")
                            }
                            c.message(8) { resources in
                                resources.mapEntry(1, "cpu") { $0.string(1, "500m") }
                                resources.mapEntry(1, "memory") { $0.string(1, "128Mi") }
                                resources.mapEntry(2, "cpu") { $0.string(1, "250m") }
                            }
                            c.message(10) { probe in
                                probe.message(1) { handler in
                                    handler.message(2) { get in
                                        get.string(1, "/healthz")
                                        get.intOrString(2, string: "http")
                                        get.string(3, "")
                                        get.string(4, "HTTP")
                                    }
                                }
                                probe.int(2, 5)
                                for field in [3, 4, 5, 6] { probe.int(field, 0) }
                            }
                            c.message(11) { probe in
                                probe.message(1) { handler in
                                    handler.message(3) { tcp in
                                        tcp.intOrString(1, int: 8080)
                                        tcp.string(2, "")
                                    }
                                }
                            }
                            c.message(15) { security in
                                security.int(4, 1000)
                                security.bool(5, true)
                                security.bool(7, false)  // allowPrivilegeEscalation: a pointer, kept
                            }
                        }
                    }
                    pod.int(4, 0)  // terminationGracePeriodSeconds: a pointer, kept
                    pod.int(25, -5)  // priority: a negative int32
                    pod.message(14) { security in
                        security.message(4) { $0.bytes = ProtobufTestMessage.varintBytes(1000) + ProtobufTestMessage.varintBytes(2000) }
                        security.tag(4, 0)
                        security.bytes += ProtobufTestMessage.varintBytes(3000)
                    }
                    Self.podSpecZeroFields(&pod)
                }
                $0.message(3) { status in
                    status.string(1, "Pending")
                    status.message(7) {
                        $0.int(1, 1_700_000_060)
                        $0.int(2, 999_999_999)
                    }
                }
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"""
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"api","namespace":"prod","creationTimestamp":"2023-11-14T22:13:20Z",
                         "labels":{"app":"api","tier":"backend"}},
             "spec":{"containers":[{"name":"api","image":"example/api:2","args":["--verbose","--port=8080"],
                                    "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"}],
                                    "env":[{"name":"MODE","value":"fast"}],
                                    "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"250m"}},
                                    "livenessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},
                                                     "initialDelaySeconds":5},
                                    "readinessProbe":{"tcpSocket":{"port":8080}},
                                    "securityContext":{"runAsUser":1000,"runAsNonRoot":true,"allowPrivilegeEscalation":false}}],
                     "terminationGracePeriodSeconds":0,"priority":-5,
                     "securityContext":{"supplementalGroups":[1000,2000,3000]}},
             "status":{"phase":"Pending","startTime":"2023-11-14T22:14:20Z"}}
            """#)
    }

    @Test func serviceTargetPortAndEmptyStatus() throws {
        let body = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "Service",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "web", labels: [("app", "web")])
                $0.message(2) { spec in
                    spec.message(1) { port in
                        port.string(1, "80-8080")
                        port.string(2, "TCP")
                        port.int(3, 80)
                        port.intOrString(4, int: 8080)
                        port.int(5, 0)
                    }
                    spec.mapEntry(2, "app", "web")
                    spec.string(3, "")
                    spec.string(4, "ClusterIP")
                    spec.string(7, "")
                    spec.string(10, "")
                    spec.string(11, "")
                    spec.int(12, 0)
                    spec.bool(13, false)
                }
                $0.message(3) { $0.message(1) }
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":{"app":"web"}},
             "spec":{"ports":[{"name":"80-8080","protocol":"TCP","port":80,"targetPort":8080}],
                     "selector":{"app":"web"},"type":"ClusterIP"},
             "status":{"loadBalancer":{}}}
            """#)
    }

    @Test func jobAndCronJobKeepPointerZeros() throws {
        let job = ProtobufTestMessage.envelope(
            apiVersion: "batch/v1", kind: "Job",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "once")
                $0.message(2) { spec in
                    spec.int(7, 0)  // backoffLimit
                    spec.bool(10, false)  // suspend
                    spec.message(6) { template in
                        template.objectMeta(1, name: "")
                        template.message(2) { pod in
                            pod.message(2) { Self.container(&$0, name: "once", image: "busybox") }
                            Self.podSpecZeroFields(&pod)
                            pod.string(3, "Never")
                        }
                    }
                }
                $0.message(3) { status in
                    for field in [4, 5, 6] { status.int(field, 0) }
                }
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(job),
            #"""
            {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once"},
             "spec":{"backoffLimit":0,"suspend":false,
                     "template":{"metadata":{},"spec":{"containers":[{"name":"once","image":"busybox","resources":{}}],
                                                       "restartPolicy":"Never"}}},
             "status":{}}
            """#)

        let cronJob = ProtobufTestMessage.envelope(
            apiVersion: "batch/v1", kind: "CronJob",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "nightly")
                $0.message(2) { spec in
                    spec.string(1, "0 3 * * *")
                    spec.string(3, "")
                    spec.bool(4, false)
                    spec.message(5) { $0.objectMeta(1, name: "nightly") }
                    spec.int(6, 0)
                }
                $0.message(3)
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(cronJob),
            #"""
            {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly"},
             "spec":{"schedule":"0 3 * * *","suspend":false,"jobTemplate":{"metadata":{"name":"nightly"}},
                     "successfulJobsHistoryLimit":0},
             "status":{}}
            """#)
    }

    /// What `kubectl drain` sends for each pod.
    @Test func evictionWithDeleteOptions() throws {
        let body = ProtobufTestMessage.envelope(
            apiVersion: "policy/v1", kind: "Eviction",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "web-1", namespace: "default")
                $0.message(2) { options in
                    options.int(1, 0)
                    options.message(2) { $0.string(1, "6f3c") }
                }
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"""
            {"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web-1","namespace":"default"},
             "deleteOptions":{"gracePeriodSeconds":0,"preconditions":{"uid":"6f3c"}}}
            """#)
    }

    @Test func leaseMicroTimesAndPointerStrings() throws {
        let body = ProtobufTestMessage.envelope(
            apiVersion: "coordination.k8s.io/v1", kind: "Lease",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "node-1", namespace: "kube-node-lease")
                $0.message(2) { spec in
                    spec.string(1, "node-1")
                    spec.int(2, 40)
                    spec.message(4) {
                        $0.int(1, 1_700_000_000)
                        $0.int(2, 123_456_789)
                    }
                    spec.int(5, 0)
                }
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"""
            {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"node-1","namespace":"kube-node-lease"},
             "spec":{"holderIdentity":"node-1","leaseDurationSeconds":40,"renewTime":"2023-11-14T22:13:20.123456Z",
                     "leaseTransitions":0}}
            """#)
    }

    @Test func inlinedSelectorsAndVolumeSources() throws {
        let body = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "Pod",
            raw: ProtobufTestMessage {
                $0.objectMeta(1, name: "p")
                $0.message(2) { pod in
                    pod.message(1) { volume in
                        volume.string(1, "config")
                        volume.message(2) { source in
                            source.message(19) { configMap in
                                configMap.message(1) { $0.string(1, "settings") }
                                configMap.int(3, 420)
                            }
                        }
                    }
                    pod.message(2) { c in
                        Self.container(&c, name: "app", image: "app") { c in
                            c.message(7) { env in
                                env.string(1, "TOKEN")
                                env.string(2, "")
                                env.message(3) { from in
                                    from.message(4) { secretKey in
                                        secretKey.message(1) { $0.string(1, "creds") }
                                        secretKey.string(2, "token")
                                    }
                                }
                            }
                        }
                    }
                }
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
             "spec":{"volumes":[{"name":"config","configMap":{"name":"settings","defaultMode":420}}],
                     "containers":[{"name":"app","image":"app","resources":{},
                                    "env":[{"name":"TOKEN","valueFrom":{"secretKeyRef":{"name":"creds","key":"token"}}}]}]}}
            """#)
    }

    @Test func rawExtensionHoldsJSONOrANestedEnvelope() throws {
        let inner = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "ConfigMap", raw: ProtobufTestMessage { $0.objectMeta(1, name: "inner") })
        for (data, expected) in [
            (Array(#"{"spec":{"replicas":2}}"#.utf8), #"{"spec":{"replicas":2}}"#),
            (inner, #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"inner"}}"#),
        ] {
            let body = ProtobufTestMessage.envelope(
                apiVersion: "apps/v1", kind: "ControllerRevision",
                raw: ProtobufTestMessage {
                    $0.objectMeta(1, name: "web-1")
                    $0.message(2) { $0.bytes(1, data) }
                    $0.int(3, 1)
                })
            try ProtobufTestMessage.expectJSON(
                try KubernetesProtobuf.decode(body),
                #"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"web-1"},"data":"#
                    + expected + #","revision":1}"#)
        }
    }

    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        let body = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "ConfigMap",
            raw: ProtobufTestMessage {
                $0.int(999, 12345)
                $0.objectMeta(1, name: "cm")
                $0.string(1000, "from a newer version")
                $0.tag(1001, 1)
                $0.bytes += [1, 2, 3, 4, 5, 6, 7, 8]
                $0.tag(1002, 5)
                $0.bytes += [1, 2, 3, 4]
                $0.mapEntry(2, "k", "v")
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"k":"v"}}"#)
    }

    @Test func wrappedVerbListAndFieldsV1() throws {
        let resource = ProtobufTestMessage {
            $0.string(1, "pods")
            $0.bool(2, true)
            $0.string(3, "Pod")
            $0.message(4) {
                $0.string(1, "get")
                $0.string(1, "list")
            }
            $0.string(5, "po")
        }
        let decoder = ProtobufMessageDecoder(bytes: resource.bytes, registry: .shared, table: .shared)
        let object = try decoder.decodeObject(
            definition: "io.k8s.apimachinery.pkg.apis.meta.v1.APIResource", range: 0..<resource.bytes.count, depth: 0)
        try ProtobufTestMessage.expectJSON(
            .object(object), #"{"name":"pods","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]}"#)

        let body = ProtobufTestMessage.envelope(
            apiVersion: "v1", kind: "ConfigMap",
            raw: ProtobufTestMessage {
                $0.message(1) { meta in
                    meta.string(1, "cm")
                    meta.message(17) { entry in
                        entry.string(1, "kubectl")
                        entry.string(2, "Update")
                        entry.string(3, "v1")
                        entry.message(4) { $0.int(1, 1_700_000_000) }
                        entry.string(6, "FieldsV1")
                        entry.message(7) { $0.bytes(1, Array(#"{"f:data":{".":{}}}"#.utf8)) }
                    }
                }
            })
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decode(body),
            #"""
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","managedFields":[
              {"manager":"kubectl","operation":"Update","apiVersion":"v1","time":"2023-11-14T22:13:20Z",
               "fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{}}}}]}}
            """#)
    }

    @Test func decodesABareMessage() throws {
        let raw = ProtobufTestMessage {
            $0.objectMeta(1, name: "high")
            $0.int(2, 1_000_000)
            $0.bool(3, false)
            $0.string(4, "")
        }
        try ProtobufTestMessage.expectJSON(
            try KubernetesProtobuf.decodeMessage(raw.bytes, as: GroupVersionKind(group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass")),
            #"{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"high"},"value":1000000}"#)
    }
}
