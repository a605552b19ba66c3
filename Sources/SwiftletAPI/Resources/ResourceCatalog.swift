/// Every resource Swiftlet serves, in discovery order; the single source for routing, discovery, OpenAPI and the store layout.
public enum ResourceCatalog {
    private static let rw = ["get", "patch", "update"]

    public static let all: [APIResourceInfo] = [
        // core/v1
        .init(group: "", version: "v1", kind: "Binding", plural: "bindings", verbs: ["create"]),
        .init(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", shortNames: ["cm"]),
        .init(group: "", version: "v1", kind: "Endpoints", plural: "endpoints", singular: "endpoints", shortNames: ["ep"]),
        .init(group: "", version: "v1", kind: "Event", plural: "events", shortNames: ["ev"]),
        .init(group: "", version: "v1", kind: "Namespace", plural: "namespaces", shortNames: ["ns"], namespaced: false,
              verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], subresources: ["finalize", "status"]),
        .init(group: "", version: "v1", kind: "Node", plural: "nodes", shortNames: ["no"], namespaced: false, subresources: ["status"]),
        .init(group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", shortNames: ["pvc"],
              subresources: ["status"]),
        .init(group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", shortNames: ["pv"], namespaced: false,
              subresources: ["status"]),
        .init(group: "", version: "v1", kind: "Pod", plural: "pods", shortNames: ["po"], categories: ["all"],
              subresources: ["binding", "eviction", "log", "status"]),
        .init(group: "", version: "v1", kind: "ReplicationController", plural: "replicationcontrollers", shortNames: ["rc"],
              categories: ["all"], subresources: ["scale", "status"]),
        .init(group: "", version: "v1", kind: "Secret", plural: "secrets"),
        .init(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", shortNames: ["sa"]),
        .init(group: "", version: "v1", kind: "Service", plural: "services", shortNames: ["svc"], categories: ["all"],
              verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], subresources: ["status"]),
        // apps/v1
        .init(group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions"),
        .init(group: "apps", version: "v1", kind: "DaemonSet", plural: "daemonsets", shortNames: ["ds"], categories: ["all"],
              subresources: ["status"]),
        .init(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", shortNames: ["deploy"], categories: ["all"],
              subresources: ["scale", "status"]),
        .init(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", shortNames: ["rs"], categories: ["all"],
              subresources: ["scale", "status"]),
        .init(group: "apps", version: "v1", kind: "StatefulSet", plural: "statefulsets", shortNames: ["sts"], categories: ["all"],
              subresources: ["scale", "status"]),
        // batch/v1
        .init(group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", shortNames: ["cj"], categories: ["all"],
              subresources: ["status"]),
        .init(group: "batch", version: "v1", kind: "Job", plural: "jobs", categories: ["all"], subresources: ["status"]),
        // coordination.k8s.io/v1
        .init(group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases"),
        // policy/v1
        .init(group: "policy", version: "v1", kind: "PodDisruptionBudget", plural: "poddisruptionbudgets", shortNames: ["pdb"],
              subresources: ["status"]),
        // scheduling.k8s.io/v1
        .init(group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses", shortNames: ["pc"],
              namespaced: false),
    ]

    /// Group-versions in the order discovery lists them (core first).
    public static var groupVersions: [(group: String, version: String)] {
        var seen: [String] = []
        var result: [(String, String)] = []
        for r in all where !seen.contains(r.groupVersion) {
            seen.append(r.groupVersion)
            result.append((r.group, r.version))
        }
        return result
    }

    private static let byPath: [String: APIResourceInfo] = {
        var map: [String: APIResourceInfo] = [:]
        for r in all { map["\(r.group)/\(r.version)/\(r.plural)"] = r }
        return map
    }()

    private static let byKind: [String: APIResourceInfo] = {
        var map: [String: APIResourceInfo] = [:]
        for r in all { map["\(r.group)/\(r.version)/\(r.kind)"] = r }
        return map
    }()

    public static func resource(group: String, version: String, plural: String) -> APIResourceInfo? {
        byPath["\(group)/\(version)/\(plural)"]
    }

    public static func resource(for gvk: GroupVersionKind) -> APIResourceInfo? {
        byKind["\(gvk.group)/\(gvk.version)/\(gvk.kind)"]
    }

    /// The resource whose objects live under a store key (longest prefix wins).
    public static func resource(forStorageKey key: String) -> APIResourceInfo? {
        for r in all where key.hasPrefix(r.storagePrefix) { return r }
        return nil
    }
}
