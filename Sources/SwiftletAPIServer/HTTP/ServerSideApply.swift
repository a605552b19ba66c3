import SwiftletAPI

/// PATCH with `application/apply-patch+yaml`: server-side apply, creating the object when it does not exist.
struct ApplyPatchHandler {
    let storage: ResourceStorage

    func apply(namespace: String?, name: String, body: [UInt8], options: WriteOptions) async throws(APIError) -> WriteResult {
        let resource = storage.resource
        guard let manager = options.fieldManager, !manager.isEmpty else {
            throw APIError.invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                                   errors: [.required("fieldManager", "is required for apply patch")])
        }
        var config: JSONValue
        let trimmed = body.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if trimmed.first == UInt8(ascii: "{") {
            config = try BodyDecoding.decode(body, contentType: "application/json").0
        } else {
            config = try BodyDecoding.decodeYAML(body)
        }
        guard case .object = config else { throw APIError.badRequest("the body of the request was in an unknown format") }
        let unknown = FieldValidation.unknownFields(in: config, kind: resource.gvk)
        var warnings: [String] = []
        if !unknown.isEmpty {
            let problems = unknown.map { "unknown field \"\($0)\"" }
            switch options.fieldValidation {
            case .strict: throw APIError.badRequest(".: strict decoding error: " + problems.joined(separator: ", "))
            case .warn: warnings = problems
            case .ignore: break
            }
            config = FieldValidation.pruned(config, kind: resource.gvk)
        }
        let configName = config["metadata"]?["name"]?.stringValue ?? ""
        if !configName.isEmpty, configName != name {
            throw APIError.badRequest("the name of the object (\(configName)) does not match the name on the URL (\(name))")
        }
        let force = options.force
        // Create when nothing is there yet.
        if try await storage.current(namespace: namespace, name: name) == nil {
            let merged: JSONValue
            do {
                merged = try ServerSideApply.apply(live: nil, config: config, manager: manager, force: force, kind: resource.gvk)
            } catch {
                throw Self.apiError(error, storage: storage, name: name)
            }
            var object = merged
            object.set(path: ["metadata", "name"], to: .string(name))
            do {
                var result = try await storage.create(namespace: namespace, object: object, options: options, trackFields: false)
                result.warnings = warnings
                return result
            } catch where error.reason == .alreadyExists {
                // Someone created it meanwhile: apply onto theirs.
            }
        }
        var result = try await storage.guaranteedUpdate(namespace: namespace, name: name, precondition: nil, options: options) { old in
            let merged: JSONValue
            do {
                merged = try ServerSideApply.apply(live: old, config: config, manager: manager, force: force, kind: resource.gvk)
            } catch let error as ApplyError {
                throw Self.apiError(error, storage: storage, name: name)
            }
            if let rv = config["metadata"]?["resourceVersion"]?.stringValue, !rv.isEmpty, rv != old["metadata"]?["resourceVersion"]?.stringValue {
                throw APIError.modifiedConflict(resource: resource.plural, group: resource.group, name: name)
            }
            return try storage.prepareUpdate(merged, old: old, subresource: nil, options: options, trackFields: false)
        }
        result.warnings = warnings
        return result
    }

    static func apiError(_ error: ApplyError, storage: ResourceStorage, name: String) -> APIError {
        var e = error.apiError
        if case .conflicts(let conflicts) = error {
            e.name = name
            e.group = storage.resource.group
            e.kind = storage.resource.plural
            e.causes = conflicts.map { FieldError(.conflict, field: $0.field, detail: $0.message) }
        }
        return e
    }
}
