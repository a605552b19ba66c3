import SwiftletAPI

/// A successful (2xx) answer of the API server; failures arrive as a thrown `APIError` instead.
public struct APIResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Response headers, names lowercased.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body parsed as JSON; throws `APIError` (internal error) when it is not JSON.
    public func json() throws(APIError) -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw APIError.internalError("the server's response is not JSON: \(error.message)")
        }
    }


    /// The error a failed response describes: its `Status` body when it has one, else one made from the code.
    public static func error(status: Int, body: [UInt8]) -> APIError {
        if let value = try? JSONParser.parse(body), value["kind"]?.stringValue == "Status" {
            return APIError(status: value, code: status)
        }
        var text = String(decoding: body.prefix(1024), as: UTF8.self)
        while text.last?.isNewline == true { text.removeLast() }
        let message: JSONValue = text.isEmpty ? .null : .string(text)
        return APIError(status: ["message": message], code: status)
    }
}
