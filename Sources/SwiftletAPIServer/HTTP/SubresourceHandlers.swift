import Hummingbird
import SwiftletAPI

/// The subresources that are not plain views of the object: scale, binding, eviction, namespace finalize.
enum SubresourceHandlers {
    /// The `autoscaling/v1` Scale of a workload.
    static func scale(of object: JSONValue, resource: APIResourceInfo) throws -> JSONValue {
        let meta = object["metadata"]
        var scaleMeta: JSONObject = [:]
        for field in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let v = meta?[field] { scaleMeta[field] = v }
        }
        var status: JSONObject = ["replicas": .int(object["status"]?["replicas"]?.intValue ?? 0)]
        let selector: String
        if resource.kind == "ReplicationController" {
            let s = (object["spec"]?["selector"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" }
            selector = s.joined(separator: ",")
        } else {
            selector = (try? LabelSelector.from(object["spec"]?["selector"]))?.description ?? ""
        }
        if !selector.isEmpty { status["selector"] = .string(selector) }
        return ["kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": .object(scaleMeta),
                "spec": ["replicas": .int(object["spec"]?["replicas"]?.intValue ?? 0)], "status": .object(status)]
    }

    static func validateScale(_ replicas: JSONValue?, name: String) throws {
        guard let replicas else { return }
        guard let n = replicas.intValue else {
            throw APIError.badRequest("Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal \(replicas.typeName) into Go struct field ScaleSpec.spec.replicas of type int32")
        }
        if n < 0 {
            throw APIError.invalid(kind: "Scale", group: "autoscaling", name: name,
                                   errors: [.invalid("spec.replicas", n, "must be greater than or equal to 0")])
        }
    }

    static func updateScale(_ storage: ResourceStorage, namespace: String?, name: String, body: JSONValue, options: WriteOptions) async throws -> Response {
        try validateScale(body["spec"]?["replicas"], name: name)
        let precondition = try ResourceStorage.parseResourceVersion(body["metadata"]?["resourceVersion"]?.stringValue)
        let replicas = body["spec"]?["replicas"]?.intValue ?? 0
        let result = try await storage.guaranteedUpdate(namespace: namespace, name: name, precondition: precondition, options: options) { old in
            var object = old
            object.set(path: ["spec", "replicas"], to: .int(replicas))
            return try storage.prepareUpdate(object, old: old, subresource: "scale", options: options)
        }
        return ResponseWriting.json(try scale(of: result.object, resource: storage.resource))
    }

    static func patchScale(_ storage: ResourceStorage, namespace: String?, name: String, patch: [UInt8], contentType: String,
                           options: WriteOptions) async throws -> Response {
        let result = try await storage.guaranteedUpdate(namespace: namespace, name: name, precondition: nil, options: options) { old in
            let current = try scale(of: old, resource: storage.resource)
            let patched = try PatchHandler.applyPatch(patch, contentType: contentType, to: current, gvk: GroupVersionKind(group: "autoscaling", version: "v1", kind: "Scale"))
            try validateScale(patched["spec"]?["replicas"], name: name)
            if let rv = patched["metadata"]?["resourceVersion"]?.stringValue, rv != old["metadata"]?["resourceVersion"]?.stringValue {
                throw APIError.modifiedConflict(resource: storage.resource.plural, group: storage.resource.group, name: name)
            }
            var object = old
            object.set(path: ["spec", "replicas"], to: .int(patched["spec"]?["replicas"]?.intValue ?? 0))
            return try storage.prepareUpdate(object, old: old, subresource: "scale", options: options)
        }
        return ResponseWriting.json(try scale(of: result.object, resource: storage.resource))
    }

    /// `pods/binding`: assigns a pod to a node once, as the scheduler does.
    static func bind(_ storage: ResourceStorage, registry: ResourceRegistry, namespace: String?, name: String, body: DecodedBodyLike) async throws -> Response {
        let target = body.value["target"]
        guard let nodeName = target?["name"]?.stringValue, !nodeName.isEmpty else {
            throw APIError.invalid(kind: "Binding", group: "", name: name, errors: [.required("target.name")])
        }
        if let kind = target?["kind"]?.stringValue, !kind.isEmpty, kind != "Node" {
            throw APIError.invalid(kind: "Binding", group: "", name: name, errors: [.notSupported("target.kind", kind, ["Node"])])
        }
        _ = try await storage.guaranteedUpdate(namespace: namespace, name: name, precondition: nil, options: WriteOptions()) { old in
            if old["metadata"]?["deletionTimestamp"] != nil {
                throw APIError.conflict(resource: "pods", group: "", name: name, detail: "pod \(name) is being deleted, cannot be assigned to a host")
            }
            if let existing = old["spec"]?["nodeName"]?.stringValue, !existing.isEmpty {
                throw APIError.conflict(resource: "pods", group: "", name: name, detail: "pod \(name) is already assigned to node \"\(existing)\"")
            }
            var object = old
            object.set(path: ["spec", "nodeName"], to: .string(nodeName))
            var conditions = object["status"]?["conditions"]?.arrayValue ?? []
            conditions.removeAll { $0["type"]?.stringValue == "PodScheduled" }
            conditions.append(["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                               "lastTransitionTime": .string(Time.now().rfc3339)])
            object.set(path: ["status", "conditions"], to: .array(conditions))
            return object
        }
        return ResponseWriting.json(["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "code": 201],
                                    status: .created)
    }

    /// `pods/eviction`: deletes the pod unless its PodDisruptionBudget forbids it (see `PodEviction`).
    static func evict(_ storage: ResourceStorage, registry: ResourceRegistry, namespace: String?, name: String, body: DecodedBodyLike) async throws -> Response {
        try await PodEviction(pods: storage, registry: registry, namespace: namespace, name: name, body: body.value).run()
    }

    /// `namespaces/<name>/finalize`: replaces `spec.finalizers`, deleting the namespace when none remain.
    static func finalizeNamespace(_ storage: ResourceStorage, name: String, body: JSONValue, options: WriteOptions) async throws -> Response {
        let finalizers = body["spec"]?["finalizers"] ?? .array([])
        let result = try await storage.guaranteedUpdate(namespace: nil, name: name, precondition: nil, options: options) { old in
            var object = old
            object.set(path: ["spec", "finalizers"], to: finalizers.arrayValue?.isEmpty == false ? finalizers : nil)
            if object["spec"]?.objectValue?.isEmpty == true { object.set(path: ["spec"], to: .object([:])) }
            return object
        }
        return ResponseWriting.json(result.object)
    }
}

/// A decoded request body (shared by the handlers that take one).
protocol DecodedBodyLike {
    var value: JSONValue { get }
}

extension ResourceHandler.DecodedBody: DecodedBodyLike {}
