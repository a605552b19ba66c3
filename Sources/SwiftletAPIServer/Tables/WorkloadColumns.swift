import Foundation
import SwiftletAPI

/// Job and CronJob columns.
enum JobColumns {
    typealias Column = TableConvertor.Column

    static let jobColumns: [Column] = [
        TableColumns.name,
        Column(name: "Status", description: "Status of the job.") { job in
            let conditions = job["status"]?["conditions"]?.arrayValue ?? []
            func has(_ t: String) -> Bool { conditions.contains { $0["type"]?.stringValue == t && $0["status"]?.stringValue == "True" } }
            if has("Complete") { return "Complete" }
            if has("Failed") { return "Failed" }
            if job["metadata"]?["deletionTimestamp"] != nil { return "Terminating" }
            if has("SuccessCriteriaMet") { return "SuccessCriteriaMet" }
            if has("FailureTarget") { return "FailureTarget" }
            if has("Suspended") { return "Suspended" }
            return "Running"
        },
        Column(name: "Completions", description: "The completion status of the job.") { job in
            let succeeded = job["status"]?["succeeded"]?.intValue ?? 0
            if let c = job["spec"]?["completions"]?.intValue { return .string("\(succeeded)/\(c)") }
            let parallelism = job["spec"]?["parallelism"]?.intValue ?? 0
            return .string(parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1")
        },
        Column(name: "Duration", description: "Time the job took to finish, or has been running.") { job in
            guard let start = job["status"]?["startTime"]?.stringValue.flatMap(RFC3339.parse) else { return "" }
            let end = job["status"]?["completionTime"]?.stringValue.flatMap(RFC3339.parse) ?? Date()
            return .string(TableConvertor.humanDuration(end.timeIntervalSince(start)))
        },
        TableColumns.age,
    ] + TableColumns.workloadWide(["spec", "template", "spec"], selector: ["spec", "selector"])

    static let cronJobColumns: [Column] = [
        TableColumns.name,
        Column(name: "Schedule", description: "The schedule in cron format.") { $0["spec"]?["schedule"] ?? "" },
        Column(name: "Timezone", description: "The time zone of the schedule.") { $0["spec"]?["timeZone"] ?? "<none>" },
        Column(name: "Suspend", type: "boolean", description: "Whether new runs are suspended.") { .bool($0["spec"]?["suspend"]?.boolValue ?? false) },
        Column(name: "Active", type: "integer", description: "Number of running jobs.") { .int(Int64($0["status"]?["active"]?.arrayValue?.count ?? 0)) },
        Column(name: "Last Schedule", description: "When a job was last scheduled.") { cj in
            guard let t = cj["status"]?["lastScheduleTime"] else { return "<none>" }
            return TableConvertor.age(t)
        },
        TableColumns.age,
    ] + TableColumns.workloadWide(["spec", "jobTemplate", "spec", "template", "spec"], selector: ["spec", "jobTemplate", "spec", "selector"])
}

/// Service and Endpoints columns.
enum ServiceColumns {
    typealias Column = TableConvertor.Column

    static let columns: [Column] = [
        TableColumns.name,
        Column(name: "Type", description: "The type of the service.") { $0["spec"]?["type"] ?? "ClusterIP" },
        Column(name: "Cluster-IP", description: "The cluster IP of the service.") { $0["spec"]?["clusterIP"] ?? "<none>" },
        Column(name: "External-IP", description: "External addresses of the service.") { svc in
            let type = svc["spec"]?["type"]?.stringValue ?? "ClusterIP"
            let external = (svc["spec"]?["externalIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch type {
            case "ExternalName": return svc["spec"]?["externalName"] ?? "<none>"
            case "LoadBalancer":
                let ingress = (svc["status"]?["loadBalancer"]?["ingress"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue ?? $0["hostname"]?.stringValue }
                let all = ingress + external
                return .string(all.isEmpty ? "<pending>" : all.joined(separator: ","))
            default:
                return .string(external.isEmpty ? "<none>" : external.joined(separator: ","))
            }
        },
        Column(name: "Port(s)", description: "The ports of the service.") { svc in
            let ports = svc["spec"]?["ports"]?.arrayValue ?? []
            if ports.isEmpty { return "<none>" }
            return .string(ports.map { p in
                let port = p["port"]?.intValue ?? 0
                let proto = p["protocol"]?.stringValue ?? "TCP"
                if let node = p["nodePort"]?.intValue, node != 0 { return "\(port):\(node)/\(proto)" }
                return "\(port)/\(proto)"
            }.joined(separator: ","))
        },
        TableColumns.age,
        Column(name: "Selector", priority: 1, description: "The pods the service selects.") { TableColumns.mapSelector($0["spec"]?["selector"]) },
    ]

    static func endpoints(_ ep: JSONValue) -> JSONValue {
        var parts: [String] = []
        for subset in ep["subsets"]?.arrayValue ?? [] {
            let ports = (subset["ports"]?.arrayValue ?? []).compactMap { $0["port"]?.intValue }
            for a in subset["addresses"]?.arrayValue ?? [] {
                let ip = a["ip"]?.stringValue ?? ""
                if ports.isEmpty { parts.append(ip) } else { parts += ports.map { "\(ip):\($0)" } }
            }
        }
        if parts.isEmpty { return "<none>" }
        let shown = parts.prefix(3).joined(separator: ",")
        return .string(parts.count > 3 ? shown + " + \(parts.count - 3) more..." : shown)
    }
}

/// Node columns.
enum NodeColumns {
    typealias Column = TableConvertor.Column

    static let columns: [Column] = [
        TableColumns.name,
        Column(name: "Status", description: "The status of the node.") { node in
            let conditions = node["status"]?["conditions"]?.arrayValue ?? []
            var status: [String] = []
            if let ready = conditions.first(where: { $0["type"] == "Ready" }) {
                status.append(ready["status"]?.stringValue == "True" ? "Ready" : "NotReady")
            } else {
                status.append("Unknown")
            }
            if node["spec"]?["unschedulable"]?.boolValue == true { status.append("SchedulingDisabled") }
            return .string(status.joined(separator: ","))
        },
        Column(name: "Roles", description: "The roles of the node.") { node in
            var roles: [String] = []
            for (k, _) in node["metadata"]?["labels"]?.objectValue ?? [:] {
                if k.hasPrefix("node-role.kubernetes.io/") { roles.append(String(k.dropFirst("node-role.kubernetes.io/".count))) }
            }
            return .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ","))
        },
        TableColumns.age,
        Column(name: "Version", description: "The version of the node agent.") { $0["status"]?["nodeInfo"]?["kubeletVersion"] ?? "" },
        Column(name: "Internal-IP", priority: 1, description: "The internal address of the node.") { address($0, "InternalIP") },
        Column(name: "External-IP", priority: 1, description: "The external address of the node.") { address($0, "ExternalIP") },
        Column(name: "OS-Image", priority: 1, description: "The operating system image.") { $0["status"]?["nodeInfo"]?["osImage"] ?? "<unknown>" },
        Column(name: "Kernel-Version", priority: 1, description: "The kernel version.") { $0["status"]?["nodeInfo"]?["kernelVersion"] ?? "<unknown>" },
        Column(name: "Container-Runtime", priority: 1, description: "The container runtime and its version.") { $0["status"]?["nodeInfo"]?["containerRuntimeVersion"] ?? "<unknown>" },
    ]

