import Foundation

extension JSONValue {
    /// The JSON form of an `Encodable` value (a generated type, say), for patch bodies.
    public init<Value: Encodable>(encoding value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        self = try JSONParser.parse(Array(try encoder.encode(value)))
    }
}
