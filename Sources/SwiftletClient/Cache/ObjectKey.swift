import SwiftletAPI

/// The cache key of an object, as client-go's `MetaNamespaceKeyFunc`: `namespace/name`, or `name` for
/// cluster-scoped objects. Work queues carry these keys.
public enum ObjectKey {
    public static func of<Object: KubernetesObject>(_ object: Object) -> String {
        make(namespace: object.metadata?.namespace, name: object.metadata?.name ?? "")
    }

    public static func make(namespace: String?, name: String) -> String {
        guard let namespace, !namespace.isEmpty else { return name }
        return namespace + "/" + name
    }

    /// The namespace (nil for a cluster-scoped key) and name of a key.
    public static func split(_ key: String) -> (namespace: String?, name: String) {
        guard let slash = key.firstIndex(of: "/") else { return (nil, key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }
}

extension KubernetesObject {
    /// `namespace/name`, the work-queue key of an object.
    public var key: String {
        let ns = metadata?.namespace ?? ""
        return ns.isEmpty ? (metadata?.name ?? "") : "\(ns)/\(metadata?.name ?? "")"
    }
}
