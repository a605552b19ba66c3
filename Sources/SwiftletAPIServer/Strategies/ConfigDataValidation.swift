import SwiftletAPI

/// Checks of ConfigMap and Secret keys and sizes, in upstream's words.
enum ConfigDataValidation {
    static let keyMessage = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
    static let maxTotalBytes = 1024 * 1024

    static func keyProblems(_ key: String) -> [String] {
        var problems: [String] = []
        if key.utf8.count > 253 { problems.append("must be no more than 253 characters") }
        if key.isEmpty || !key.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 46 || $0 == 95 }) {
            problems.append(keyMessage)
        }
        if key == "." { problems.append("must not be '.'") } else if key == ".." { problems.append("must not be '..'") } else if key.hasPrefix("..") {
            problems.append("must not start with '..'")
        }
        return problems
    }

    /// Validates `data` and `binaryData` (or Secret `data`/`stringData`) keys, duplicates and total size.
    static func validate(_ object: JSONValue, fields: [String], sizeField: String) -> [FieldError] {
        var errors: [FieldError] = []
        var seen = Set<String>()
        var total = 0
        for field in fields {
            guard case .object(let map)? = object[field] else { continue }
            for (key, value) in map {
                for problem in keyProblems(key) {
                    errors.append(.invalid("\(field)[\(key)]", key, problem))
                }
                if !seen.insert(key).inserted, field != "stringData" {
                    errors.append(.invalid("\(field)[\(key)]", key, "duplicate of key present in \(fields.first { $0 != field } ?? field)"))
                }
                total += value.stringValue?.utf8.count ?? 0
            }
        }
        if total > maxTotalBytes {
            errors.append(FieldError(.tooLong, field: sizeField, detail: "must have at most \(maxTotalBytes) bytes"))
        }
        return errors
    }

    /// With `immutable: true`, neither the data nor the flag may change.
    static func validateImmutable(_ object: JSONValue, old: JSONValue, dataFields: [String]) -> [FieldError] {
        guard old["immutable"]?.boolValue == true else { return [] }
        var errors: [FieldError] = []
        if object["immutable"]?.boolValue != true {
            errors.append(.forbidden("immutable", "field is immutable when `immutable` is set"))
        }
        for field in dataFields where !(object[field] ?? .null).semanticallyEquals(old[field] ?? .null) {
            errors.append(.forbidden(field, "field is immutable when `immutable` is set"))
        }
        return errors
    }
}

/// ConfigMaps: valid keys, no key in both data and binaryData, at most 1 MiB, `immutable`.
struct ConfigMapStrategy: ResourceStrategy {
    func validate(_ object: JSONValue) -> [FieldError] {
        ConfigDataValidation.validate(object, fields: ["data", "binaryData"], sizeField: "[]")
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        validate(object) + ConfigDataValidation.validateImmutable(object, old: old, dataFields: ["data", "binaryData"])
    }
}

/// Secrets: type Opaque by default and immutable, `stringData` folded into base64 `data`, the keys each type requires.
struct SecretStrategy: ResourceStrategy {
    var selectableFields: [String] { ["type"] }

    func applyDefaults(_ object: inout JSONValue) {
        if object["type"] == nil || object["type"]?.stringValue == "" { object["type"] = "Opaque" }
        // stringData is write-only: merged into data, never stored (upstream's conversion).
        if case .object(let strings)? = object["stringData"] {
            var data = object["data"]?.objectValue ?? [:]
            for (k, v) in strings { data[k] = .string(Base64.encode(Array((v.stringValue ?? "").utf8))) }
            object["data"] = .object(data)
            object["stringData"] = nil
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors = ConfigDataValidation.validate(object, fields: ["data"], sizeField: "data")
        let data = object["data"]?.objectValue ?? [:]
        for (key, value) in data {
            guard let s = value.stringValue, Base64.decode(s) != nil else {
                errors.append(.invalid("data[\(key)]", "<secret contents redacted>", "must be base64-encoded"))
                continue
            }
        }
        switch object["type"]?.stringValue ?? "Opaque" {
        case "kubernetes.io/dockerconfigjson":
            if data[".dockerconfigjson"] == nil { errors.append(.required("data[.dockerconfigjson]")) }
        case "kubernetes.io/dockercfg":
            if data[".dockercfg"] == nil { errors.append(.required("data[.dockercfg]")) }
        case "kubernetes.io/tls":
            if data["tls.crt"] == nil { errors.append(.required("data[tls.crt]")) }
            if data["tls.key"] == nil { errors.append(.required("data[tls.key]")) }
        case "kubernetes.io/basic-auth":
            if data["username"] == nil && data["password"] == nil {
                errors.append(.required("data[username]", "either username or password is required"))
            }
        case "kubernetes.io/ssh-auth":
            if data["ssh-privatekey"] == nil { errors.append(.required("data[ssh-privatekey]")) }
        case "kubernetes.io/service-account-token":
            if object["metadata"]?["annotations"]?["kubernetes.io/service-account.name"] == nil {
                errors.append(.required("metadata.annotations[kubernetes.io/service-account.name]"))
            }
        default:
            break
        }
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object) + ConfigDataValidation.validateImmutable(object, old: old, dataFields: ["data"])
        if let type = object["type"]?.stringValue, type != old["type"]?.stringValue {
            errors.append(.invalid("type", type, "field is immutable"))
        }
        return errors
    }
}
