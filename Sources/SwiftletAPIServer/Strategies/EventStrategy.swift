import SwiftletAPI

/// core/v1 Events: selectable by the involved object, as `kubectl describe` asks.
struct EventStrategy: ResourceStrategy {
    var selectableFields: [String] {
        ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
         "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"]
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let namespace = object["metadata"]?["namespace"]?.stringValue ?? ""
        if let involved = object["involvedObject"]?["namespace"]?.stringValue, !involved.isEmpty, involved != namespace {
            errors.append(.invalid("involvedObject.namespace", involved, "does not match event.namespace"))
        }
        if let type = object["type"]?.stringValue, !type.isEmpty, !["Normal", "Warning"].contains(type) {
            errors.append(.notSupported("type", type, ["Normal", "Warning"]))
        }
        if let count = object["count"]?.intValue, count < 0 {
            errors.append(.invalid("count", count, "must be greater than or equal to 0"))
        }
        return errors
    }

    func fields(of object: JSONValue) -> [String: String] {
        var fields: [String: String] = [
            "metadata.name": object["metadata"]?["name"]?.stringValue ?? "",
            "metadata.namespace": object["metadata"]?["namespace"]?.stringValue ?? "",
        ]
        for key in ["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"] {
            fields["involvedObject.\(key)"] = object["involvedObject"]?[key]?.stringValue ?? ""
        }
        fields["reason"] = object["reason"]?.stringValue ?? ""
        fields["reportingComponent"] = object["reportingComponent"]?.stringValue ?? ""
        fields["source"] = object["source"]?["component"]?.stringValue ?? ""
        fields["type"] = object["type"]?.stringValue ?? ""
        return fields
    }
}
