import SwiftletAPI

/// PriorityClasses: values up to one billion for users, `system-` names reserved, the value fixed once set.
struct PriorityClassStrategy: ResourceStrategy {
    static let highestUserDefinable: Int64 = 1_000_000_000
    static let systemClasses = ["system-node-critical", "system-cluster-critical"]

    func applyDefaults(_ object: inout JSONValue) {
        if object["preemptionPolicy"] == nil { object["preemptionPolicy"] = "PreemptLowerPriority" }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        let value = object["value"]?.intValue ?? 0
        if Self.systemClasses.contains(name) { return errors }
        if name.hasPrefix("system-") {
            errors.append(.invalid("metadata.name", name, "Priority class names with 'system-' prefix are reserved."))
        }
        if value > Self.highestUserDefinable {
            errors.append(.forbidden("value", "maximum allowed value of a user defined priority is \(Self.highestUserDefinable)"))
        }
        if let policy = object["preemptionPolicy"]?.stringValue, !["PreemptLowerPriority", "Never"].contains(policy) {
            errors.append(.notSupported("preemptionPolicy", policy, ["Never", "PreemptLowerPriority"]))
        }
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        if object["value"] != old["value"] { errors.append(.forbidden("value", "may not be changed in an update.")) }
        if object["preemptionPolicy"] != old["preemptionPolicy"] {
            errors.append(.invalid("preemptionPolicy", object["preemptionPolicy"] ?? .null, "field is immutable"))
        }
        return errors
    }
}

/// Leases: positive durations and non-negative transitions.
struct LeaseStrategy: ResourceStrategy {
    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        if let d = object["spec"]?["leaseDurationSeconds"]?.intValue, d <= 0 {
            errors.append(.invalid("spec.leaseDurationSeconds", d, "must be greater than 0"))
        }
        if let t = object["spec"]?["leaseTransitions"]?.intValue, t < 0 {
            errors.append(.invalid("spec.leaseTransitions", t, "must be greater than or equal to 0"))
        }
        return errors
    }
}

/// ControllerRevisions: a non-negative revision and data that never changes.
struct ControllerRevisionStrategy: ResourceStrategy {
    func validate(_ object: JSONValue) -> [FieldError] {
        if let r = object["revision"]?.intValue, r < 0 {
            return [.invalid("revision", r, "must be greater than or equal to 0")]
        }
        return []
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        if !(object["data"] ?? .null).semanticallyEquals(old["data"] ?? .null) { errors.append(.invalid("data", object["data"] ?? .null, "field is immutable")) }
        return errors
    }
}

/// Nodes: status written through /status, taints with valid keys and effects, a pod CIDR that never changes once set.
struct NodeStrategy: ResourceStrategy {
    var hasStatusSubresource: Bool { true }

    /// Nodes may set everything on create, status included: kubelet registers with its status (upstream's
    /// node strategy keeps it).
    func prepareForCreate(_ object: inout JSONValue) {}
    var selectableFields: [String] { ["spec.unschedulable"] }

    func fields(of object: JSONValue) -> [String: String] {
        ["metadata.name": object["metadata"]?["name"]?.stringValue ?? "", "metadata.namespace": "",
         "spec.unschedulable": object["spec"]?["unschedulable"]?.boolValue == true ? "true" : "false"]
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        for (i, taint) in (object["spec"]?["taints"]?.arrayValue ?? []).enumerated() {
            let path = ValidationPath("spec.taints").index(i)
            let key = taint["key"]?.stringValue ?? ""
            for problem in LabelValidation.qualifiedNameProblems(key) {
                errors.append(.invalid(path.child("key").description, key, problem))
            }
            let effect = taint["effect"]?.stringValue ?? ""
            if effect.isEmpty {
                errors.append(.required(path.child("effect").description))
            } else if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                errors.append(.notSupported(path.child("effect").description, effect, ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
            }
        }
        if let cidr = object["spec"]?["podCIDR"]?.stringValue, !cidr.isEmpty, IPv4CIDR(cidr) == nil {
            errors.append(.invalid("spec.podCIDR", cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"))
        }
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        if let oldCIDR = old["spec"]?["podCIDR"]?.stringValue, !oldCIDR.isEmpty, object["spec"]?["podCIDR"]?.stringValue != oldCIDR {
            errors.append(.forbidden("spec.podCIDR", "node updates may not change podCIDR except from \"\" to valid"))
        }
        return errors
    }
}
