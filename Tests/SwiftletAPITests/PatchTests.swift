import Collections
import Testing

@testable import SwiftletAPI

/// Parses JSON test data written inline.
func parseJSON(_ text: String) throws -> JSONValue {
    try JSONParser.parse(text)
}

/// Expects two documents to be equal as upstream compares them: key order aside, list order included.
func expectJSON(
    _ actual: JSONValue, _ expected: JSONValue, _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.isDeepEqual(to: expected),
            "\(comment)\nexpected: \(JSONSerializer.string(expected.sortingKeys))\n     got: \(JSONSerializer.string(actual.sortingKeys))",
            sourceLocation: sourceLocation)
}

extension JSONValue {
    /// Follows object keys and, where the value is a list, numeric indices.
    func testValue(at path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for token in path {
            if case .array(let list)? = current, let index = Int(token) {
                current = list.indices.contains(index) ? list[index] : nil
            } else {
                current = current?[token]
            }
        }
        return current
    }
}

/// Schemas for the patch tests, built by hand with upstream's patch metadata.
enum PatchFixtures {
    static let mergeItem = "mergeItem"

    /// Upstream's `MergeItem` test type from strategicpatch/patch_test.go.
    static let mergeItemSchemas: [String: SchemaDefinition] = {
        let item = SchemaType.reference(mergeItem)
        let itemList = SchemaType.array(SchemaProperty(type: item))
        let intList = SchemaType.array(SchemaProperty(type: .integer(format: "int64")))
        let stringMap = SchemaType.map(SchemaProperty(type: string))
        return [
            mergeItem: SchemaDefinition(name: mergeItem, properties: [
                "name": SchemaProperty(type: string),
                "value": SchemaProperty(type: string),
                "other": SchemaProperty(type: string),
                "mergingList": SchemaProperty(type: itemList, patchStrategy: "merge", patchMergeKey: "name"),
                "nonMergingList": SchemaProperty(type: itemList),
                "mergingIntList": SchemaProperty(type: intList, patchStrategy: "merge"),
                "nonMergingIntList": SchemaProperty(type: intList),
                "mergeItemPtr": SchemaProperty(type: itemList, patchStrategy: "merge", patchMergeKey: "name"),
                "simpleMap": SchemaProperty(type: stringMap),
                "replacingItem": SchemaProperty(type: .object, patchStrategy: "replace"),
                "retainKeysMap": SchemaProperty(type: .reference("retainKeysMergeItem"), patchStrategy: "retainKeys"),
                "retainKeysMergingList": SchemaProperty(type: itemList, patchStrategy: "merge,retainKeys", patchMergeKey: "name"),
            ]),
            "retainKeysMergeItem": SchemaDefinition(name: "retainKeysMergeItem", properties: [
                "name": SchemaProperty(type: string),
                "value": SchemaProperty(type: string),
                "other": SchemaProperty(type: string),
                "simpleMap": SchemaProperty(type: stringMap),
                "mergingIntList": SchemaProperty(type: intList, patchStrategy: "merge"),
                "mergingList": SchemaProperty(type: itemList, patchStrategy: "merge", patchMergeKey: "name"),
                "nonMergingList": SchemaProperty(type: itemList),
            ]),
        ]
    }()

    static let pod = "io.k8s.api.core.v1.Pod"
    static let deployment = "io.k8s.api.apps.v1.Deployment"
    static let scale = "io.k8s.api.autoscaling.v1.Scale"

