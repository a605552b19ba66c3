import SwiftletAPI
import Yams

/// Turns a request body into a `JSONValue`, accepting JSON and YAML as upstream does.
enum BodyDecoding {
    static func decode(_ bytes: [UInt8], contentType: String?) throws(APIError) -> (JSONValue, duplicates: [String]) {
        let mediaType = (contentType ?? "application/json").split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
        switch mediaType {
        case "application/yaml", "application/apply-patch+yaml", "text/yaml":
            return (try decodeYAML(bytes), [])
        case "application/json", "application/merge-patch+json", "application/json-patch+json",
             "application/strategic-merge-patch+json", "", "*/*":
            do {
                let (value, duplicates) = try JSONParser.parseReportingDuplicates(bytes)
                return (value, duplicates)
            } catch {
                // Upstream answers malformed JSON with a 400 naming the decoder's complaint.
                throw APIError.badRequest("error decoding JSON: \(error.message) at offset \(error.offset)")
            }
        case "application/vnd.kubernetes.protobuf":
            do {
                return (try KubernetesProtobuf.decode(bytes), [])
            } catch {
                switch error.reason {
                case .malformed:
                    throw APIError.badRequest("error decoding protobuf body: \(error.message)")
                default:
                    throw APIError(.unsupportedMediaType, "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")
                }
            }
        default:
            throw APIError(.unsupportedMediaType, "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml")
        }
    }

    static func decodeYAML(_ bytes: [UInt8]) throws(APIError) -> JSONValue {
        let text = String(decoding: bytes, as: UTF8.self)
        do {
            guard let node = try Yams.compose(yaml: text) else { return .null }
            return try convert(node)
        } catch let e as APIError {
            throw e
        } catch {
            throw APIError.badRequest("error converting YAML to JSON: \(error)")
        }
    }

    static func convert(_ node: Yams.Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == Yams.Node.Scalar.Style.plain || scalar.style == Yams.Node.Scalar.Style.any {
                if let _ = node.null { return .null }
                if let b = node.bool { return .bool(b) }
                if let i = node.int { return .int(Int64(i)) }
                if let d = node.float, scalar.string.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .double(d) }
            }
            return .string(scalar.string)
        case .sequence(let seq):
            return .array(try seq.map(convert))
        case .mapping(let mapping):
            var object = JSONObject()
            for (k, v) in mapping {
                guard case .scalar(let key) = k else { throw APIError.badRequest("error converting YAML to JSON: map keys must be strings") }
                object[key.string] = try convert(v)
            }
            return .object(object)
        case .alias:
            throw APIError.badRequest("error converting YAML to JSON: aliases are not supported")
        }
    }
}
