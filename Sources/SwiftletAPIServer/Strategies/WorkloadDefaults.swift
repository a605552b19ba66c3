import SwiftletAPI

/// Upstream's defaults for the workload kinds (`apps/v1` and `batch/v1` `SetDefaults_*`).
enum WorkloadDefaults {
    static func apply(kind: String, to object: inout JSONValue) {
        var spec = object["spec"] ?? .object([:])
        func setIfMissing(_ key: String, _ value: JSONValue) { if spec[key] == nil { spec[key] = value } }
        switch kind {
        case "Deployment":
            setIfMissing("replicas", 1)
            if spec["strategy"]?["type"] == nil { spec.set(path: ["strategy", "type"], to: "RollingUpdate") }
            if spec["strategy"]?["type"]?.stringValue == "RollingUpdate" {
                if spec["strategy"]?["rollingUpdate"]?["maxUnavailable"] == nil { spec.set(path: ["strategy", "rollingUpdate", "maxUnavailable"], to: "25%") }
                if spec["strategy"]?["rollingUpdate"]?["maxSurge"] == nil { spec.set(path: ["strategy", "rollingUpdate", "maxSurge"], to: "25%") }
            }
            setIfMissing("revisionHistoryLimit", 10)
            setIfMissing("progressDeadlineSeconds", 600)
        case "ReplicaSet":
            setIfMissing("replicas", 1)
        case "ReplicationController":
            setIfMissing("replicas", 1)
            if let labels = spec["template"]?["metadata"]?["labels"], case .object(let l) = labels, !l.isEmpty {
                if spec["selector"] == nil || spec["selector"]?.objectValue?.isEmpty == true { spec["selector"] = labels }
                if object["metadata"]?["labels"] == nil { object.set(path: ["metadata", "labels"], to: labels) }
            }
        case "StatefulSet":
            setIfMissing("replicas", 1)
            setIfMissing("podManagementPolicy", "OrderedReady")
            if spec["updateStrategy"]?["type"] == nil { spec.set(path: ["updateStrategy", "type"], to: "RollingUpdate") }
            if spec["updateStrategy"]?["type"]?.stringValue == "RollingUpdate", spec["updateStrategy"]?["rollingUpdate"]?["partition"] == nil {
                spec.set(path: ["updateStrategy", "rollingUpdate", "partition"], to: 0)
            }
            setIfMissing("revisionHistoryLimit", 10)
            if spec["persistentVolumeClaimRetentionPolicy"] == nil {
                spec["persistentVolumeClaimRetentionPolicy"] = ["whenDeleted": "Retain", "whenScaled": "Retain"]
            }
            if case .array(var templates)? = spec["volumeClaimTemplates"] {
                for i in templates.indices {
                    if templates[i]["spec"]?["volumeMode"] == nil { templates[i].set(path: ["spec", "volumeMode"], to: "Filesystem") }
                    if templates[i]["status"] == nil { templates[i]["status"] = ["phase": "Pending"] }
                    if templates[i]["apiVersion"] == nil { templates[i]["apiVersion"] = "v1" }
                    if templates[i]["kind"] == nil { templates[i]["kind"] = "PersistentVolumeClaim" }
                }
                spec["volumeClaimTemplates"] = .array(templates)
            }
        case "DaemonSet":
            if spec["updateStrategy"]?["type"] == nil { spec.set(path: ["updateStrategy", "type"], to: "RollingUpdate") }
            if spec["updateStrategy"]?["type"]?.stringValue == "RollingUpdate" {
                if spec["updateStrategy"]?["rollingUpdate"]?["maxUnavailable"] == nil { spec.set(path: ["updateStrategy", "rollingUpdate", "maxUnavailable"], to: 1) }
                if spec["updateStrategy"]?["rollingUpdate"]?["maxSurge"] == nil { spec.set(path: ["updateStrategy", "rollingUpdate", "maxSurge"], to: 0) }
            }
            setIfMissing("revisionHistoryLimit", 10)
        case "Job":
            applyJob(&spec)
        case "CronJob":
            setIfMissing("concurrencyPolicy", "Allow")
            setIfMissing("suspend", false)
            setIfMissing("successfulJobsHistoryLimit", 3)
            setIfMissing("failedJobsHistoryLimit", 1)
            if var jobSpec = spec["jobTemplate"]?["spec"] {
                applyJob(&jobSpec)
                spec.set(path: ["jobTemplate", "spec"], to: jobSpec)
            }
        default:
            break
        }
        let templatePath: [String] = kind == "CronJob" ? ["jobTemplate", "spec", "template", "spec"] : ["template", "spec"]
        if var podSpec = spec[path: templatePath] {
            PodSpecDefaults.apply(to: &podSpec)
            spec.set(path: templatePath, to: podSpec)
        }
        object["spec"] = spec
    }

    static func applyJob(_ spec: inout JSONValue) {
        if spec["completions"] == nil && spec["parallelism"] == nil {
            spec["completions"] = 1
            spec["parallelism"] = 1
        }
        if spec["parallelism"] == nil { spec["parallelism"] = 1 }
        if spec["backoffLimit"] == nil {
            spec["backoffLimit"] = spec["backoffLimitPerIndex"] != nil ? .int(Int64(Int32.max)) : 6
        }
        if spec["completionMode"] == nil { spec["completionMode"] = "NonIndexed" }
        if spec["suspend"] == nil { spec["suspend"] = false }
        if spec["manualSelector"] == nil, spec["podReplacementPolicy"] == nil {
            spec["podReplacementPolicy"] = spec["podFailurePolicy"] != nil ? "Failed" : "TerminatingOrFailed"
        }
    }
}
