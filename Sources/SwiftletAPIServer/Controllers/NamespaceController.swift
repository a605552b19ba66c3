import Logging
import SwiftletAPI

/// Empties namespaces that are being deleted, then releases their `kubernetes` finalizer so they go
/// (upstream's namespace controller), and gives each active namespace its `default` service account
/// (upstream's service account controller).
struct NamespaceController {
    let registry: ResourceRegistry
    let logger: Logger

    func run() async {
        guard let namespaces = registry.storage(forKind: "Namespace") else { return }
        while !Task.isCancelled {
            let stream: AsyncStream<WatchDelivery>
            do {
                stream = try await namespaces.watch(namespace: nil, name: nil, options: ListOptions()).stream
            } catch {
                logger.warning("namespace controller cannot watch", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            let (ticks, tick) = AsyncStream.makeStream(of: WatchDelivery?.self)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await delivery in stream { tick.yield(delivery) }
                    tick.finish()
                }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(1))
                        tick.yield(nil)
                    }
                }
                await process(ticks, namespaces: namespaces)
                group.cancelAll()
            }
        }
    }

    /// Handles namespace events and, on every tick, retries the cleanup of terminating namespaces.
    private func process(_ ticks: AsyncStream<WatchDelivery?>, namespaces: ResourceStorage) async {
        var terminating = Set<String>()
        for await delivery in ticks {
            if let delivery {
                let name = delivery.object.name
                if delivery.type == "DELETED" {
                    terminating.remove(name)
                } else if delivery.object.object["metadata"]?["deletionTimestamp"] != nil {
                    terminating.insert(name)
                } else {
                    await ensureServiceAccount(in: name)
                }
            }
            for name in terminating where await cleanUp(namespace: name) {
                terminating.remove(name)
            }
        }
    }

    private func ensureServiceAccount(in namespace: String) async {
        guard let accounts = registry.storage(forKind: "ServiceAccount") else { return }
        if (try? await accounts.get(namespace: namespace, name: "default", resourceVersion: "0")) != nil { return }
        do {
            _ = try await accounts.create(namespace: namespace, object: ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "default"]],
                                          options: WriteOptions())
        } catch where error.reason == .alreadyExists || error.reason == .forbidden || error.reason == .notFound {
        } catch {
            logger.warning("cannot create default service account", metadata: ["namespace": "\(namespace)", "error": "\(error)"])
        }
    }

    /// Deletes everything in the namespace; once nothing remains, finalizes it. Returns true when the namespace is gone.
    private func cleanUp(namespace: String) async -> Bool {
        var remaining = 0
        for resource in ResourceCatalog.all where resource.namespaced && resource.verbs.contains("list") {
            guard let storage = registry.storage(for: resource) else { continue }
            guard let page = try? await storage.list(namespace: namespace, options: ListOptions()) else { continue }
            for item in page.items {
                remaining += 1
                if item.object["metadata"]?["deletionTimestamp"] != nil { continue }
                var options = DeleteOptions()
                options.propagationPolicy = "Background"
                _ = try? await storage.delete(namespace: namespace, name: item.name, options: options)
            }
        }
        if remaining > 0 { return false }
        guard let namespaces = registry.storage(forKind: "Namespace") else { return true }
        do {
            let result = try await namespaces.guaranteedUpdate(namespace: nil, name: namespace, precondition: nil, options: WriteOptions()) { old in
                var object = old
                var finalizers = (old["spec"]?["finalizers"]?.arrayValue ?? []).filter { $0.stringValue != "kubernetes" }
                if finalizers.isEmpty { object["spec"] = .object([:]) } else {
                    finalizers = finalizers.filter { _ in true }
                    object.set(path: ["spec", "finalizers"], to: .array(finalizers))
                }
                return object
            }
            if result.deleted { logger.info("namespace deleted", metadata: ["namespace": "\(namespace)"]) }
            return result.deleted
        } catch where error.reason == .notFound {
            return true
        } catch {
            logger.warning("cannot finalize namespace", metadata: ["namespace": "\(namespace)", "error": "\(error)"])
            return false
        }
    }
}
