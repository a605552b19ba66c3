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
        if kind == "DaemonSet" {
            // Upstream keeps spec.templateGeneration internally and shows it as this annotation in apps/v1.
            let given = object["metadata"]?["annotations"]?[Self.templateGenerationAnnotation]?.stringValue.flatMap { Int64($0) } ?? 0
            object.set(path: ["metadata", "annotations", Self.templateGenerationAnnotation], to: .string(String(max(given, 1))))
        }
    }

    func prepareForUpdate(_ object: inout JSONValue, old: JSONValue) {
        object["status"] = old["status"]
        guard kind == "DaemonSet" else { return }
        // The template generation is the server's: kept on update, bumped when the (defaulted) template changes.
        var defaulted = object
        WorkloadDefaults.apply(kind: kind, to: &defaulted)
        var generation = old["metadata"]?["annotations"]?[Self.templateGenerationAnnotation]?.stringValue.flatMap { Int64($0) } ?? 1
        if defaulted["spec"]?["template"] != old["spec"]?["template"] { generation += 1 }
        object.set(path: ["metadata", "annotations", Self.templateGenerationAnnotation], to: .string(String(generation)))
    }

    static let templateGenerationAnnotation = "deprecated.daemonset.template.generation"

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
