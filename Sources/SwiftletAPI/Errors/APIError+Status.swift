extension APIError.Reason {
    private static let known: [String: APIError.Reason] = Dictionary(
        [badRequest, unauthorized, forbidden, notFound, methodNotAllowed, notAcceptable, alreadyExists, conflict, gone, expired,
         requestEntityTooLarge, unsupportedMediaType, invalid, tooManyRequests, internalError, serviceUnavailable, timeout]
            .map { ($0.rawValue, $0) },
        uniquingKeysWith: { first, _ in first })

    /// The reason a `Status` names, or one made from an HTTP code when it names none (as client-go's
    /// `reasonForCode` does for bodies that are not a `Status`).
    public static func from(status reason: String?, code: Int) -> APIError.Reason {
        if let reason, !reason.isEmpty {
            return known[reason] ?? APIError.Reason(reason, code: code)
        }
        switch code {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 406: return .notAcceptable
        case 409: return .conflict
        case 410: return .gone
        case 413: return .requestEntityTooLarge
        case 415: return .unsupportedMediaType
        case 422: return .invalid
        case 429: return .tooManyRequests
        case 503: return .serviceUnavailable
        case 504: return .timeout
        default: return APIError.Reason("Unknown", code: code)
        }
    }
}

extension APIError {
    /// The error a `metav1.Status` body describes, as a client reads it from a failed response.
    ///
    /// `code` is the HTTP status of the response; the body's own `code` wins when it differs (a watch
    /// `ERROR` event travels in a 200 response). Bodies that are not a `Status` keep only the code and,
    /// when they are text, the message.
    public init(status: JSONValue, code: Int) {
        let bodyCode = status["code"]?.intValue.map(Int.init)
        let effectiveCode = (bodyCode ?? 0) >= 400 ? bodyCode! : code
        let reason = Reason.from(status: status["reason"]?.stringValue, code: effectiveCode)
        let message = status["message"]?.stringValue ?? "the server responded with the status code \(effectiveCode)"
        let details = status["details"]
        let causes = (details?["causes"]?.arrayValue ?? []).map(Self.fieldError(fromCause:))
        self.init(reason, message, name: details?["name"]?.stringValue, group: details?["group"]?.stringValue,
                  kind: details?["kind"]?.stringValue, causes: causes,
                  retryAfterSeconds: details?["retryAfterSeconds"]?.intValue.map(Int.init))
        if effectiveCode != reason.code { codeOverride = effectiveCode }
    }

    /// A `details.causes[]` entry back as a `FieldError` whose description reads as the cause's message did.
    private static func fieldError(fromCause cause: JSONValue) -> FieldError {
        let message = cause["message"]?.stringValue ?? ""
        let field = cause["field"]?.stringValue ?? ""
        guard let reason = cause["reason"]?.stringValue, let kind = FieldError.Kind(rawValue: reason) else {
            return FieldError(.internalError, field: field, detail: message)
        }
        if kind == .conflict { return FieldError(.conflict, field: field, detail: message) }
        // The message starts with the kind's text ("Invalid value: …"); the rest becomes the detail so the
        // error prints as the server worded it.
        let text = kind.text
        var detail = message
        if detail.hasPrefix(text) {
            detail.removeFirst(text.count)
            if detail.hasPrefix(": ") { detail.removeFirst(2) }
        }
        return FieldError(kind, field: field, detail: detail)
    }
}
