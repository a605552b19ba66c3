import SwiftletAPI

/// Workloads with a spec, a status subresource and a generation (Deployment, ReplicaSet, StatefulSet, …).
struct WorkloadStrategy: ResourceStrategy {
    let kind: String
    var tracksGeneration: Bool { true }
    var hasStatusSubresource: Bool { true }
    var selectableFields: [String] { kind == "ReplicaSet" || kind == "ReplicationController" ? ["status.replicas"] : [] }

    func prepareForCreate(_ object: inout JSONValue) {
        object["status"] = nil
        if kind == "Job", object["spec"]?["manualSelector"]?.boolValue != true {
            JobSelector.generate(&object)
        }
    }

    func applyDefaults(_ object: inout JSONValue) {
        WorkloadDefaults.apply(kind: kind, to: &object)
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        WorkloadValidation.validate(kind: kind, object)
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        WorkloadValidation.validate(kind: kind, object) + WorkloadValidation.validateUpdate(kind: kind, object, old: old)
    }
}
