import SwiftletAPI

/// Pods: Pending on create with a QoS class, the admission defaults (service account, priority, the default
/// NoExecute tolerations), and upstream's rule that only a few spec fields may change.
struct PodStrategy: ResourceStrategy {
    var hasStatusSubresource: Bool { true }
    var returnsDeletedObject: Bool { true }
    var selectableFields: [String] {
        ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
         "status.phase", "status.podIP", "status.nominatedNodeName"]
    }

    /// Seconds the default not-ready and unreachable tolerations allow (`--default-*-toleration-seconds`).
    var notReadyTolerationSeconds: Int64 = 300
    var unreachableTolerationSeconds: Int64 = 300

    func fields(of object: JSONValue) -> [String: String] {
        var fields: [String: String] = [
            "metadata.name": object["metadata"]?["name"]?.stringValue ?? "",
            "metadata.namespace": object["metadata"]?["namespace"]?.stringValue ?? "",
        ]
        let spec = object["spec"], status = object["status"]
        fields["spec.nodeName"] = spec?["nodeName"]?.stringValue ?? ""
        fields["spec.restartPolicy"] = spec?["restartPolicy"]?.stringValue ?? ""
        fields["spec.schedulerName"] = spec?["schedulerName"]?.stringValue ?? ""
        fields["spec.serviceAccountName"] = spec?["serviceAccountName"]?.stringValue ?? ""
        fields["spec.hostNetwork"] = spec?["hostNetwork"]?.boolValue == true ? "true" : "false"
        fields["status.phase"] = status?["phase"]?.stringValue ?? ""
        fields["status.podIP"] = status?["podIP"]?.stringValue ?? ""
        fields["status.nominatedNodeName"] = status?["nominatedNodeName"]?.stringValue ?? ""
        return fields
    }

    func prepareForCreate(_ object: inout JSONValue) {
        var spec = object["spec"] ?? .object([:])
        if spec["serviceAccountName"] == nil { spec["serviceAccountName"] = spec["serviceAccount"] ?? "default" }
        spec["serviceAccount"] = spec["serviceAccountName"]
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        for (key, seconds) in [("node.kubernetes.io/not-ready", notReadyTolerationSeconds), ("node.kubernetes.io/unreachable", unreachableTolerationSeconds)] {
            let covered = tolerations.contains { t in
                let op = t["operator"]?.stringValue ?? "Equal"
                let effect = t["effect"]?.stringValue ?? ""
                return (effect.isEmpty || effect == "NoExecute") && ((t["key"]?.stringValue ?? "") == key || (op == "Exists" && (t["key"]?.stringValue ?? "").isEmpty))
            }
            if !covered {
                tolerations.append(["key": .string(key), "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": .int(seconds)])
            }
        }
        spec["tolerations"] = .array(tolerations)
        object["spec"] = spec
        object["status"] = ["phase": "Pending", "qosClass": .string(Self.qosClass(spec))]
    }

    func applyDefaults(_ object: inout JSONValue) {
        guard var spec = object["spec"], case .object = spec else { return }
        PodSpecDefaults.apply(to: &spec)
        if spec["enableServiceLinks"] == nil { spec["enableServiceLinks"] = true }
        // Requests default to limits (upstream's SetDefaults_Pod).
        for key in ["containers", "initContainers"] {
            guard case .array(var containers)? = spec[key] else { continue }
            for i in containers.indices {
                guard case .object(let limits)? = containers[i]["resources"]?["limits"] else { continue }
                var requests = containers[i]["resources"]?["requests"]?.objectValue ?? [:]
                for (name, value) in limits where requests[name] == nil { requests[name] = value }
                containers[i].set(path: ["resources", "requests"], to: .object(requests))
            }
            spec[key] = .array(containers)
        }
        object["spec"] = spec
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        PodSpecValidation.validate(object["spec"], path: ValidationPath("spec"))
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        func mutable(_ spec: JSONValue?) -> JSONValue? {
            guard var s = spec else { return nil }
            for key in ["containers", "initContainers"] {
                if case .array(var cs)? = s[key] {
                    for i in cs.indices { cs[i]["image"] = nil }
                    s[key] = .array(cs)
                }
            }
            s["activeDeadlineSeconds"] = nil
            s["tolerations"] = nil
            s["terminationGracePeriodSeconds"] = nil
            s["schedulingGates"] = nil
            return s
        }
        // Scheduling gates may only be removed (upstream's PodSchedulingReadiness).
        let oldGates = Set((old["spec"]?["schedulingGates"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        for gate in (object["spec"]?["schedulingGates"]?.arrayValue ?? []).compactMap({ $0["name"]?.stringValue }) where !oldGates.contains(gate) {
            errors.append(.forbidden("spec.schedulingGates", "only deletion is allowed, but found new scheduling gate '\(gate)'"))
        }
        if !(mutable(object["spec"]) ?? .null).semanticallyEquals(mutable(old["spec"]) ?? .null) {
            errors.append(.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"))
        }
        return errors
    }

    /// Guaranteed, Burstable or BestEffort, from the containers' requests and limits.
    static func qosClass(_ spec: JSONValue) -> String {
        var anySet = false
        var guaranteed = true
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        for c in containers {
            let requests = c["resources"]?["requests"]?.objectValue ?? [:]
            let limits = c["resources"]?["limits"]?.objectValue ?? [:]
            if !requests.isEmpty || !limits.isEmpty { anySet = true }
            for resource in ["cpu", "memory"] {
                guard let limit = limits[resource]?.stringValue.flatMap(Quantity.init) else { guaranteed = false; continue }
                let request = requests[resource]?.stringValue.flatMap(Quantity.init) ?? limit
                if request != limit { guaranteed = false }
            }
        }
        if !anySet { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
