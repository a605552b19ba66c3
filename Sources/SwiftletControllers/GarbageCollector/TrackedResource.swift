import SwiftletAPI
import SwiftletClient

/// One kind the garbage collector follows, with its cache and the few writes it needs, erased to
/// closures so kinds of different Swift types sit in one table.
struct TrackedResource: Sendable {
    let kind: String
    let apiVersion: String
    let namespaced: Bool
    /// The cached object's owner-relevant metadata, by `namespace/name` key.
    let metadata: @Sendable (String) -> ObjectMeta?
    /// Keys of the cached objects that name `uid` as an owner.
    let dependents: @Sendable (String) -> [String]
    let delete: @Sendable (_ key: String, _ policy: String, _ uid: String?) async throws -> Void
    let patch: @Sendable (_ key: String, _ body: JSONValue) async throws -> Void
    let get: @Sendable (_ key: String) async throws -> ObjectMeta?
    /// Registers change and delete callbacks on the kind's informer.
    let addHandlers: @Sendable (_ onChange: @escaping @Sendable (ObjectMeta?) -> Void,
                                _ onDelete: @escaping @Sendable (ObjectMeta?) -> Void) -> Void

    static let ownerIndex = "ownerUID"

    static func make<Object: KubernetesObject>(_ type: Object.Type, informers: SharedInformerFactory, transport: any APITransport) -> TrackedResource {
        let informer = informers.informer(for: Object.self, indexers: [
            ownerIndex: { object in (object.metadata?.ownerReferences ?? []).compactMap(\.uid) }
        ])
        let client = ResourceClient<Object>(transport: transport)
        let gvk = Object.groupVersionKind
        let namespaced = ResourceCatalog.resource(for: gvk)?.namespaced ?? true
        return TrackedResource(
            kind: gvk.kind, apiVersion: gvk.apiVersion, namespaced: namespaced,
            metadata: { key in informer.indexer.get(key: key)?.metadata },
            dependents: { uid in informer.indexer.indexKeys(ownerIndex, uid) },
            delete: { key, policy, uid in
                let (namespace, name) = ObjectKey.split(key)
                var options = DeleteOptions(propagationPolicy: policy)
                if let uid { options.preconditions = Preconditions(uid: uid) }
                _ = try await client.delete(name, namespace: namespace, options: options)
            },
            patch: { key, body in
                let (namespace, name) = ObjectKey.split(key)
                _ = try await client.patch(name, namespace: namespace, type: .strategicMerge, body: body)
            },
            get: { key in
                let (namespace, name) = ObjectKey.split(key)
                do {
                    return try await client.get(name, namespace: namespace).metadata
                } catch let error as APIError where error.reason == .notFound {
                    return nil
                }
            },
            addHandlers: { onChange, onDelete in
                _ = informer.addEventHandler(ResourceEventHandler(
                    onAdd: { onChange($0.metadata) },
                    onUpdate: { _, new in onChange(new.metadata) },
                    onDelete: { onDelete($0.object.metadata) }))
            })
    }
}
