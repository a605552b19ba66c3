import Foundation
import SwiftletAPI

/// The columns of each kind, following upstream's `pkg/printers/internalversion/printers.go`.
enum TableColumns {
    typealias Column = TableConvertor.Column

    static let name = Column(name: "Name", format: "name", description: "The object's unique name within its namespace.") {
        $0["metadata"]?["name"] ?? ""
    }
    static let age = Column(name: "Age", description: "Time since the object was created.") { TableConvertor.age($0["metadata"]?["creationTimestamp"]) }

    static func int(_ v: JSONValue?) -> JSONValue { .int(v?.intValue ?? 0) }

    static func containers(_ spec: JSONValue?) -> [JSONValue] { spec?["containers"]?.arrayValue ?? [] }

    static func containerNames(_ spec: JSONValue?) -> JSONValue {
        .string(containers(spec).compactMap { $0["name"]?.stringValue }.joined(separator: ","))
    }
    static func images(_ spec: JSONValue?) -> JSONValue {
        .string(containers(spec).compactMap { $0["image"]?.stringValue }.joined(separator: ","))
    }

    static func selectorString(_ selector: JSONValue?) -> JSONValue {
        guard let selector, let s = try? LabelSelector.from(selector) else { return "<none>" }
        let text = s.description
        return .string(text.isEmpty ? "<none>" : text)
    }

