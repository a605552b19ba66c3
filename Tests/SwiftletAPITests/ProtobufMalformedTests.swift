import Testing
@testable import SwiftletAPI

@Suite struct ProtobufMalformedTests {
    static let configMap = ProtobufTestMessage.envelope(
        apiVersion: "v1", kind: "ConfigMap",
        raw: ProtobufTestMessage {
            $0.objectMeta(1, name: "cm", namespace: "default", labels: [("a", "b")], created: 1_700_000_000)
            $0.mapEntry(2, "key", "value")
            $0.message(3) {
                $0.string(1, "bin")
                $0.bytes(2, [1, 2, 3])
            }
            $0.bool(4, true)
        })

    static func expectFailure(
        _ bytes: [UInt8], _ reason: KubernetesProtobufError.Reason, containing text: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(sourceLocation: sourceLocation) {
            _ = try KubernetesProtobuf.decode(bytes)
        } throws: { error in
            guard let error = error as? KubernetesProtobufError else { return false }
            return error.reason == reason && error.description.contains(text)
        }
    }

    static func configMap(_ build: (inout ProtobufTestMessage) -> Void) -> [UInt8] {
        ProtobufTestMessage.envelope(apiVersion: "v1", kind: "ConfigMap", raw: ProtobufTestMessage(build))
    }

