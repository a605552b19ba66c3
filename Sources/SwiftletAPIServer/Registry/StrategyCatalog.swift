import SwiftletAPI

/// Which strategy and name rule each resource uses.
enum StrategyCatalog {
    static func strategy(for r: APIResourceInfo, admission: AdmissionOptions = AdmissionOptions()) -> (any ResourceStrategy, ObjectMetaValidation.NameRule) {
        switch (r.group, r.kind) {
        case ("", "Namespace"): return (NamespaceStrategy(), .dns1123Label)
        case ("", "Pod"):
            return (PodStrategy(notReadyTolerationSeconds: admission.defaultNotReadyTolerationSeconds,
                                unreachableTolerationSeconds: admission.defaultUnreachableTolerationSeconds), .dns1123Subdomain)
        case ("", "Service"): return (ServiceStrategy(), .dns1035Label)
        case ("", "Node"): return (NodeStrategy(), .dns1123Subdomain)
        case ("", "ConfigMap"): return (ConfigMapStrategy(), .dns1123Subdomain)
        case ("", "PersistentVolumeClaim"): return (PersistentVolumeClaimStrategy(), .dns1123Subdomain)
        case ("", "PersistentVolume"): return (PersistentVolumeStrategy(), .dns1123Subdomain)
        case ("policy", "PodDisruptionBudget"): return (PodDisruptionBudgetStrategy(), .dns1123Subdomain)
        case ("scheduling.k8s.io", "PriorityClass"): return (PriorityClassStrategy(), .dns1123Subdomain)
        case ("coordination.k8s.io", "Lease"): return (LeaseStrategy(), .dns1123Subdomain)
        case ("apps", "ControllerRevision"): return (ControllerRevisionStrategy(), .dns1123Subdomain)
        case ("", "Event"): return (EventStrategy(), .dns1123Subdomain)
        case ("", "Endpoints"): return (EndpointsStrategy(), .dns1123Subdomain)
        case ("", "Secret"): return (SecretStrategy(), .dns1123Subdomain)
        case ("", "ReplicationController"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"), ("apps", "Deployment"),
             ("apps", "DaemonSet"), ("batch", "Job"), ("batch", "CronJob"):
            return (WorkloadStrategy(kind: r.kind), .dns1123Subdomain)
        default:
            return (DefaultStrategy(), .dns1123Subdomain)
        }
    }
}
