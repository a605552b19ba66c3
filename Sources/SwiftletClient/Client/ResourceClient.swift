import SwiftletAPI

/// A typed client for one kind (`ResourceClient<Pod>`): the REST verbs of its resource, objects encoded
/// from and decoded into the generated Codable types.
///
/// Every method throws the server's `APIError` (`notFound`, `conflict`, `invalid` …) unchanged, so callers
/// test `error.reason` as client-go callers test `errors.IsNotFound`.
public struct ResourceClient<Object: KubernetesObject>: Sendable {
    public let transport: any APITransport
    public let resource: APIResourceInfo
    let paths: ResourcePaths
    /// Leaves `metadata.managedFields` out of listed and watched objects, as kube-controller-manager's and
    /// kube-scheduler's informers do: caches never need them, and decoding them is most of an object's cost.
    public var omitsManagedFields = false

    /// A client for `Object`'s resource as the catalog serves it.
    public init(transport: any APITransport) {
        guard let resource = ResourceCatalog.resource(for: Object.groupVersionKind) else {
            preconditionFailure("\(Object.groupVersionKind.kind) is not a served resource")
        }
        self.init(transport: transport, resource: resource)
    }

    /// A client for `Object` served as `resource`.
    public init(transport: any APITransport, resource: APIResourceInfo) {
        self.transport = transport
        self.resource = resource
        self.paths = ResourcePaths(resource: resource)
    }

    // MARK: reads

    /// The object `name` (in `namespace` for a namespaced resource).
    public func get(_ name: String, namespace: String? = nil, resourceVersion: String? = nil) async throws -> Object {
        var query: [APIRequest.QueryItem] = []
        if let resourceVersion { query.append(.init("resourceVersion", resourceVersion)) }
        let response = try await transport.send(APIRequest(method: .get, path: try paths.object(name, namespace: namespace), query: query))
        return try ObjectCoding.decode(Object.self, from: response.body)
    }

    /// One page of the collection (all namespaces when `namespace` is nil), with the list's resourceVersion.
    public func list(namespace: String? = nil, query: ListQuery = ListQuery()) async throws -> ObjectList<Object> {
        let response = try await transport.send(APIRequest(method: .get, path: paths.collection(namespace: namespace),
                                                           query: query.queryItems()))
        let body: ListBody<Object>
        if omitsManagedFields, var list = try? JSONParser.parse(response.body) {
            if case .array(var items)? = list["items"] {
                for i in items.indices { items[i].removeManagedFields() }
                list["items"] = .array(items)
            }
            body = try ObjectCoding.decode(ListBody<Object>.self, from: list)
        } else {
            body = try ObjectCoding.decode(ListBody<Object>.self, from: response.body)
        }
        return ObjectList(items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? "",
                          continueToken: body.metadata?.continue.flatMap { $0.isEmpty ? nil : $0 },
                          remainingItemCount: body.metadata?.remainingItemCount)
    }

    /// Every page of the collection, fetched `pageSize` items at a time; the resourceVersion is the first page's
    /// (all pages are read at it).
    public func listAll(namespace: String? = nil, query: ListQuery = ListQuery(), pageSize: Int = 500) async throws -> ObjectList<Object> {
        var query = query
        query.limit = pageSize
        query.continueToken = nil
        var page = try await list(namespace: namespace, query: query)
        var all = page
        while let token = page.continueToken {
            query.continueToken = token
            query.resourceVersion = nil
            page = try await list(namespace: namespace, query: query)
            all.items += page.items
        }
        all.continueToken = nil
        all.remainingItemCount = nil
        return all
    }

