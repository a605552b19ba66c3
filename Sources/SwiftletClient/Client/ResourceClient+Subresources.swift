import SwiftletAPI

extension ResourceClient {
    /// The `scale` subresource of a Deployment, ReplicaSet, StatefulSet or ReplicationController.
    public func getScale(_ name: String, namespace: String? = nil) async throws -> Scale {
        let response = try await transport.send(APIRequest(method: .get, path: try paths.object(name, namespace: namespace, subresource: "scale")))
        return try ObjectCoding.decode(Scale.self, from: response.body)
    }

    /// Sets `spec.replicas` through the `scale` subresource; returns the resulting scale.
    public func updateScale(_ name: String, namespace: String? = nil, scale: Scale) async throws -> Scale {
        let request = APIRequest(method: .put, path: try paths.object(name, namespace: namespace, subresource: "scale"),
                                 body: try ObjectCoding.encode(scale), contentType: "application/json")
        return try ObjectCoding.decode(Scale.self, from: try await transport.send(request).body)
    }
}

extension ResourceClient where Object == Pod {
    /// Binds a pod to a node (the `binding` subresource), as the scheduler does: `binding.target` names the node.
    public func bind(_ binding: Binding, namespace: String) async throws {
        guard let name = binding.metadata?.name else { throw APIError.badRequest("a binding needs metadata.name (the pod's name)") }
        let request = APIRequest(method: .post, path: try paths.object(name, namespace: namespace, subresource: "binding"),
                                 body: try ObjectCoding.encode(binding), contentType: "application/json")
        _ = try await transport.send(request)
    }

    /// Evicts a pod (the `eviction` subresource), honouring PodDisruptionBudgets: a refusal throws
    /// `APIError` reason `tooManyRequests`.
    public func evict(_ name: String, namespace: String, options: DeleteOptions? = nil) async throws {
        let eviction = Eviction(metadata: ObjectMeta(name: name, namespace: namespace), deleteOptions: options)
        let request = APIRequest(method: .post, path: try paths.object(name, namespace: namespace, subresource: "eviction"),
                                 body: try ObjectCoding.encode(eviction), contentType: "application/json")
        _ = try await transport.send(request)
    }
}
