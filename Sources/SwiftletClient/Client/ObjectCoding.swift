import Foundation
import SwiftletAPI

/// Encodes and decodes the generated Codable types, turning failures into `APIError`.
enum ObjectCoding {
    static func encode<Object: KubernetesKind>(_ object: Object) throws -> [UInt8] {
        var object = object
        object.setTypeMeta()
        return try encodeValue(object)
    }

    static func encodeValue<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw APIError.badRequest("cannot encode \(Value.self): \(error)")
        }
    }

    /// A `DeleteOptions` body, which the server wants with its type meta.
    static func encode(deleteOptions: DeleteOptions) throws -> [UInt8] {
        var options = deleteOptions
        options.apiVersion = "v1"
        options.kind = "DeleteOptions"
        return try encodeValue(options)
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw APIError.internalError("cannot decode \(Value.self) from the server's response: \(error)")
        }
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from value: JSONValue) throws -> Value {
        try decode(type, from: JSONSerializer.serialize(value))
    }

    static func json(_ bytes: [UInt8]) throws -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw APIError.internalError("the server's response is not JSON: \(error.message)")
        }
    }
}

/// The body of any list kind, decoded without naming its generated list type.
struct ListBody<Item: Decodable>: Decodable {
    var metadata: ListMeta?
    var items: [Item]?
}
