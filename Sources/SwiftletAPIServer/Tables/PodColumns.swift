import SwiftletAPI

/// Pod columns, with upstream's rules for the STATUS reason (Init:…, CrashLoopBackOff, Completed, Terminating …).
enum PodColumns {
    typealias Column = TableConvertor.Column

    static let columns: [Column] = [
        TableColumns.name,
        Column(name: "Ready", description: "The aggregate readiness state of this pod for accepting traffic.") { pod in
            let statuses = pod["status"]?["containerStatuses"]?.arrayValue ?? []
            let total = pod["spec"]?["containers"]?.arrayValue?.count ?? 0
            let ready = statuses.filter { $0["ready"]?.boolValue == true }.count
            return .string("\(ready)/\(total)")
        },
        Column(name: "Status", description: "The aggregate status of the containers in this pod.") { .string(reason($0)) },
        Column(name: "Restarts", description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.") { pod in
            let statuses = (pod["status"]?["containerStatuses"]?.arrayValue ?? [])
            let restarts = statuses.reduce(Int64(0)) { $0 + ($1["restartCount"]?.intValue ?? 0) }
            return .string(String(restarts))
        },
        TableColumns.age,
        Column(name: "IP", priority: 1, description: "The IP address assigned to the pod.") { pod in
            pod["status"]?["podIP"] ?? "<none>"
        },
        Column(name: "Node", priority: 1, description: "The node the pod is assigned to.") { pod in
            pod["spec"]?["nodeName"] ?? "<none>"
        },
        Column(name: "Nominated Node", priority: 1, description: "The node the scheduler nominated for this pod.") { pod in
            pod["status"]?["nominatedNodeName"] ?? "<none>"
        },
        Column(name: "Readiness Gates", priority: 1, description: "The readiness gates of the pod.") { pod in
            let gates = pod["spec"]?["readinessGates"]?.arrayValue ?? []
            if gates.isEmpty { return "<none>" }
            let conditions = pod["status"]?["conditions"]?.arrayValue ?? []
            let met = gates.filter { g in
                conditions.contains { $0["type"] == g["conditionType"] && $0["status"]?.stringValue == "True" }
            }.count
            return .string("\(met)/\(gates.count)")
        },
    ]

    /// The STATUS column as upstream's `printPod` computes it.
    static func reason(_ pod: JSONValue) -> String {
        let status = pod["status"]
        var reason = status?["phase"]?.stringValue ?? "Pending"
        if let r = status?["reason"]?.stringValue, !r.isEmpty { reason = r }
        let initStatuses = status?["initContainerStatuses"]?.arrayValue ?? []
        let initCount = pod["spec"]?["initContainers"]?.arrayValue?.count ?? 0
        var initializing = false
        for (i, c) in initStatuses.enumerated() {
            if let t = c["state"]?["terminated"], t["exitCode"]?.intValue == 0 { continue }
            if let t = c["state"]?["terminated"] {
                if let r = t["reason"]?.stringValue, !r.isEmpty { reason = "Init:" + r }
                else if let s = t["signal"]?.intValue, s != 0 { reason = "Init:Signal:\(s)" }
                else { reason = "Init:ExitCode:\(t["exitCode"]?.intValue ?? 0)" }
            } else if let w = c["state"]?["waiting"], let r = w["reason"]?.stringValue, !r.isEmpty, r != "PodInitializing" {
                reason = "Init:" + r
            } else {
                reason = "Init:\(i)/\(initCount)"
            }
            initializing = true
            break
        }
        if !initializing {
            var hasRunning = false
            for c in (status?["containerStatuses"]?.arrayValue ?? []).reversed() {
                if let w = c["state"]?["waiting"], let r = w["reason"]?.stringValue, !r.isEmpty {
                    reason = r
                } else if let t = c["state"]?["terminated"] {
                    if let r = t["reason"]?.stringValue, !r.isEmpty { reason = r }
                    else if let s = t["signal"]?.intValue, s != 0 { reason = "Signal:\(s)" }
                    else { reason = "ExitCode:\(t["exitCode"]?.intValue ?? 0)" }
                } else if c["ready"]?.boolValue == true, c["state"]?["running"] != nil {
                    hasRunning = true
                }
            }
            if reason == "Completed" && hasRunning {
                let ready = (status?["conditions"]?.arrayValue ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
                reason = ready ? "Running" : "NotReady"
            }
        }
        if pod["metadata"]?["deletionTimestamp"] != nil {
            reason = status?["reason"]?.stringValue == "NodeLost" ? "Unknown" : "Terminating"
        }
        return reason
    }
}
