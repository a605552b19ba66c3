import SwiftletAPI

/// PersistentVolumeClaims: access modes and a storage request required, Filesystem mode, Pending until bound;
/// the spec may only grow its request afterwards.
struct PersistentVolumeClaimStrategy: ResourceStrategy {
    var hasStatusSubresource: Bool { true }

    func prepareForCreate(_ object: inout JSONValue) {
        object["status"] = ["phase": "Pending"]
    }

    func applyDefaults(_ object: inout JSONValue) {
        if object["spec"]?["volumeMode"] == nil { object.set(path: ["spec", "volumeMode"], to: "Filesystem") }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        if (spec?["accessModes"]?.arrayValue ?? []).isEmpty {
            errors.append(.required("spec.accessModes", "at least 1 access mode is required"))
        }
        errors += PersistentVolumeStrategy.validateAccessModes(spec?["accessModes"], path: "spec.accessModes")
        if spec?["resources"]?["requests"]?["storage"] == nil {
            errors.append(.required("spec.resources[storage]"))
        } else if let q = spec?["resources"]?["requests"]?["storage"]?.stringValue, Quantity(q).map({ $0.value <= 0 }) ?? true {
            errors.append(.invalid("spec.resources[storage]", q, "must be greater than zero"))
        }
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        var newSpec = object["spec"], oldSpec = old["spec"]
        newSpec?["resources"] = nil
        oldSpec?["resources"] = nil
        newSpec?["volumeAttributesClassName"] = nil
        oldSpec?["volumeAttributesClassName"] = nil
        // Binding fills in volumeName once.
        if oldSpec?["volumeName"] == nil { newSpec?["volumeName"] = nil }
        if !(newSpec ?? .null).semanticallyEquals(oldSpec ?? .null) {
            errors.append(.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
        }
        return errors
    }
}

/// PersistentVolumes: capacity, access modes and exactly one volume source; Retain by default.
struct PersistentVolumeStrategy: ResourceStrategy {
    var hasStatusSubresource: Bool { true }
    static let sources = ["hostPath", "local", "nfs", "csi", "iscsi", "fc", "rbd", "cephfs", "cinder", "azureDisk", "azureFile",
                          "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "flexVolume", "flocker", "vsphereVolume",
                          "quobyte", "portworxVolume", "scaleIO", "storageos", "photonPersistentDisk"]
    static let accessModes = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]

    static func validateAccessModes(_ modes: JSONValue?, path: String) -> [FieldError] {
        (modes?.arrayValue ?? []).compactMap { m in
            let s = m.stringValue ?? ""
            return accessModes.contains(s) ? nil : .notSupported(path, s, accessModes)
        }
    }

    func prepareForCreate(_ object: inout JSONValue) {
        object["status"] = ["phase": "Pending"]
    }

    func applyDefaults(_ object: inout JSONValue) {
        if object["spec"]?["persistentVolumeReclaimPolicy"] == nil { object.set(path: ["spec", "persistentVolumeReclaimPolicy"], to: "Retain") }
        if object["spec"]?["volumeMode"] == nil { object.set(path: ["spec", "volumeMode"], to: "Filesystem") }
        if case .object = object["spec"]?["hostPath"], object["spec"]?["hostPath"]?["type"] == nil {
            object.set(path: ["spec", "hostPath", "type"], to: "")
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        if (spec?["accessModes"]?.arrayValue ?? []).isEmpty {
            errors.append(.required("spec.accessModes"))
        }
        errors += Self.validateAccessModes(spec?["accessModes"], path: "spec.accessModes")
        if spec?["capacity"]?["storage"] == nil { errors.append(.required("spec.capacity")) }
        let present = Self.sources.filter { spec?[$0] != nil }
        if present.isEmpty { errors.append(.required("spec", "must specify a volume type")) }
        if present.count > 1 { errors.append(.forbidden("spec.\(present[1])", "may not specify more than 1 volume type")) }
        let policy = spec?["persistentVolumeReclaimPolicy"]?.stringValue ?? "Retain"
        if !["Retain", "Delete", "Recycle"].contains(policy) {
            errors.append(.notSupported("spec.persistentVolumeReclaimPolicy", policy, ["Delete", "Recycle", "Retain"]))
        }
        return errors
    }
}

/// PodDisruptionBudgets: minAvailable or maxUnavailable, not both.
struct PodDisruptionBudgetStrategy: ResourceStrategy {
    var tracksGeneration: Bool { true }
    var hasStatusSubresource: Bool { true }

    func applyDefaults(_ object: inout JSONValue) {
        if object["spec"]?["unhealthyPodEvictionPolicy"] == nil, object["spec"] != nil {
            // Left unset upstream unless given; nothing to default.
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = object["spec"]
        if spec?["minAvailable"] != nil && spec?["maxUnavailable"] != nil {
            errors.append(.invalid("spec", spec ?? .null, "minAvailable and maxUnavailable cannot be both set"))
        }
        for field in ["minAvailable", "maxUnavailable"] {
            guard let v = spec?[field] else { continue }
            if let i = v.intValue, i < 0 { errors.append(.invalid("spec.\(field)", i, "must be greater than or equal to 0")) }
            if let s = v.stringValue {
                if let percent = Int(s.dropLast()), s.hasSuffix("%") {
                    if percent < 0 || percent > 100 { errors.append(.invalid("spec.\(field)", s, "must not be greater than 100%")) }
                } else {
                    errors.append(.invalid("spec.\(field)", s, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"))
                }
            }
        }
        if let policy = spec?["unhealthyPodEvictionPolicy"]?.stringValue, !["IfHealthyBudget", "AlwaysAllow"].contains(policy) {
            errors.append(.notSupported("spec.unhealthyPodEvictionPolicy", policy, ["AlwaysAllow", "IfHealthyBudget"]))
        }
        return errors
    }
}