    /// A slice of the Kubernetes v1.32 API with its real patch strategies and merge keys.
    static let kubernetesSchemas: [String: SchemaDefinition] = {
        var all: [String: SchemaDefinition] = [:]
        func define(_ type: SchemaType, _ properties: OrderedDictionary<String, SchemaProperty>) {
            guard case .reference(let name) = type else { return }
            all[name] = SchemaDefinition(name: name, properties: properties)
        }
        define(.reference(pod), [
            "apiVersion": SchemaProperty(type: string), "kind": SchemaProperty(type: string),
            "metadata": SchemaProperty(type: meta("ObjectMeta")), "spec": SchemaProperty(type: core("PodSpec")),
            "status": SchemaProperty(type: core("PodStatus")),
        ])
        define(meta("ObjectMeta"), [
            "name": SchemaProperty(type: string), "namespace": SchemaProperty(type: string),
            "uid": SchemaProperty(type: string), "resourceVersion": SchemaProperty(type: string),
            "generation": SchemaProperty(type: .integer(format: "int64")),
            "labels": SchemaProperty(type: .map(SchemaProperty(type: string))),
            "annotations": SchemaProperty(type: .map(SchemaProperty(type: string))),
            "finalizers": SchemaProperty(type: list(string), patchStrategy: "merge", listType: "set"),
            "ownerReferences": SchemaProperty(type: list(meta("OwnerReference")), patchStrategy: "merge", patchMergeKey: "uid",
                                              listType: "map", listMapKeys: ["uid"]),
        ])
        define(meta("OwnerReference"), [
            "apiVersion": SchemaProperty(type: string), "kind": SchemaProperty(type: string),
            "name": SchemaProperty(type: string), "uid": SchemaProperty(type: string),
            "controller": SchemaProperty(type: .boolean),
        ])
        define(core("PodSpec"), [
            "volumes": SchemaProperty(type: list(core("Volume")), patchStrategy: "merge,retainKeys", patchMergeKey: "name",
                                      listType: "map", listMapKeys: ["name"]),
            "initContainers": SchemaProperty(type: list(core("Container")), patchStrategy: "merge", patchMergeKey: "name",
                                             listType: "map", listMapKeys: ["name"]),
            "containers": SchemaProperty(type: list(core("Container")), patchStrategy: "merge", patchMergeKey: "name",
                                         listType: "map", listMapKeys: ["name"]),
            "restartPolicy": SchemaProperty(type: string),
            "nodeSelector": SchemaProperty(type: .map(SchemaProperty(type: string)), mapType: "atomic"),
            "nodeName": SchemaProperty(type: string),
            "imagePullSecrets": SchemaProperty(type: list(core("LocalObjectReference")), patchStrategy: "merge",
                                               patchMergeKey: "name", listType: "map", listMapKeys: ["name"]),
            "tolerations": SchemaProperty(type: list(core("Toleration")), listType: "atomic"),
            "hostAliases": SchemaProperty(type: list(core("HostAlias")), patchStrategy: "merge", patchMergeKey: "ip",
                                          listType: "map", listMapKeys: ["ip"]),
        ])
        define(core("Container"), [
            "name": SchemaProperty(type: string), "image": SchemaProperty(type: string),
            "command": SchemaProperty(type: list(string), listType: "atomic"),
            "args": SchemaProperty(type: list(string), listType: "atomic"),
            "ports": SchemaProperty(type: list(core("ContainerPort")), patchStrategy: "merge", patchMergeKey: "containerPort",
                                    listType: "map", listMapKeys: ["containerPort", "protocol"]),
            "env": SchemaProperty(type: list(core("EnvVar")), patchStrategy: "merge", patchMergeKey: "name",
                                  listType: "map", listMapKeys: ["name"]),
            "resources": SchemaProperty(type: core("ResourceRequirements")),
            "volumeMounts": SchemaProperty(type: list(core("VolumeMount")), patchStrategy: "merge", patchMergeKey: "mountPath",
                                           listType: "map", listMapKeys: ["mountPath"]),
            "imagePullPolicy": SchemaProperty(type: string),
        ])
        define(core("ContainerPort"), [
            "name": SchemaProperty(type: string), "hostPort": SchemaProperty(type: .integer(format: "int32")),
            "containerPort": SchemaProperty(type: .integer(format: "int32")), "protocol": SchemaProperty(type: string),
        ])
        define(core("EnvVar"), [
            "name": SchemaProperty(type: string), "value": SchemaProperty(type: string),
            "valueFrom": SchemaProperty(type: core("EnvVarSource")),
        ])
        define(core("EnvVarSource"), [
            "fieldRef": SchemaProperty(type: core("ObjectFieldSelector")),
            "secretKeyRef": SchemaProperty(type: core("SecretKeySelector")),
        ])
        define(core("ObjectFieldSelector"), ["apiVersion": SchemaProperty(type: string), "fieldPath": SchemaProperty(type: string)])
        define(core("SecretKeySelector"), ["name": SchemaProperty(type: string), "key": SchemaProperty(type: string)])
        define(core("ResourceRequirements"), [
            "limits": SchemaProperty(type: .map(SchemaProperty(type: .quantity))),
            "requests": SchemaProperty(type: .map(SchemaProperty(type: .quantity))),
        ])
        define(core("VolumeMount"), [
            "name": SchemaProperty(type: string), "readOnly": SchemaProperty(type: .boolean),
            "mountPath": SchemaProperty(type: string),
        ])
        define(core("Volume"), [
            "name": SchemaProperty(type: string), "hostPath": SchemaProperty(type: core("HostPathVolumeSource")),
            "emptyDir": SchemaProperty(type: core("EmptyDirVolumeSource")),
            "configMap": SchemaProperty(type: core("ConfigMapVolumeSource")),
        ])
        define(core("HostPathVolumeSource"), ["path": SchemaProperty(type: string), "type": SchemaProperty(type: string)])
        define(core("EmptyDirVolumeSource"), ["medium": SchemaProperty(type: string), "sizeLimit": SchemaProperty(type: .quantity)])
        define(core("ConfigMapVolumeSource"), ["name": SchemaProperty(type: string), "optional": SchemaProperty(type: .boolean)])
        define(core("LocalObjectReference"), ["name": SchemaProperty(type: string)])
        define(core("HostAlias"), ["ip": SchemaProperty(type: string), "hostnames": SchemaProperty(type: list(string))])
        define(core("Toleration"), [
            "key": SchemaProperty(type: string), "operator": SchemaProperty(type: string),
            "value": SchemaProperty(type: string), "effect": SchemaProperty(type: string),
            "tolerationSeconds": SchemaProperty(type: .integer(format: "int64")),
        ])
        define(core("PodStatus"), [
            "phase": SchemaProperty(type: string),
            "conditions": SchemaProperty(type: list(core("PodCondition")), patchStrategy: "merge", patchMergeKey: "type",
                                         listType: "map", listMapKeys: ["type"]),
        ])
        define(core("PodCondition"), ["type": SchemaProperty(type: string), "status": SchemaProperty(type: string)])
        define(.reference(deployment), [
            "apiVersion": SchemaProperty(type: string), "kind": SchemaProperty(type: string),
            "metadata": SchemaProperty(type: meta("ObjectMeta")), "spec": SchemaProperty(type: apps("DeploymentSpec")),
        ])
        define(apps("DeploymentSpec"), [
            "replicas": SchemaProperty(type: .integer(format: "int32")),
            "selector": SchemaProperty(type: meta("LabelSelector")),
            "template": SchemaProperty(type: core("PodTemplateSpec")),
            "strategy": SchemaProperty(type: apps("DeploymentStrategy"), patchStrategy: "retainKeys"),
            "minReadySeconds": SchemaProperty(type: .integer(format: "int32")),
            "revisionHistoryLimit": SchemaProperty(type: .integer(format: "int32")),
        ])
        define(apps("DeploymentStrategy"), [
            "type": SchemaProperty(type: string), "rollingUpdate": SchemaProperty(type: apps("RollingUpdateDeployment")),
        ])
        define(apps("RollingUpdateDeployment"), [
            "maxUnavailable": SchemaProperty(type: .intOrString), "maxSurge": SchemaProperty(type: .intOrString),
        ])
        define(core("PodTemplateSpec"), [
            "metadata": SchemaProperty(type: meta("ObjectMeta")), "spec": SchemaProperty(type: core("PodSpec")),
        ])
        define(meta("LabelSelector"), [
            "matchLabels": SchemaProperty(type: .map(SchemaProperty(type: string))),
            "matchExpressions": SchemaProperty(type: list(meta("LabelSelectorRequirement")), listType: "atomic"),
        ])
        define(meta("LabelSelectorRequirement"), [
            "key": SchemaProperty(type: string), "operator": SchemaProperty(type: string), "values": SchemaProperty(type: list(string)),
        ])
        define(.reference(scale), [
            "metadata": SchemaProperty(type: meta("ObjectMeta")),
            "spec": SchemaProperty(type: .reference("io.k8s.api.autoscaling.v1.ScaleSpec")),
        ])
        define(.reference("io.k8s.api.autoscaling.v1.ScaleSpec"), ["replicas": SchemaProperty(type: .integer(format: "int32"))])
        return all
    }()

