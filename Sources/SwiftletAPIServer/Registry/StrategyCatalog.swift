import SwiftletAPI

/// Which strategy and name rule each resource uses.
enum StrategyCatalog {
    static func strategy(for r: APIResourceInfo) -> (any ResourceStrategy, ObjectMetaValidation.NameRule) {
        switch (r.group, r.kind) {
        case ("", "Namespace"): return (NamespaceStrategy(), .dns1123Label)
        case ("", "Pod"): return (PodStrategy(), .dns1123Subdomain)
        case ("", "Service"): return (ServiceStrategy(), .dns1035Label)
        case ("", "Node"): return (DefaultStrategy(hasStatusSubresource: true, selectable: ["spec.unschedulable"]), .dns1123Subdomain)
        case ("", "Event"): return (EventStrategy(), .dns1123Subdomain)
        case ("", "Secret"): return (DefaultStrategy(selectable: ["type"]), .dns1123Subdomain)
        case ("", "ReplicationController"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "Deployment"),
             ("apps", "DaemonSet"), ("batch", "Job"), ("batch", "CronJob"):
            return (WorkloadStrategy(kind: r.kind), .dns1123Subdomain)
        case ("", "PersistentVolumeClaim"), ("", "PersistentVolume"), ("policy", "PodDisruptionBudget"):
            return (DefaultStrategy(tracksGeneration: r.kind == "PodDisruptionBudget", hasStatusSubresource: true), .dns1123Subdomain)
        default:
            return (DefaultStrategy(), .dns1123Subdomain)
        }
    }
}
