import Logging
import SwiftletAPI
import SwiftletStore

/// Every resource's storage, wired to one store and one cache dispatcher.
public final class ResourceRegistry: Sendable {
    public let dispatcher: CacheDispatcher
    private let storages: [String: ResourceStorage]
    public var progress: RevisionProgress { dispatcher.progress }

    /// Hands out service cluster IPs and node ports.
    let serviceAddresses: ServiceAddressAllocator

    public init(store: any StoreBackend, resources: [APIResourceInfo] = ResourceCatalog.all,
                serviceCIDR: IPv4CIDR = IPv4CIDR("10.43.0.0/16")!, admission: AdmissionOptions = AdmissionOptions(), logger: Logger) {
        let dispatcher = CacheDispatcher(store: store, resources: resources, logger: logger)
        self.dispatcher = dispatcher
        var storages: [String: ResourceStorage] = [:]
        let namespaceResource = resources.first { $0.kind == "Namespace" && $0.group.isEmpty }!
        let namespaceCache = dispatcher.cache(for: namespaceResource)!
        let check: @Sendable (String, APIResourceInfo, String) async throws -> Void = { namespace, resource, name in
            var object = await namespaceCache.get(key: namespaceResource.storageKey(namespace: nil, name: namespace))?.object
            if object == nil, let kv = try? await store.get(namespaceResource.storageKey(namespace: nil, name: namespace)) {
                object = try? JSONParser.parse(kv.value)
            }
            guard let object else {
                throw APIError.notFound(resource: "namespaces", group: "", name: namespace)
            }
            if object["metadata"]?["deletionTimestamp"] != nil || object["status"]?["phase"]?.stringValue == "Terminating" {
                throw APIError.forbidden(resource: resource.plural, group: resource.group, name: name,
                                         detail: "unable to create new content in namespace \(namespace) because it is being terminated")
            }
        }
        let serviceResource = resources.first { $0.kind == "Service" && $0.group.isEmpty }!
        let allocator = ServiceAddressAllocator(cidr: serviceCIDR, cache: dispatcher.cache(for: serviceResource)!)
        self.serviceAddresses = allocator
        let priorities = resources.first { $0.kind == "PriorityClass" }.flatMap { dispatcher.cache(for: $0) }
            .map { PriorityAdmission(classes: $0, store: store) }
        for r in resources {
            let (strategy, nameRule) = StrategyCatalog.strategy(for: r, admission: admission)
            var admission: (@Sendable (inout JSONValue) async throws(APIError) -> Void)?
            if r == serviceResource {
                admission = { (object: inout JSONValue) async throws(APIError) in try await allocator.allocate(&object) }
            }
            if r.kind == "Pod", r.group.isEmpty, let priorities {
                admission = { (object: inout JSONValue) async throws(APIError) in try await priorities.admit(&object) }
            }
            storages["\(r.group)/\(r.version)/\(r.plural)"] = ResourceStorage(
                resource: r, strategy: strategy, nameRule: nameRule, store: store, cache: dispatcher.cache(for: r)!,
                progress: dispatcher.progress, writeHints: dispatcher.writeHints, createAdmission: admission, namespaceCheck: check)
        }
        self.storages = storages
    }

    public func storage(for resource: APIResourceInfo) -> ResourceStorage? {
        storages["\(resource.group)/\(resource.version)/\(resource.plural)"]
    }

    public func storage(forKind kind: String, group: String = "") -> ResourceStorage? {
        storages.values.first { $0.resource.kind == kind && $0.resource.group == group }
    }
}