    static func strategic(_ definition: String) -> StrategicMergePatch {
        StrategicMergePatch(definitionName: definition, schemas: kubernetesSchemas)
    }

    static let mergeItemPatch = StrategicMergePatch(definitionName: mergeItem, schemas: mergeItemSchemas)

    private static let string = SchemaType.string(format: nil)
    private static func list(_ element: SchemaType) -> SchemaType { .array(SchemaProperty(type: element)) }
    private static func core(_ name: String) -> SchemaType { .reference("io.k8s.api.core.v1." + name) }
    private static func apps(_ name: String) -> SchemaType { .reference("io.k8s.api.apps.v1." + name) }
    private static func meta(_ name: String) -> SchemaType { .reference("io.k8s.apimachinery.pkg.apis.meta.v1." + name) }
}

@Suite("Patch errors and formatting")
struct PatchErrorTests {
    @Test(arguments: [
        (PatchError.Kind.badRequest, 400, "BadRequest"),
        (.unprocessable, 422, "Invalid"),
        (.tooManyOperations, 413, "RequestEntityTooLarge"),
        (.conflict, 409, "Conflict"),
        (.internalError, 500, ""),
    ])
    func statusCodes(kind: PatchError.Kind, code: Int, reason: String) {
        let error = PatchError(kind, "boom")
        #expect(error.statusCode == code)
        #expect(error.statusReason == reason)
    }