    static func address(_ node: JSONValue, _ type: String) -> JSONValue {
        (node["status"]?["addresses"]?.arrayValue ?? []).first { $0["type"]?.stringValue == type }?["address"] ?? "<none>"
    }
}

/// Event columns.
enum EventColumns {
    typealias Column = TableConvertor.Column

    static let columns: [Column] = [
        Column(name: "Last Seen", description: "Time since the event was last seen.") { e in
            TableConvertor.age(e["lastTimestamp"] ?? e["eventTime"] ?? e["metadata"]?["creationTimestamp"])
        },
        Column(name: "Type", description: "Normal or Warning.") { $0["type"] ?? "" },
        Column(name: "Reason", description: "Why the event happened.") { $0["reason"] ?? "" },
        Column(name: "Object", description: "The object the event is about.") { e in
            let kind = (e["involvedObject"]?["kind"]?.stringValue ?? "").lowercased()
            return .string("\(kind)/\(e["involvedObject"]?["name"]?.stringValue ?? "")")
        },
        Column(name: "Message", description: "What happened.") { $0["message"] ?? "" },
    ]
}

/// PersistentVolume and PersistentVolumeClaim columns.
enum VolumeColumns {
    typealias Column = TableConvertor.Column

    static func accessModes(_ modes: JSONValue?) -> JSONValue {
        let short = (modes?.arrayValue ?? []).compactMap(\.stringValue).map { m -> String in
            switch m {
            case "ReadWriteOnce": return "RWO"
            case "ReadOnlyMany": return "ROX"
            case "ReadWriteMany": return "RWX"
            case "ReadWriteOncePod": return "RWOP"
            default: return m
            }
        }
        return .string(short.joined(separator: ","))
    }

    static let persistentVolume: [Column] = [
        TableColumns.name,
        Column(name: "Capacity", description: "The storage capacity.") { $0["spec"]?["capacity"]?["storage"] ?? "" },
        Column(name: "Access Modes", description: "How the volume may be mounted.") { accessModes($0["spec"]?["accessModes"]) },
        Column(name: "Reclaim Policy", description: "What happens when the claim is released.") { $0["spec"]?["persistentVolumeReclaimPolicy"] ?? "" },
        Column(name: "Status", description: "The phase of the volume.") { $0["status"]?["phase"] ?? "" },
        Column(name: "Claim", description: "The claim bound to this volume.") { pv in
            guard let ref = pv["spec"]?["claimRef"] else { return "" }
            return .string("\(ref["namespace"]?.stringValue ?? "")/\(ref["name"]?.stringValue ?? "")")
        },
        Column(name: "StorageClass", description: "The storage class.") { $0["spec"]?["storageClassName"] ?? "" },
        Column(name: "VolumeAttributesClass", description: "The volume attributes class.") { $0["spec"]?["volumeAttributesClassName"] ?? "<unset>" },
        Column(name: "Reason", description: "Why the volume is in its phase.") { $0["status"]?["reason"] ?? "" },
        TableColumns.age,
    ]

    static let persistentVolumeClaim: [Column] = [
        TableColumns.name,
        Column(name: "Status", description: "The phase of the claim.") { $0["status"]?["phase"] ?? "" },
        Column(name: "Volume", description: "The volume bound to the claim.") { $0["spec"]?["volumeName"] ?? "" },
        Column(name: "Capacity", description: "The capacity of the bound volume.") { $0["status"]?["capacity"]?["storage"] ?? "" },
        Column(name: "Access Modes", description: "How the volume may be mounted.") { accessModes($0["status"]?["accessModes"]) },
        Column(name: "StorageClass", description: "The storage class.") { $0["spec"]?["storageClassName"] ?? "" },
        Column(name: "VolumeAttributesClass", description: "The volume attributes class.") { $0["spec"]?["volumeAttributesClassName"] ?? "<unset>" },
        TableColumns.age,
    ]
}
