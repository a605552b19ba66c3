import Logging
import SwiftletAPI

/// Creates what every cluster has from its first start: the four system namespaces and their default service accounts.
enum Bootstrap {
    static let namespaces = ["default", "kube-system", "kube-public", "kube-node-lease"]

    static func ensureDefaults(registry: ResourceRegistry, logger: Logger) async throws {
        guard let nsStorage = registry.storage(forKind: "Namespace"), let saStorage = registry.storage(forKind: "ServiceAccount") else { return }
        for name in namespaces {
            let object: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            if let error = await createIgnoringExisting(nsStorage, namespace: nil, object: object) { throw error }
        }
        for name in namespaces {
            let object: JSONValue = ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default"]]
            if let error = await createIgnoringExisting(saStorage, namespace: name, object: object) {
                logger.warning("cannot create default service account", metadata: ["namespace": "\(name)", "error": "\(error)"])
            }
        }
    }

    /// Creates the object; returns the error unless it is "already exists".
    private static func createIgnoringExisting(_ storage: ResourceStorage, namespace: String?, object: JSONValue) async -> APIError? {
        let result: Result<WriteResult, APIError>
        do {
            result = .success(try await storage.create(namespace: namespace, object: object, options: WriteOptions()))
        } catch {
            result = .failure(error)
        }
        if case .failure(let error) = result, error.reason != .alreadyExists { return error }
        return nil
    }
}