    @Test func unprocessableStatusKeepsOnlyUpstreamsSentence() {
        let error = PatchError(.unprocessable, "testing value /x failed: test failed", path: "/x")
        #expect(error.statusMessage == "the server rejected our request due to an error in our request")
        #expect(error.description == "testing value /x failed: test failed")
    }

    @Test func pathIsAddedToTheDescriptionWhenTheMessageLacksIt() {
        let error = PatchError(.internalError, "map: map[image:x] does not contain declared merge key: name")
            .within("[name=web]").within("containers").within("spec")
        #expect(error.path == "spec.containers[name=web]")
        #expect(error.description.hasSuffix("(at spec.containers[name=web])"))
    }

    @Test(arguments: [
        (JSONValue.double(1.5), "1.5"), (.double(100000), "100000"), (.double(1e6), "1e+06"),
        (.double(123456789), "1.23456789e+08"), (.double(0.0001), "0.0001"), (.double(0.00001), "1e-05"),
        (.double(-2.25), "-2.25"), (.int(42), "42"), (.null, "<nil>"),
        (JSONValue.object(["b": 1, "a": ["x", true]]), "map[a:[x true] b:1]"),
    ])
    func goValueFormatting(value: JSONValue, expected: String) {
        #expect(GoFormat.value(value) == expected)
    }

    @Test(arguments: [
        ("/metadata/labels/app", ["metadata", "labels", "app"]),
        ("/data/a~1b", ["data", "a/b"]),
        ("/data/t~0x", ["data", "t~x"]),
        ("/data/~01", ["data", "~1"]),
        ("/data/~~1", ["data", "~/"]),
        ("", []),
        ("/", [""]),
    ])
    func jsonPointerTokens(pointer: String, tokens: [String]) throws {
        let parsed = try #require(JSONPointer(pointer))
        #expect(parsed.tokens == tokens)
    }

    @Test func jsonPointerRoundTrips() throws {
        let pointer = JSONPointer(tokens: ["metadata", "annotations", "kubectl.kubernetes.io/last-applied~configuration"])
        #expect(pointer.description == "/metadata/annotations/kubectl.kubernetes.io~1last-applied~0configuration")
        #expect(JSONPointer(pointer.description) == pointer)
        #expect(JSONPointer("metadata") == nil)
    }
}