    /// Watches the collection (or, with a `metadata.name` field selector, one object) from `query.resourceVersion`.
    ///
    /// Without a resourceVersion the stream starts with an `added` event per existing object. A resourceVersion
    /// the server no longer has fails the stream with `APIError` reason `expired`/`gone` (410): re-list then.
    public func watch(namespace: String? = nil, query: ListQuery = ListQuery()) async throws
        -> AsyncThrowingStream<TypedWatchEvent<Object>, any Error>
    {
        let raw = try await transport.watch(APIRequest(method: .get, path: paths.collection(namespace: namespace),
                                                       query: query.queryItems(watch: true)))
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await event in raw {
                        var event = event
                        if omitsManagedFields { event.object?.removeManagedFields() }
                        continuation.yield(try Self.typed(event))
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    static func typed(_ event: WatchEvent) throws -> TypedWatchEvent<Object> {
        let object = event.object ?? .null
        switch event.eventType {
        case .added: return .added(try ObjectCoding.decode(Object.self, from: object))
        case .modified: return .modified(try ObjectCoding.decode(Object.self, from: object))
        case .deleted: return .deleted(try ObjectCoding.decode(Object.self, from: object))
        case .bookmark: return .bookmark(resourceVersion: object["metadata"]?["resourceVersion"]?.stringValue ?? "")
        case .error: throw APIError(status: object, code: Int(object["code"]?.intValue ?? 500))
        case nil: throw APIError.internalError("unknown watch event type \(event.type ?? "")")
        }
    }

    // MARK: writes

    /// Creates `object` in `namespace` (default: the object's own); returns it as stored.
    public func create(_ object: Object, namespace: String? = nil, query: WriteQuery = WriteQuery()) async throws -> Object {
        let namespace = namespace ?? object.metadata?.namespace
        if resource.namespaced && (namespace ?? "").isEmpty {
            throw APIError.badRequest("a namespace is required to create \(resource.qualifiedName)")
        }
        return try await write(.post, path: paths.collection(namespace: namespace), object: object, query: query)
    }

    /// Replaces the object named by `object.metadata` (its resourceVersion, when set, must still be current).
    public func update(_ object: Object, query: WriteQuery = WriteQuery()) async throws -> Object {
        try await write(.put, path: try path(of: object, subresource: nil), object: object, query: query)
    }

    /// Replaces the object's status (the `status` subresource); other changes are ignored by the server.
    public func updateStatus(_ object: Object, query: WriteQuery = WriteQuery()) async throws -> Object {
        try await write(.put, path: try path(of: object, subresource: "status"), object: object, query: query)
    }

    /// Patches the object `name` (or its `subresource`) with a patch document of `type`.
    public func patch(_ name: String, namespace: String? = nil, type: PatchType, body: JSONValue, subresource: String? = nil,
                      query: WriteQuery = WriteQuery()) async throws -> Object {
        let request = APIRequest(method: .patch, path: try paths.object(name, namespace: namespace, subresource: subresource),
                                 query: query.queryItems, body: JSONSerializer.serialize(body), contentType: type.contentType)
        return try ObjectCoding.decode(Object.self, from: try await transport.send(request).body)
    }

    /// Server-side apply of `object` (the fields the caller owns) as `fieldManager`; `force` takes over conflicting fields.
    public func apply(_ object: Object, fieldManager: String, force: Bool = false, subresource: String? = nil) async throws -> Object {
        guard let name = object.metadata?.name else { throw APIError.badRequest("an applied object needs metadata.name") }
        let query = WriteQuery(fieldManager: fieldManager, force: force)
        let request = APIRequest(method: .patch, path: try paths.object(name, namespace: object.metadata?.namespace, subresource: subresource),
                                 query: query.queryItems, body: try ObjectCoding.encode(object), contentType: PatchType.apply.contentType)
        return try ObjectCoding.decode(Object.self, from: try await transport.send(request).body)
    }

    /// Deletes the object `name`.
    ///
    /// Returns the object when the server answers with it (pods, and any object still held by finalizers or
    /// a grace period), nil when it answers with a `Status`.
    @discardableResult
    public func delete(_ name: String, namespace: String? = nil, options: DeleteOptions = DeleteOptions()) async throws -> Object? {
        let request = APIRequest(method: .delete, path: try paths.object(name, namespace: namespace),
                                 body: try ObjectCoding.encode(deleteOptions: options), contentType: "application/json")
        let response = try await transport.send(request)
        let value = try ObjectCoding.json(response.body)
        if value["kind"]?.stringValue == "Status" { return nil }
        return try ObjectCoding.decode(Object.self, from: response.body)
    }

    /// Deletes every object the query selects (in `namespace`, or everywhere); returns the deleted objects.
    @discardableResult
    public func deleteCollection(namespace: String? = nil, query: ListQuery = ListQuery(),
                                 options: DeleteOptions = DeleteOptions()) async throws -> [Object] {
        let request = APIRequest(method: .delete, path: paths.collection(namespace: namespace), query: query.queryItems(),
                                 body: try ObjectCoding.encode(deleteOptions: options), contentType: "application/json")
        let response = try await transport.send(request)
        return try ObjectCoding.decode(ListBody<Object>.self, from: response.body).items ?? []
    }

    // MARK: helpers

    private func write(_ method: APIRequest.Method, path: String, object: Object, query: WriteQuery) async throws -> Object {
        let request = APIRequest(method: method, path: path, query: query.queryItems, body: try ObjectCoding.encode(object),
                                 contentType: "application/json")
        return try ObjectCoding.decode(Object.self, from: try await transport.send(request).body)
    }

    private func path(of object: Object, subresource: String?) throws -> String {
        guard let name = object.metadata?.name else { throw APIError.badRequest("the object has no metadata.name") }
        return try paths.object(name, namespace: object.metadata?.namespace, subresource: subresource)
    }
}
