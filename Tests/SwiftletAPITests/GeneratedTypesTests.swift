import Foundation
import Testing

@testable import SwiftletAPI

private let deploymentJSON = #"""
    {
      "apiVersion": "apps/v1",
      "kind": "Deployment",
      "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "6d1b2c3e-0000-4000-8000-000000000001",
        "resourceVersion": "42",
        "generation": 3,
        "creationTimestamp": "2024-01-02T15:04:05Z",
        "labels": {"app": "web"},
        "annotations": {"deployment.kubernetes.io/revision": "2"}
      },
      "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
        "template": {
          "metadata": {"labels": {"app": "web"}},
          "spec": {
            "containers": [
              {
                "name": "nginx",
                "image": "nginx:1.27",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "resources": {
                  "requests": {"cpu": "500m", "memory": "128Mi"},
                  "limits": {"cpu": "1", "memory": "256Mi"}
                },
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5},
                "livenessProbe": {"tcpSocket": {"port": "http"}}
              }
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30
          }
        }
      },
      "status": {
        "observedGeneration": 3,
        "replicas": 3,
        "readyReplicas": 3,
        "conditions": [
          {
            "type": "Available",
            "status": "True",
            "lastUpdateTime": "2024-01-02T15:04:05Z",
            "lastTransitionTime": "2024-01-02T15:04:05Z",
            "reason": "MinimumReplicasAvailable"
          }
        ]
      }
    }
    """#

private let podJSON = #"""
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {
        "name": "web-7d4b9c-x2x9z",
        "namespace": "default",
        "ownerReferences": [
          {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c", "uid": "u-1", "controller": true, "blockOwnerDeletion": true}
        ]
      },
      "spec": {
        "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"], "env": [{"name": "MODE", "value": "test"}]}],
        "nodeName": "node-0",
        "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]
      },
      "status": {
        "phase": "Running",
        "podIP": "10.42.0.7",
        "startTime": "2024-01-02T15:04:05Z",
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-02T15:04:06Z"}],
        "containerStatuses": [
          {"name": "app", "ready": true, "restartCount": 0, "image": "busybox", "imageID": "sha256:abc",
           "state": {"running": {"startedAt": "2024-01-02T15:04:06Z"}}}
        ]
      }
    }
    """#

/// The JSON with object keys sorted, so documents compare independently of key order.
private func normalized(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let object):
        var out = JSONObject()
        for key in object.keys.sorted() { out[key] = normalized(object[key]!) }
        return .object(out)
    case .array(let items):
        return .array(items.map(normalized))
    default:
        return value
    }
}

private func roundTrip<T: Codable>(_ type: T.Type, _ json: String) throws -> (T, original: JSONValue, encoded: JSONValue) {
    let decoded = try JSONDecoder().decode(T.self, from: Data(json.utf8))
    let encoded = try JSONEncoder().encode(decoded)
    return (decoded, try JSONParser.parse(json), try JSONParser.parse(encoded))
}

@Suite struct GeneratedTypesTests {
    @Test func deploymentDecodesIntoTypedFieldsAndEncodesBackUnchanged() throws {
        let (deployment, original, encoded) = try roundTrip(Deployment.self, deploymentJSON)

        #expect(deployment.metadata?.name == "web")
        #expect(deployment.metadata?.generation == 3)
        #expect(deployment.metadata?.creationTimestamp?.rfc3339 == "2024-01-02T15:04:05Z")
        #expect(deployment.spec?.replicas == 3)
        #expect(deployment.spec?.selector?.matchLabels == ["app": "web"])
        #expect(deployment.spec?.strategy?.rollingUpdate?.maxSurge == .string("25%"))
        #expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable == .int(1))

        let container = try #require(deployment.spec?.template?.spec?.containers?.first)
        #expect(container.image == "nginx:1.27")
        #expect(container.ports?.first?.containerPort == 8080)
        #expect(container.resources?.requests?["cpu"] == Quantity("500m"))
        #expect(container.resources?.requests?["memory"] == Quantity("128Mi"))
        #expect(container.resources?.requests?["cpu"]?.milliValue == 500)
        #expect(container.readinessProbe?.httpGet?.port == .int(8080))
        #expect(container.livenessProbe?.tcpSocket?.port == .string("http"))
        #expect(deployment.status?.conditions?.first?.lastTransitionTime?.rfc3339 == "2024-01-02T15:04:05Z")

        #expect(normalized(encoded) == normalized(original))
    }

    @Test func podRoundTripsWithStatusAndOwnerReferences() throws {
        let (pod, original, encoded) = try roundTrip(Pod.self, podJSON)

        #expect(pod.metadata?.ownerReferences?.first?.controller == true)
        #expect(pod.spec?.containers?.first?.command == ["sleep", "3600"])
        #expect(pod.spec?.tolerations?.first?.tolerationSeconds == 300)
        #expect(pod.status?.phase == "Running")
        #expect(pod.status?.containerStatuses?.first?.state?.running?.startedAt?.rfc3339 == "2024-01-02T15:04:06Z")
        #expect(normalized(encoded) == normalized(original))
    }

    @Test func unknownEnumValuesAndMissingRequiredFieldsStillDecode() throws {
        // Validation, not the decoder, reports these.
        let json = #"{"spec": {"restartPolicy": "Sometimes", "containers": [{"image": "x"}]}}"#
        let pod = try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        #expect(pod.spec?.restartPolicy == "Sometimes")
        #expect(pod.spec?.containers?.first?.name == nil)
    }

    @Test func nullFieldsDecodeAsAbsent() throws {
        let json = #"{"metadata": {"name": "a", "labels": null}, "spec": null}"#
        let pod = try JSONDecoder().decode(Pod.self, from: Data(json.utf8))
        #expect(pod.metadata?.name == "a")
        #expect(pod.metadata?.labels == nil)
        #expect(pod.spec == nil)
    }

    @Test func kindsCarryTheirGroupVersionKind() {
        #expect(Deployment.groupVersionKind == GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"))
        #expect(Pod.groupVersionKind.apiVersion == "v1")
        #expect(Lease.groupVersionKind.apiVersion == "coordination.k8s.io/v1")
        #expect(PodList.groupVersionKind.kind == "PodList")
        #expect(PodList.Item.self == Pod.self)
        #expect(Status.groupVersionKind == GroupVersionKind(group: "", version: "v1", kind: "Status"))

        var deployment = Deployment(metadata: ObjectMeta(name: "web"))
        deployment.setTypeMeta()
        #expect(deployment.apiVersion == "apps/v1")
        #expect(deployment.kind == "Deployment")
    }

    @Test func genericCodeWorksOverObjectsAndLists() throws {
        func names<L: KubernetesList>(_ list: L) -> [String] { list.items?.compactMap { $0.metadata?.name } ?? [] }
        let list = PodList(items: [Pod(metadata: ObjectMeta(name: "a")), Pod(metadata: ObjectMeta(name: "b"))])
        #expect(names(list) == ["a", "b"])
        #expect(SchemaRegistry.shared.definition(for: Pod.self)?.name == "io.k8s.api.core.v1.Pod")
    }
}

extension GeneratedTypesTests {
    @Suite struct SchemaRegistryTests {
        let registry = SchemaRegistry.shared

        @Test func podSpecContainersIsAMergeListKeyedByName() throws {
            let containers = try #require(registry.definition(named: "io.k8s.api.core.v1.PodSpec")?.properties["containers"])
            #expect(containers.patchMergeKey == "name")
            #expect(containers.patchStrategy == "merge")
            #expect(containers.hasPatchStrategy("merge"))
            #expect(containers.listType == "map")
            #expect(containers.listMapKeys == ["name"])
            guard case .array(let item) = containers.type else {
                Issue.record("containers is \(containers.type), not an array")
                return
            }
            #expect(item.type == .reference("io.k8s.api.core.v1.Container"))
            #expect(containers.description != nil)
        }

        @Test func propertyPathsFollowReferencesArraysAndMaps() throws {
            let deployment = "io.k8s.api.apps.v1.Deployment"
            let containers = try #require(registry.property(of: deployment, path: ["spec", "template", "spec", "containers"]))
            #expect(containers.patchMergeKey == "name")

            let image = try #require(registry.property(of: deployment, path: ["spec", "template", "spec", "containers", "image"]))
            #expect(image.type == .string(format: nil))

            let label = try #require(registry.property(of: deployment, path: ["metadata", "labels", "app"]))
            #expect(label.type == .string(format: nil))

            let cpu = try #require(
                registry.property(of: deployment, path: ["spec", "template", "spec", "containers", "resources", "requests", "cpu"]))
            #expect(registry.resolvedType(of: cpu) == .quantity)

            let strategy = try #require(registry.property(of: deployment, path: ["spec", "strategy"]))
            #expect(strategy.patchStrategy == "retainKeys")

            #expect(registry.property(of: deployment, path: ["spec", "nope"]) == nil)
            #expect(registry.property(of: deployment, path: []) == nil)
        }

        @Test func definitionsAreFoundByGroupVersionKind() throws {
            let gvk = GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")
            let deployment = try #require(registry.definition(for: gvk))
            #expect(deployment.name == "io.k8s.api.apps.v1.Deployment")
            #expect(deployment.groupVersionKinds == [gvk])
            #expect(Array(deployment.properties.keys.prefix(5)) == ["apiVersion", "kind", "metadata", "spec", "status"])
            #expect(deployment.description != nil)
            #expect(deployment.properties["status"]?.description != nil)
            #expect(registry.definition(named: "io.k8s.apimachinery.pkg.apis.meta.v1.Condition")?.properties["status"]?.description
                == nil, "the kinds' common status description does not apply to conditions")
            #expect(registry.swiftTypeName(ofDefinition: deployment.name) == "Deployment")

            #expect(registry.definition(for: GroupVersionKind(group: "policy", version: "v1", kind: "Eviction")) != nil)
            #expect(registry.definition(for: GroupVersionKind(group: "", version: "v1", kind: "WatchEvent"))?.name
                == "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent")
            #expect(registry.definition(for: GroupVersionKind(group: "meta.k8s.io", version: "v1", kind: "Table")) != nil)
            #expect(registry.definition(named: "io.k8s.apimachinery.pkg.version.Info") != nil)
        }

        @Test func namedPrimitivesHaveTheirOwnTypes() {
            #expect(registry.definition(named: "io.k8s.apimachinery.pkg.api.resource.Quantity")?.type == .quantity)
            #expect(registry.definition(named: "io.k8s.apimachinery.pkg.util.intstr.IntOrString")?.type == .intOrString)
            #expect(registry.definition(named: "io.k8s.apimachinery.pkg.apis.meta.v1.Time")?.type == .string(format: "date-time"))
            #expect(registry.definition(named: "io.k8s.apimachinery.pkg.runtime.RawExtension")?.type == .object)
        }

        @Test func everyReferenceResolves() {
            func check(_ type: SchemaType, at location: String) {
                switch type {
                case .reference(let name):
                    #expect(registry.definition(named: name) != nil, "\(location) refers to missing \(name)")
                case .array(let item): check(item.type, at: location)
                case .map(let value): check(value.type, at: location)
                default: break
                }
            }
            #expect(registry.allDefinitions.count > 300)
            for definition in registry.allDefinitions {
                for (field, property) in definition.properties {
                    check(property.type, at: "\(definition.name).\(field)")
                }
            }
        }
    }

}

extension GeneratedTypesTests {
    @Suite struct OpenAPIV3SchemasTests {
        private func schemas(_ value: JSONValue) throws -> JSONObject { try #require(value.objectValue) }

        @Test func groupVersionSchemasUseComponentRefsAndCarryKinds() throws {
            let components = try schemas(OpenAPIV3Schemas.componentSchemas(group: "apps", version: "v1"))
            let deployment = try #require(components["io.k8s.api.apps.v1.Deployment"])

            #expect(deployment["type"] == "object")
            #expect(deployment["x-kubernetes-group-version-kind"] == [["group": "apps", "kind": "Deployment", "version": "v1"]])
            let metadata = try #require(deployment[path: ["properties", "metadata"]])
            #expect(metadata["allOf"] == [["$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]])
            #expect(metadata["default"] == .object([:]))
            #expect(deployment[path: ["properties", "apiVersion", "type"]] == "string")
            #expect(deployment[path: ["properties", "apiVersion", "nullable"]] == nil)

            let containers = try #require(components["io.k8s.api.core.v1.PodSpec"]?[path: ["properties", "containers"]])
            #expect(containers["type"] == "array")
            #expect(containers["x-kubernetes-patch-merge-key"] == "name")
            #expect(containers["x-kubernetes-patch-strategy"] == "merge")
            #expect(containers["x-kubernetes-list-map-keys"] == ["name"])
            #expect(containers[path: ["items", "allOf"]] == [["$ref": "#/components/schemas/io.k8s.api.core.v1.Container"]])
            #expect(components["io.k8s.api.core.v1.PodSpec"]?["required"] == ["containers"])

            #expect(components["io.k8s.apimachinery.pkg.api.resource.Quantity"]?["oneOf"] == [["type": "string"], ["type": "number"]])
            let intOrString = try #require(components["io.k8s.apimachinery.pkg.util.intstr.IntOrString"])
            #expect(intOrString["format"] == "int-or-string")
            #expect(intOrString["oneOf"] == [["type": "integer"], ["type": "string"]])
            #expect(components["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]?["format"] == "date-time")
            #expect(components["io.k8s.apimachinery.pkg.apis.meta.v1.Status"] != nil)
            #expect(components["io.k8s.api.core.v1.Pod"] == nil, "core kinds are not part of apps/v1")
        }

        @Test func everyRefPointsAtAComponent() throws {
            let components = try schemas(OpenAPIV3Schemas.componentSchemas(group: "", version: "v1"))
            var refs: [String] = []
            func collect(_ value: JSONValue) {
                switch value {
                case .object(let object):
                    for (key, child) in object {
                        if key == "$ref", let ref = child.stringValue { refs.append(ref) } else { collect(child) }
                    }
                case .array(let items): items.forEach(collect)
                default: break
                }
            }
            collect(.object(components))
            #expect(!refs.isEmpty)
            for ref in refs {
                #expect(ref.hasPrefix(OpenAPIV3Schemas.referencePrefix))
                #expect(components[String(ref.dropFirst(OpenAPIV3Schemas.referencePrefix.count))] != nil, "dangling \(ref)")
            }
            #expect(Array(components.keys) == components.keys.sorted())
        }

        @Test func documentHasPathsThatNameTheKind() throws {
            let deployments = APIResourceInfo(group: "apps", version: "v1", kind: "Deployment", plural: "deployments")
            let document = OpenAPIV3Schemas.document(group: "apps", version: "v1", resources: [deployments])
            #expect(document["openapi"] == "3.0.0")
            let list = try #require(document[path: ["paths", "/apis/apps/v1/namespaces/{namespace}/deployments", "get"]])
            #expect(list["x-kubernetes-group-version-kind"] == ["group": "apps", "kind": "Deployment", "version": "v1"])
            #expect(document[path: ["components", "schemas", "io.k8s.api.apps.v1.DeploymentList"]] != nil)
        }
    }
}
