import SwiftletAPI

/// Namespaces: the `kubernetes` finalizer, phase Active until deleted, then Terminating.
struct NamespaceStrategy: ResourceStrategy {
    var hasStatusSubresource: Bool { true }
    var returnsDeletedObject: Bool { true }
    var selectableFields: [String] { ["status.phase"] }

    func prepareForCreate(_ object: inout JSONValue) {
        object.set(path: ["status"], to: ["phase": "Active"])
        var finalizers = (object["spec"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !finalizers.contains("kubernetes") { finalizers.append("kubernetes") }
        object.set(path: ["spec", "finalizers"], to: .array(finalizers.map { .string($0) }))
    }

    func prepareForUpdate(_ object: inout JSONValue, old: JSONValue) {
        // spec.finalizers only change through /finalize.
        object["spec"] = old["spec"]
        object["status"] = old["status"]
    }

    func applyDefaults(_ object: inout JSONValue) {
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if !name.isEmpty {
            var labels = object["metadata"]?["labels"]?.objectValue ?? [:]
            if labels["kubernetes.io/metadata.name"]?.stringValue != name {
                labels["kubernetes.io/metadata.name"] = .string(name)
                object.set(path: ["metadata", "labels"], to: .object(labels))
            }
        }
    }
}
