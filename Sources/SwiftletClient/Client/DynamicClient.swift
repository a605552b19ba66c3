import SwiftletAPI

/// An untyped client for any served resource: the same verbs as `ResourceClient`, objects as `JSONValue`
/// (what the garbage collector and generic tools use for kinds they do not know statically).
public struct DynamicClient: Sendable {
    public let transport: any APITransport
    public let resource: APIResourceInfo
    private let paths: ResourcePaths

    public init(transport: any APITransport, resource: APIResourceInfo) {
        self.transport = transport
        self.resource = resource
        self.paths = ResourcePaths(resource: resource)
    }

    /// The object `name`, or its `subresource`.
    public func get(_ name: String, namespace: String? = nil, subresource: String? = nil) async throws -> JSONValue {
        try await json(APIRequest(method: .get, path: try paths.object(name, namespace: namespace, subresource: subresource)))
    }

    /// One page of the collection; the list's `items` as the items.
    public func list(namespace: String? = nil, query: ListQuery = ListQuery()) async throws -> ObjectList<JSONValue> {
        let list = try await json(APIRequest(method: .get, path: paths.collection(namespace: namespace), query: query.queryItems()))
        let metadata = list["metadata"]
        return ObjectList(items: list["items"]?.arrayValue ?? [], resourceVersion: metadata?["resourceVersion"]?.stringValue ?? "",
                          continueToken: metadata?["continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
                          remainingItemCount: metadata?["remainingItemCount"]?.intValue)
    }

    /// Creates `object` in `namespace` (default: the object's own `metadata.namespace`).
    public func create(_ object: JSONValue, namespace: String? = nil, query: WriteQuery = WriteQuery()) async throws -> JSONValue {
        let namespace = namespace ?? object["metadata"]?["namespace"]?.stringValue
        return try await json(APIRequest(method: .post, path: paths.collection(namespace: namespace), query: query.queryItems,
                                         body: JSONSerializer.serialize(withTypeMeta(object)), contentType: "application/json"))
    }

    /// Replaces the object (or its `subresource`, such as `status`) named by its metadata.
    public func update(_ object: JSONValue, subresource: String? = nil, query: WriteQuery = WriteQuery()) async throws -> JSONValue {
        guard let name = object["metadata"]?["name"]?.stringValue else { throw APIError.badRequest("the object has no metadata.name") }
        let path = try paths.object(name, namespace: object["metadata"]?["namespace"]?.stringValue, subresource: subresource)
        return try await json(APIRequest(method: .put, path: path, query: query.queryItems,
                                         body: JSONSerializer.serialize(withTypeMeta(object)), contentType: "application/json"))
    }

    /// Replaces the object's status.
    public func updateStatus(_ object: JSONValue, query: WriteQuery = WriteQuery()) async throws -> JSONValue {
        try await update(object, subresource: "status", query: query)
    }

    /// Patches the object `name` (or its `subresource`) with a patch document of `type`.
    public func patch(_ name: String, namespace: String? = nil, type: PatchType, body: JSONValue, subresource: String? = nil,
                      query: WriteQuery = WriteQuery()) async throws -> JSONValue {
        try await json(APIRequest(method: .patch, path: try paths.object(name, namespace: namespace, subresource: subresource),
                                  query: query.queryItems, body: JSONSerializer.serialize(body), contentType: type.contentType))
    }

    /// Deletes the object `name`; returns the server's answer (the object, or a `Status`).
    @discardableResult
    public func delete(_ name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()) async throws -> JSONValue {
        try await json(APIRequest(method: .delete, path: try paths.object(name, namespace: namespace),
                                  body: try ObjectCoding.encode(deleteOptions: options), contentType: "application/json"))
    }

    /// Deletes every object the query selects; returns the deleted objects.
    @discardableResult
    public func deleteCollection(namespace: String? = nil, query: ListQuery = ListQuery(),
                                 options: DeleteOptions = DeleteOptions()) async throws -> [JSONValue] {
        let list = try await json(APIRequest(method: .delete, path: paths.collection(namespace: namespace), query: query.queryItems(),
                                             body: try ObjectCoding.encode(deleteOptions: options), contentType: "application/json"))
        return list["items"]?.arrayValue ?? []
    }

    /// Watches the collection from `query.resourceVersion`; events as the server sends them, `ERROR` included.
    public func watch(namespace: String? = nil, query: ListQuery = ListQuery()) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        try await transport.watch(APIRequest(method: .get, path: paths.collection(namespace: namespace), query: query.queryItems(watch: true)))
    }

    private func json(_ request: APIRequest) async throws -> JSONValue {
        try ObjectCoding.json(try await transport.send(request).body)
    }

    private func withTypeMeta(_ object: JSONValue) -> JSONValue {
        var object = object
        if object["apiVersion"] == nil { object["apiVersion"] = .string(resource.groupVersion) }
        if object["kind"] == nil { object["kind"] = .string(resource.kind) }
        return object
    }
}