    @Test func badOrMissingMagic() {
        Self.expectFailure([], .malformed, containing: "k8s\\0")
        Self.expectFailure(Array("k8s".utf8), .malformed, containing: "k8s\\0")
        Self.expectFailure(Array(#"{"kind":"Pod"}"#.utf8), .malformed, containing: "k8s\\0")
        Self.expectFailure([0x6B, 0x38, 0x73, 0x01] + Self.configMap.dropFirst(4), .malformed, containing: "k8s\\0")
    }

    @Test func truncatedVarint() {
        Self.expectFailure(KubernetesProtobuf.magic + [0x80], .malformed, containing: "truncated varint at byte 4")
        Self.expectFailure(KubernetesProtobuf.magic + [0x0A, 0x80], .malformed, containing: "truncated varint at byte 5")
        Self.expectFailure(Self.configMap { $0.bytes += [0x20, 0xFF, 0xFF] }, .malformed, containing: "truncated varint")
    }

    @Test func varintLongerThanTenBytes() {
        Self.expectFailure(
            Self.configMap { $0.bytes += [0x20] + Array(repeating: 0xFF, count: 10) + [0x01] }, .malformed,
            containing: "overflows 64 bits")
    }

    @Test func lengthPastTheEnd() {
        // The envelope's raw field claims 200 bytes but carries 3.
        Self.expectFailure(KubernetesProtobuf.magic + [0x12, 0xC8, 0x01, 1, 2, 3], .malformed, containing: "runs past the end")
        // A string inside metadata claims more than its message holds.
        Self.expectFailure(
            Self.configMap { $0.message(1) { $0.bytes += [0x0A, 0x10, 0x61] } }, .malformed, containing: "runs past the end")
    }

    @Test func everyTruncationOfAValidBodyFailsCleanly() {
        for length in 4..<Self.configMap.count {
            let prefix = Array(Self.configMap.prefix(length))
            do {
                _ = try KubernetesProtobuf.decode(prefix)
            } catch {
                #expect(error.reason == .malformed || error.reason == .unknownKind)
            }
        }
    }

    @Test func wrongWireTypes() {
        Self.expectFailure(
            Self.configMap { $0.int(1, 7) }, .malformed, containing: "metadata: message sent with wire type 0")
        Self.expectFailure(
            Self.configMap { $0.message(1) { $0.int(1, 7) } }, .malformed, containing: "metadata.name: string sent with wire type 0")
        Self.expectFailure(
            Self.configMap { $0.string(4, "yes") }, .malformed, containing: "immutable: boolean sent with wire type 2")
    }

    @Test func groupsAndInvalidFieldNumbers() {
        Self.expectFailure(Self.configMap { $0.tag(9, 3) }, .unsupported, containing: "groups")
        Self.expectFailure(Self.configMap { $0.bytes += [0x07] }, .malformed, containing: "invalid field number 0")
        Self.expectFailure(Self.configMap { $0.tag(9, 6) }, .malformed, containing: "invalid wire type 6")
    }

    @Test func deepNestingIsRefused() {
        // ControllerRevisions whose data holds another envelope, 150 deep.
        var body = Self.configMap
        for _ in 0..<150 {
            body = ProtobufTestMessage.envelope(
                apiVersion: "apps/v1", kind: "ControllerRevision",
                raw: ProtobufTestMessage { $0.message(2) { $0.bytes(1, body) } })
        }
        Self.expectFailure(body, .malformed, containing: "nested more than")
    }

    @Test func badSpecialValues() {
        Self.expectFailure(
            ProtobufTestMessage.envelope(
                apiVersion: "v1", kind: "Service",
                raw: ProtobufTestMessage {
                    $0.message(2) { spec in
                        spec.message(1) { $0.message(4) { $0.int(1, 7) } }
                    }
                }),
            .malformed, containing: "spec.ports[0].targetPort: IntOrString has type 7")
        Self.expectFailure(
            Self.configMap { $0.message(1) { $0.message(8) { $0.int(1, Int64.max) } } }, .malformed,
            containing: "metadata.creationTimestamp: time")
        Self.expectFailure(
            ProtobufTestMessage.envelope(
                apiVersion: "apps/v1", kind: "ControllerRevision",
                raw: ProtobufTestMessage { $0.message(2) { $0.bytes(1, Array("{not json".utf8)) } }),
            .malformed, containing: "data: embedded object is neither JSON nor protobuf")
    }

    @Test func envelopeProblems() {
        Self.expectFailure(
            ProtobufTestMessage.envelope(apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", raw: ProtobufTestMessage()),
            .unknownKind, containing: "TokenRequest")
        Self.expectFailure(KubernetesProtobuf.magic + ProtobufTestMessage { $0.bytes(2, []) }.bytes, .malformed, containing: "no apiVersion")
        Self.expectFailure(
            KubernetesProtobuf.magic
                + ProtobufTestMessage {
                    $0.message(1) {
                        $0.string(1, "v1")
                        $0.string(2, "ConfigMap")
                    }
                    $0.string(3, "gzip")
                }.bytes,
            .unsupported, containing: "gzip")
    }

    @Test func jsonInsideTheEnvelopeIsAccepted() throws {
        let body =
            KubernetesProtobuf.magic
            + ProtobufTestMessage {
                $0.message(1) {
                    $0.string(1, "v1")
                    $0.string(2, "ConfigMap")
                }
                $0.bytes(2, Array(#"{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}}"#.utf8))
                $0.string(4, "application/json")
            }.bytes
        try ProtobufTestMessage.expectJSON(try KubernetesProtobuf.decode(body), #"{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}}"#)
    }

    /// Random corruptions of a valid body either decode or throw; they never crash or hang.
    @Test func randomCorruptionNeverCrashes() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var failures = 0
        for _ in 0..<3000 {
            var body = Self.configMap
            for _ in 0...(next() % 4) {
                let index = 4 + Int(next() % UInt64(body.count - 4))
                body[index] = UInt8(truncatingIfNeeded: next())
            }
            do {
                _ = try KubernetesProtobuf.decode(body)
            } catch {
                failures += 1
            }
        }
        #expect(failures > 0)
    }
}

@Suite struct ProtobufFieldTableTests {
    static let noProtobuf: Set<String> = [
        "io.k8s.apimachinery.pkg.apis.meta.v1.Table", "io.k8s.apimachinery.pkg.apis.meta.v1.TableColumnDefinition",
        "io.k8s.apimachinery.pkg.apis.meta.v1.TableRow", "io.k8s.apimachinery.pkg.apis.meta.v1.TableRowCondition",
        "io.k8s.apimachinery.pkg.version.Info",
    ]

    @Test func everyServedFieldHasANumber() {
        let table = ProtobufFieldTable.shared
        var missing: [String] = []
        for definition in SchemaRegistry.shared.allDefinitions where !definition.properties.isEmpty {
            guard !Self.noProtobuf.contains(definition.name) else { continue }
            guard let layout = table.layout(for: definition.name) else {
                missing.append(definition.name)
                continue
            }
            let exempt: Set<String> = definition.groupVersionKinds.isEmpty ? [] : ["apiVersion", "kind"]
            for field in definition.properties.keys where layout.locations[field] == nil && !exempt.contains(field) {
                missing.append("\(definition.name).\(field)")
            }
        }
        #expect(missing.isEmpty, "\(missing)")
    }

    @Test func knownNumbersAndFlags() throws {
        let table = ProtobufFieldTable.shared
        let deployment = try #require(table.layout(for: "io.k8s.api.apps.v1.DeploymentSpec"))
        #expect(deployment.locations["replicas"]?.numbers == [1])
        #expect(deployment.locations["replicas"]?.field.keepsZero == true)
        #expect(deployment.locations["minReadySeconds"]?.field.keepsZero == false)
        #expect(deployment.locations["progressDeadlineSeconds"]?.numbers == [9])
        let probe = try #require(table.layout(for: "io.k8s.api.core.v1.Probe"))
        #expect(probe.locations["httpGet"]?.numbers == [1, 2])
        let volume = try #require(table.layout(for: "io.k8s.api.core.v1.Volume"))
        #expect(volume.locations["projected"]?.numbers == [2, 26])
        let meta = try #require(table.layout(for: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"))
        #expect(meta.locations["managedFields"]?.numbers == [17])
        #expect(table.layout(for: "io.k8s.apimachinery.pkg.apis.meta.v1.APIResource")?.locations["verbs"]?.field.isWrappedList == true)
    }

    @Test(arguments: ["a=1 a=2", "a=1 b=1", "@1{a=1", "a=1}", "a=", "=1", "a=0"])
    func malformedTableEntriesAreRejected(entry: String) {
        #expect(throws: KubernetesProtobufError.self) {
            _ = try ProtobufFieldTable(json: JSONSerializer.string(["x": .string(entry)]))
        }
    }
}