    static func mapSelector(_ selector: JSONValue?) -> JSONValue {
        guard case .object(let o)? = selector, !o.isEmpty else { return "<none>" }
        return .string(o.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ","))
    }

    static func workloadWide(_ templatePath: [String], selector: [String]) -> [Column] {
        [
            Column(name: "Containers", priority: 1, description: "Names of each container in the template.") { containerNames($0[path: templatePath]) },
            Column(name: "Images", priority: 1, description: "Images referenced by each container in the template.") { images($0[path: templatePath]) },
            Column(name: "Selector", priority: 1, description: "The label selector of the pods.") { selectorString($0[path: selector]) },
        ]
    }

    static func columns(for r: APIResourceInfo) -> [Column] {
        switch (r.group, r.kind) {
        case ("", "Pod"): return PodColumns.columns
        case ("apps", "Deployment"):
            return [name,
                    Column(name: "Ready", description: "Number of the pod with ready state") {
                        .string("\($0["status"]?["readyReplicas"]?.intValue ?? 0)/\($0["spec"]?["replicas"]?.intValue ?? 0)")
                    },
                    Column(name: "Up-to-date", type: "integer", description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec.") { int($0["status"]?["updatedReplicas"]) },
                    Column(name: "Available", type: "integer", description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.") { int($0["status"]?["availableReplicas"]) },
                    age] + workloadWide(["spec", "template", "spec"], selector: ["spec", "selector"])
        case ("apps", "ReplicaSet"), ("", "ReplicationController"):
            let selectorColumn = r.kind == "ReplicaSet"
                ? workloadWide(["spec", "template", "spec"], selector: ["spec", "selector"])
                : Array(workloadWide(["spec", "template", "spec"], selector: []).prefix(2)) + [
                    Column(name: "Selector", priority: 1, description: "The label selector of the pods.") { mapSelector($0["spec"]?["selector"]) }]
            return [name,
                    Column(name: "Desired", type: "integer", description: "Number of desired pods.") { int($0["spec"]?["replicas"]) },
                    Column(name: "Current", type: "integer", description: "Number of actual replicas.") { int($0["status"]?["replicas"]) },
                    Column(name: "Ready", type: "integer", description: "The number of ready replicas.") { int($0["status"]?["readyReplicas"]) },
                    age] + selectorColumn
        case ("apps", "StatefulSet"):
            return [name,
                    Column(name: "Ready", description: "Number of the pod with ready state") {
                        .string("\($0["status"]?["readyReplicas"]?.intValue ?? 0)/\($0["spec"]?["replicas"]?.intValue ?? 0)")
                    },
                    age] + workloadWide(["spec", "template", "spec"], selector: ["spec", "selector"]).prefix(2)
        case ("apps", "DaemonSet"):
            return [name,
                    Column(name: "Desired", type: "integer", description: "The number of nodes that should be running the daemon pod.") { int($0["status"]?["desiredNumberScheduled"]) },
                    Column(name: "Current", type: "integer", description: "The number of nodes running at least one daemon pod.") { int($0["status"]?["currentNumberScheduled"]) },
                    Column(name: "Ready", type: "integer", description: "The number of nodes with a ready daemon pod.") { int($0["status"]?["numberReady"]) },
                    Column(name: "Up-to-date", type: "integer", description: "The number of nodes running the updated daemon pod.") { int($0["status"]?["updatedNumberScheduled"]) },
                    Column(name: "Available", type: "integer", description: "The number of nodes with an available daemon pod.") { int($0["status"]?["numberAvailable"]) },
                    Column(name: "Node Selector", description: "The node selector of the pod template.") { mapSelector($0["spec"]?["template"]?["spec"]?["nodeSelector"]) },
                    age] + workloadWide(["spec", "template", "spec"], selector: ["spec", "selector"])
        case ("apps", "ControllerRevision"):
            return [name,
                    Column(name: "Controller", description: "The controller that owns this revision.") { o in
                        let owner = o["metadata"]?["ownerReferences"]?.arrayValue?.first { $0["controller"]?.boolValue == true }
                        guard let owner else { return "<none>" }
                        let group = (owner["apiVersion"]?.stringValue ?? "").split(separator: "/").dropLast().joined(separator: "/")
                        let kind = (owner["kind"]?.stringValue ?? "").lowercased()
                        return .string("\(kind)\(group.isEmpty ? "" : "." + group)/\(owner["name"]?.stringValue ?? "")")
                    },
                    Column(name: "Revision", type: "integer", description: "The revision number.") { int($0["revision"]) },
                    age]
        case ("batch", "Job"): return JobColumns.jobColumns
        case ("batch", "CronJob"): return JobColumns.cronJobColumns
        case ("", "Service"): return ServiceColumns.columns
        case ("", "Namespace"):
            return [name, Column(name: "Status", description: "The phase of the namespace.") { $0["status"]?["phase"] ?? "" }, age]
        case ("", "Node"): return NodeColumns.columns
        case ("", "ConfigMap"):
            return [name, Column(name: "Data", type: "integer", description: "Number of keys.") { o in
                .int(Int64((o["data"]?.objectValue?.count ?? 0) + (o["binaryData"]?.objectValue?.count ?? 0)))
            }, age]
        case ("", "Secret"):
            return [name,
                    Column(name: "Type", description: "The type of the secret.") { $0["type"] ?? "" },
                    Column(name: "Data", type: "integer", description: "Number of keys.") { .int(Int64($0["data"]?.objectValue?.count ?? 0)) },
                    age]
        case ("", "ServiceAccount"):
            return [name, Column(name: "Secrets", type: "integer", description: "Number of secrets.") { .int(Int64($0["secrets"]?.arrayValue?.count ?? 0)) }, age]
        case ("", "Endpoints"):
            return [name, Column(name: "Endpoints", description: "Addresses and ports of the endpoints.") { ServiceColumns.endpoints($0) }, age]
        case ("", "Event"): return EventColumns.columns
        case ("", "PersistentVolume"): return VolumeColumns.persistentVolume
        case ("", "PersistentVolumeClaim"): return VolumeColumns.persistentVolumeClaim
        case ("coordination.k8s.io", "Lease"):
            return [name, Column(name: "Holder", description: "The holder of the lease.") { $0["spec"]?["holderIdentity"] ?? "" }, age]
        case ("policy", "PodDisruptionBudget"):
            return [name,
                    Column(name: "Min Available", description: "The minimum number of pods that must be available.") { o in
                        o["spec"]?["minAvailable"].map { v in v.intValue.map { JSONValue.string(String($0)) } ?? v } ?? "N/A" },
                    Column(name: "Max Unavailable", description: "The maximum number of pods that may be unavailable.") { o in
                        o["spec"]?["maxUnavailable"].map { v in v.intValue.map { JSONValue.string(String($0)) } ?? v } ?? "N/A" },
                    Column(name: "Allowed Disruptions", type: "integer", description: "How many pods may be disrupted now.") { int($0["status"]?["disruptionsAllowed"]) },
                    age]
        case ("scheduling.k8s.io", "PriorityClass"):
            return [name,
                    Column(name: "Value", type: "integer", description: "The priority value.") { int($0["value"]) },
                    Column(name: "Global-Default", type: "boolean", description: "Whether this is the default priority class.") { .bool($0["globalDefault"]?.boolValue ?? false) },
                    age,
                    Column(name: "Preemption Policy", description: "Whether pods of this class preempt others.") { $0["preemptionPolicy"] ?? "PreemptLowerPriority" }]
        default:
            return [name, age]
        }
    }
}
