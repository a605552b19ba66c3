/// A type with exactly one group-version-kind, which carries `apiVersion` and `kind` on the wire
/// (every generated kind, and also `Status`, `APIResourceList`, `Table` …).
public protocol KubernetesKind: Codable, Sendable, Hashable {
    static var groupVersionKind: GroupVersionKind { get }
    var apiVersion: String? { get set }
    var kind: String? { get set }
}

/// A stored object: a kind with `ObjectMeta` (Pod, Deployment, Lease …).
public protocol KubernetesObject: KubernetesKind {
    var metadata: ObjectMeta? { get set }
}

/// The list kind of a stored object (PodList …): `ListMeta` plus the items.
public protocol KubernetesList: KubernetesKind {
    associatedtype Item: KubernetesObject
    var metadata: ListMeta? { get set }
    var items: [Item]? { get set }
}

extension KubernetesKind {
    /// Sets `apiVersion` and `kind` from the type's group-version-kind, as the API server does before it
    /// writes an object out.
    public mutating func setTypeMeta() {
        apiVersion = Self.groupVersionKind.apiVersion
        kind = Self.groupVersionKind.kind
    }
}
