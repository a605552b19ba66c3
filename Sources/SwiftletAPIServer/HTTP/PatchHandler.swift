import SwiftletAPI
import Synchronization

/// PATCH: applies a JSON, merge or strategic merge patch to the current object and stores the result
/// with compare-and-swap, retrying on conflicts unless the patch pins a resourceVersion (as upstream).
struct PatchHandler {
    let storage: ResourceStorage

    static let supportedTypes = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json",
                                 "application/apply-patch+yaml"]

    static func mediaType(_ contentType: String) -> String {
        contentType.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
    }

    /// Applies one patch document to `object` according to its media type.
    static func applyPatch(_ patch: [UInt8], contentType: String, to object: JSONValue, gvk: GroupVersionKind) throws(APIError) -> JSONValue {
        let type = mediaType(contentType)
        do {
            switch type {
            case "application/json-patch+json":
                return try JSONPatch(parsing: patch).apply(to: object)
            case "application/merge-patch+json":
                return try JSONMergePatch.apply(try parse(patch), to: object)
            case "application/strategic-merge-patch+json":
                return try StrategicPatching.apply(try parse(patch), to: object, gvk: gvk)
            default:
                throw APIError(.unsupportedMediaType,
                               "the body of the request was in an unknown format - accepted media types include: " + supportedTypes.joined(separator: ", "))
            }
        } catch let error as PatchError {
            var e = APIError(APIError.Reason(error.statusReason.isEmpty ? "InternalError" : error.statusReason, code: error.statusCode),
                             error.statusMessage)
            e.codeOverride = error.statusCode
            throw e
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.internalError("\(error)")
        }
    }

    static func parse(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw APIError.badRequest("error decoding patch: \(error.message)")
        }
    }

    func patch(namespace: String?, name: String, patch: [UInt8], contentType: String, subresource: String?,
               options: WriteOptions) async throws(APIError) -> WriteResult {
        let type = Self.mediaType(contentType)
        if type == "application/apply-patch+yaml" {
            return try await ApplyPatchHandler(storage: storage).apply(namespace: namespace, name: name, body: patch, options: options)
        }
        guard Self.supportedTypes.contains(type) else {
            throw APIError(.unsupportedMediaType,
                           "the body of the request was in an unknown format - accepted media types include: " + Self.supportedTypes.joined(separator: ", "))
        }
        let resource = storage.resource
        let warningsBox = WarningsBox()
        var result = try await storage.guaranteedUpdate(namespace: namespace, name: name, precondition: nil, options: options) { old in
            let patched = try Self.applyPatch(patch, contentType: contentType, to: old, gvk: resource.gvk)
            guard case .object = patched else { throw APIError.badRequest("the patched object is not a JSON object") }
            if let rv = patched["metadata"]?["resourceVersion"]?.stringValue, !rv.isEmpty,
               rv != old["metadata"]?["resourceVersion"]?.stringValue {
                throw APIError.modifiedConflict(resource: resource.plural, group: resource.group, name: name)
            }
            let unknown = FieldValidation.unknownFields(in: patched, kind: resource.gvk)
            var cleaned = patched
            if !unknown.isEmpty {
                let problems = unknown.map { "unknown field \"\($0)\"" }
                switch options.fieldValidation {
                case .strict: throw APIError.badRequest("strict decoding error: " + problems.joined(separator: ", "))
                case .warn: warningsBox.set(problems)
                case .ignore: break
                }
                cleaned = FieldValidation.pruned(patched, kind: resource.gvk)
            }
            return try storage.prepareUpdate(cleaned, old: old, subresource: subresource, options: options)
        }
        result.warnings = warningsBox.get()
        return result
    }
}

/// Carries warnings out of the read-modify-write closure, which may run more than once.
final class WarningsBox: Sendable {
    private let value = Mutex<[String]>([])
    func set(_ warnings: [String]) { value.withLock { $0 = warnings } }
    func get() -> [String] { value.withLock { $0 } }
}
