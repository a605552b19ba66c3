/// Why a server-side apply was refused, with the `Status` upstream answers.
public enum ApplyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 409 Conflict: fields the configuration changes are owned by other managers (and force is off).
    case conflicts([ApplyConflict])
    /// 400 BadRequest, such as `metadata.managedFields must be nil` or `invalid object type: …`.
    case badRequest(String)
    /// 500: upstream returns these as plain errors, such as a configuration whose map-list element lacks its key.
    case internalError(String)

    public var message: String {
        switch self {
        case .conflicts(let conflicts): return ApplyConflict.message(for: conflicts)
        case .badRequest(let message): return message
        case .internalError(let message): return message
        }
    }

    public var description: String { message }

    public var code: Int {
        switch self {
        case .conflicts: return 409
        case .badRequest: return 400
        case .internalError: return 500
        }
    }

    /// The error as an `APIError`; for conflicts without the `FieldManagerConflict` causes, which `FieldError`
    /// cannot express (use `status` to answer with them).
    public var apiError: APIError {
        switch self {
        case .conflicts: return APIError(.conflict, message)
        case .badRequest(let message): return .badRequest(message)
        case .internalError(let message): return .internalError(message)
        }
    }

    /// The `metav1.Status` upstream answers; for conflicts `reason: Conflict`, code 409 and one
    /// `{reason: FieldManagerConflict, message, field}` cause per conflicting field.
    public var status: JSONValue {
        guard case .conflicts(let conflicts) = self else { return apiError.status }
        let causes: [JSONValue] = conflicts.map {
            ["reason": "FieldManagerConflict", "message": .string($0.message), "field": .string($0.field)]
        }
        return [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
            "reason": "Conflict", "details": ["causes": .array(causes)], "code": 409,
        ]
    }
}
