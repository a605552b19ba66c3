/// The one error type of the API: each case maps to an HTTP code and a `metav1.Status` reason exactly as upstream.
public struct APIError: Error, Sendable, CustomStringConvertible {
    /// Upstream's `StatusReason`, with the HTTP code it travels with.
    public struct Reason: Sendable, Hashable, RawRepresentable {
        public var rawValue: String
        public var code: Int
        public init(rawValue: String) { self.rawValue = rawValue; self.code = 500 }
        public init(_ rawValue: String, code: Int) { self.rawValue = rawValue; self.code = code }

        public static let badRequest = Reason("BadRequest", code: 400)
        public static let unauthorized = Reason("Unauthorized", code: 401)
        public static let forbidden = Reason("Forbidden", code: 403)
        public static let notFound = Reason("NotFound", code: 404)
        public static let methodNotAllowed = Reason("MethodNotAllowed", code: 405)
        public static let notAcceptable = Reason("NotAcceptable", code: 406)
        public static let alreadyExists = Reason("AlreadyExists", code: 409)
        public static let conflict = Reason("Conflict", code: 409)
        public static let gone = Reason("Gone", code: 410)
        public static let expired = Reason("Expired", code: 410)
        public static let requestEntityTooLarge = Reason("RequestEntityTooLarge", code: 413)
        public static let unsupportedMediaType = Reason("UnsupportedMediaType", code: 415)
        public static let invalid = Reason("Invalid", code: 422)
        public static let tooManyRequests = Reason("TooManyRequests", code: 429)
        public static let internalError = Reason("InternalError", code: 500)
        public static let serviceUnavailable = Reason("ServiceUnavailable", code: 503)
        public static let timeout = Reason("Timeout", code: 504)
    }

    public var reason: Reason
    public var message: String
    /// `details.name`, `details.group`, `details.kind` as upstream fills them for this reason.
    public var name: String?
    public var group: String?
    public var kind: String?
    public var causes: [FieldError]
    /// `details.retryAfterSeconds`.
    public var retryAfterSeconds: Int?
    /// An HTTP code other than the reason's usual one (rare, e.g. 422 for a JSON patch test failure).
    public var codeOverride: Int?

    public init(_ reason: Reason, _ message: String, name: String? = nil, group: String? = nil, kind: String? = nil,
                causes: [FieldError] = [], retryAfterSeconds: Int? = nil) {
        self.reason = reason
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var code: Int { codeOverride ?? reason.code }
    public var description: String { message }

    /// Describes a resource for messages: `pods`, `deployments.apps`.
    public static func qualified(_ resource: String, group: String) -> String {
        group.isEmpty ? resource : "\(resource).\(group)"
    }

    public static func notFound(resource: String, group: String, name: String) -> APIError {
        APIError(.notFound, "\(qualified(resource, group: group)) \"\(name)\" not found", name: name, group: group, kind: resource)
    }

    public static func alreadyExists(resource: String, group: String, name: String) -> APIError {
        APIError(.alreadyExists, "\(qualified(resource, group: group)) \"\(name)\" already exists", name: name, group: group, kind: resource)
    }

    public static func conflict(resource: String, group: String, name: String, detail: String) -> APIError {
        APIError(.conflict, "Operation cannot be fulfilled on \(qualified(resource, group: group)) \"\(name)\": \(detail)",
                 name: name, group: group, kind: resource)
    }

    public static func modifiedConflict(resource: String, group: String, name: String) -> APIError {
        conflict(resource: resource, group: group, name: name,
                 detail: "the object has been modified; please apply your changes to the latest version and try again")
    }

    /// 422 with every field error, worded as upstream: `Pod "x" is invalid: [a: Required value, b: …]`.
    public static func invalid(kind: String, group: String, name: String, errors: [FieldError]) -> APIError {
        let list = errors.count == 1 ? errors[0].description : "[" + errors.map(\.description).joined(separator: ", ") + "]"
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        return APIError(.invalid, "\(qualifiedKind) \"\(name)\" is invalid: \(list)", name: name, group: group, kind: kind, causes: errors)
    }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }

    public static func forbidden(resource: String, group: String, name: String, detail: String) -> APIError {
        APIError(.forbidden, "\(qualified(resource, group: group)) \"\(name)\" is forbidden: \(detail)", name: name, group: group, kind: resource)
    }

    public static func methodNotSupported(resource: String, group: String, verb: String) -> APIError {
        APIError(.methodNotAllowed, "\(verb) is not supported on resources of kind \"\(qualified(resource, group: group))\"",
                 group: group, kind: resource)
    }

    public static func expired(_ message: String) -> APIError { APIError(.expired, message) }

    public static func gone(_ message: String) -> APIError { APIError(.gone, message) }

    public static func internalError(_ message: String) -> APIError {
        APIError(.internalError, "Internal error occurred: \(message)", causes: [FieldError(.internalError, field: "", detail: message)])
    }

    public static func timeout(_ message: String) -> APIError { APIError(.timeout, message) }

    /// The `metav1.Status` object for this error, with upstream's field order.
    public var status: JSONValue {
        var object: JSONObject = ["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Failure",
                                  "message": .string(message), "reason": .string(reason.rawValue)]
        var details = JSONObject()
        if let name, !name.isEmpty { details["name"] = .string(name) }
        if let group, !group.isEmpty { details["group"] = .string(group) }
        if let kind, !kind.isEmpty { details["kind"] = .string(kind) }
        if !causes.isEmpty {
            details["causes"] = .array(causes.map { cause in
                var c: JSONObject = ["reason": .string(cause.kind.rawValue), "message": .string(cause.body)]
                if !cause.field.isEmpty { c["field"] = .string(cause.field) }
                if cause.kind == .internalError { c = ["message": .string(cause.detail)] }
                return .object(c)
            })
        }
        if let retryAfterSeconds { details["retryAfterSeconds"] = .int(Int64(retryAfterSeconds)) }
        if !details.isEmpty { object["details"] = .object(details) }
        object["code"] = .int(Int64(code))
        return .object(object)
    }
}
