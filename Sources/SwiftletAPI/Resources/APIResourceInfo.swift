/// One served resource: how it is named in URLs, discovery and the store.
public struct APIResourceInfo: Sendable, Hashable {
    public var group: String
    public var version: String
    public var kind: String
    /// The plural name used in URLs, such as `deployments`.
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var namespaced: Bool
    public var categories: [String]
    public var verbs: [String]
    /// Subresources served under `<plural>/<sub>`, such as `status` and `scale`.
    public var subresources: [String]

    public init(group: String, version: String, kind: String, plural: String, singular: String? = nil,
                shortNames: [String] = [], namespaced: Bool = true, categories: [String] = [],
                verbs: [String] = APIResourceInfo.allVerbs, subresources: [String] = []) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular ?? kind.lowercased()
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.categories = categories
        self.verbs = verbs
        self.subresources = subresources
    }

    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    public var gvk: GroupVersionKind { GroupVersionKind(group: group, version: version, kind: kind) }
    public var listKind: String { kind + "List" }

    /// `deployments.apps` or `pods`: how upstream names the resource in messages.
    public var qualifiedName: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// Store key prefix: `/registry/<group>/<plural>/` (the core group has none), as the kube-apiserver lays out etcd.
    public var storagePrefix: String {
        group.isEmpty ? "/registry/\(plural)/" : "/registry/\(group)/\(plural)/"
    }

    /// The store key of one object.
    public func storageKey(namespace: String?, name: String) -> String {
        if namespaced, let namespace { return storagePrefix + namespace + "/" + name }
        return storagePrefix + name
    }

    /// The URL path of the collection, optionally in a namespace.
    public func collectionPath(namespace: String?) -> String {
        let root = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { return "\(root)/namespaces/\(namespace)/\(plural)" }
        return "\(root)/\(plural)"
    }
}
