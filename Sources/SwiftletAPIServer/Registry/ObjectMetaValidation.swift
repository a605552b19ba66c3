import SwiftletAPI

/// Checks common to every kind's metadata, in upstream's words (`ValidateObjectMeta`).
public enum ObjectMetaValidation {
    public enum NameRule: Sendable { case dns1123Subdomain, dns1123Label, dns1035Label, pathSegment }

    static let totalAnnotationSizeLimit = 256 * 1024

    public static func validate(_ object: JSONValue, namespaced: Bool, nameRule: NameRule) -> [FieldError] {
        var errors: [FieldError] = []
        let meta = object["metadata"]
        let path = ValidationPath("metadata")
        let name = meta?["name"]?.stringValue ?? ""
        let generateName = meta?["generateName"]?.stringValue ?? ""
        if name.isEmpty {
            if generateName.isEmpty {
                errors.append(.required(path.child("name").description, "name or generateName is required"))
            }
        } else {
            for problem in nameProblems(name, rule: nameRule) {
                errors.append(.invalid(path.child("name").description, name, problem))
            }
        }
        let namespace = meta?["namespace"]?.stringValue ?? ""
        if namespaced {
            if namespace.isEmpty {
                errors.append(.required(path.child("namespace").description))
            } else {
                for problem in LabelValidation.dns1123LabelProblems(namespace) {
                    errors.append(.invalid(path.child("namespace").description, namespace, problem))
                }
            }
        } else if !namespace.isEmpty {
            errors.append(.forbidden(path.child("namespace").description, "not allowed on this type"))
        }
        if case .object(let labels)? = meta?["labels"] {
            for (k, v) in labels {
                for problem in LabelValidation.qualifiedNameProblems(k) {
                    errors.append(.invalid(path.child("labels").description, k, problem))
                }
                let value = v.stringValue ?? ""
                for problem in LabelValidation.labelValueProblems(value) {
                    errors.append(.invalid(path.child("labels").description, value, problem))
                }
            }
        }
        if case .object(let annotations)? = meta?["annotations"] {
            var total = 0
            for (k, v) in annotations {
                for problem in LabelValidation.qualifiedNameProblems(k.lowercased()) {
                    errors.append(.invalid(path.child("annotations").description, k, problem))
                }
                total += k.utf8.count + (v.stringValue?.utf8.count ?? 0)
            }
            if total > totalAnnotationSizeLimit {
                errors.append(FieldError(.tooLong, field: path.child("annotations").description,
                                         detail: "must have at most \(totalAnnotationSizeLimit) bytes"))
            }
        }
        if case .array(let finalizers)? = meta?["finalizers"] {
            for (i, f) in finalizers.enumerated() {
                let s = f.stringValue ?? ""
                for problem in LabelValidation.qualifiedNameProblems(s) {
                    errors.append(.invalid(path.child("finalizers").index(i).description, s, problem))
                }
            }
        }
        if case .array(let owners)? = meta?["ownerReferences"] {
            var controllers = 0
            for (i, o) in owners.enumerated() {
                let p = path.child("ownerReferences").index(i)
                if (o["apiVersion"]?.stringValue ?? "").isEmpty {
                    errors.append(.invalid(p.child("apiVersion").description, "", "version must not be empty"))
                }
                if (o["kind"]?.stringValue ?? "").isEmpty {
                    errors.append(.invalid(p.child("kind").description, "", "kind must not be empty"))
                }
                if (o["name"]?.stringValue ?? "").isEmpty {
                    errors.append(.invalid(p.child("name").description, "", "name must not be empty"))
                }
                if (o["uid"]?.stringValue ?? "").isEmpty {
                    errors.append(.invalid(p.child("uid").description, "", "uid must not be empty"))
                }
                if o["controller"]?.boolValue == true { controllers += 1 }
            }
            if controllers > 1 {
                errors.append(.invalid(path.child("ownerReferences").description, .array(owners),
                                       "Only one reference can have Controller set to true"))
            }
        }
        return errors
    }

    public static func nameProblems(_ name: String, rule: NameRule) -> [String] {
        var problems: [String] = []
        if name == "." || name == ".." { return ["may not be '\(name)'"] }
        if name.contains("/") { problems.append("may not contain '/'") }
        if name.contains("%") { problems.append("may not contain '%'") }
        switch rule {
        case .dns1123Subdomain: problems += LabelValidation.dns1123SubdomainProblems(name)
        case .dns1123Label: problems += LabelValidation.dns1123LabelProblems(name)
        case .dns1035Label: problems += LabelValidation.dns1035LabelProblems(name)
        case .pathSegment: break
        }
        return problems
    }

    /// Fields of metadata that may not change on update.
    public static func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let meta = object["metadata"], oldMeta = old["metadata"]
        for field in ["name", "namespace", "uid", "creationTimestamp"] {
            let new = meta?[field] ?? .null, before = oldMeta?[field] ?? .null
            if !new.semanticallyEquals(before) {
                errors.append(.invalid("metadata.\(field)", new, "field is immutable"))
            }
        }
        return errors
    }
}
