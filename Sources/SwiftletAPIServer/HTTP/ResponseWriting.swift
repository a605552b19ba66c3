import HTTPTypes
import Hummingbird
import NIOCore
import SwiftletAPI

/// Builds HTTP responses with upstream's conventions: compact JSON ending in a newline, `Status` bodies for errors.
enum ResponseWriting {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok, contentType: String = "application/json",
                     warnings: [String] = []) -> Response {
        bytes(JSONSerializer.serialize(value, newline: true), status: status, contentType: contentType, warnings: warnings)
    }

    static func bytes(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String = "application/json",
                      warnings: [String] = []) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-cache, private"
        for w in warnings {
            headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(w.replacingOccurrences(of: "\"", with: "\\\""))\""))
        }
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: buffer))
    }

    static func error(_ error: APIError) -> Response {
        var response = json(error.status, status: HTTPResponse.Status(code: error.code))
        if let retry = error.retryAfterSeconds { response.headers[.retryAfter] = String(retry) }
        return response
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        bytes(Array(text.utf8), status: status, contentType: contentType)
    }

    static func success(kind: String, name: String, group: String, uid: String?, code: Int? = nil) -> JSONValue {
        var details: JSONObject = ["name": .string(name)]
        if !group.isEmpty { details["group"] = .string(group) }
        details["kind"] = .string(kind)
        if let uid { details["uid"] = .string(uid) }
        var o: JSONObject = ["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success",
                             "details": .object(details)]
        if let code { o["code"] = .int(Int64(code)) }
        return .object(o)
    }
}
