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
        if let services = registry.storage(forKind: "Service") {
            // The `kubernetes` service every cluster has, on the first address of the service range.
            let object: JSONValue = ["apiVersion": "v1", "kind": "Service",
                                     "metadata": ["name": "kubernetes", "labels": ["component": "apiserver", "provider": "kubernetes"]],
                                     "spec": ["type": "ClusterIP", "clusterIP": .string(registry.serviceAddresses.apiServiceIP),
                                              "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]]]]
            if let error = await createIgnoringExisting(services, namespace: "default", object: object) {
                logger.warning("cannot create the kubernetes service", metadata: ["error": "\(error)"])
            }
        }
        if let classes = registry.storage(forKind: "PriorityClass", group: "scheduling.k8s.io") {
            // The two classes every cluster has (upstream's SystemPriorityClasses).
            let system: [(String, Int64, String)] = [
                ("system-node-critical", 2_000_001_000, "Used for system critical pods that must not be moved from their current node."),
                ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
            ]
            for (name, value, description) in system {
                let object: JSONValue = ["apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": .string(name)],
                                         "value": .int(value), "description": .string(description), "preemptionPolicy": "PreemptLowerPriority"]
                if let error = await createIgnoringExisting(classes, namespace: nil, object: object) {
                    logger.warning("cannot create priority class", metadata: ["name": "\(name)", "error": "\(error)"])
                }
            }
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
