import SwiftletAPI

/// The URL paths of one resource's collections, objects and subresources.
struct ResourcePaths: Sendable {
    let resource: APIResourceInfo

    /// The collection, in `namespace` when the resource is namespaced and one is given (else across all).
    func collection(namespace: String?) -> String {
        resource.collectionPath(namespace: resource.namespaced ? namespace : nil)
    }

    /// One object or its subresource; a namespaced resource needs a namespace.
    func object(_ name: String, namespace: String?, subresource: String? = nil) throws -> String {
        guard !name.isEmpty else { throw APIError.badRequest("resource name may not be empty") }
        if resource.namespaced && (namespace ?? "").isEmpty {
            throw APIError.badRequest("an empty namespace may not be set when a resource name is provided")
        }
        var path = collection(namespace: namespace) + "/" + name
        if let subresource { path += "/" + subresource }
        return path
    }
}
