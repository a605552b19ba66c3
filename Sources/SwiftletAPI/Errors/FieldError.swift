/// One problem with one field, worded as upstream's `field.Error` (`spec.containers[0].image: Required value`).
public struct FieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Upstream's `field.ErrorType`, whose raw value is the cause reason in a `Status`.
    public enum Kind: String, Sendable, Hashable {
        case notFound = "FieldValueNotFound"
        case required = "FieldValueRequired"
        case duplicate = "FieldValueDuplicate"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case internalError = "InternalError"
        case typeInvalid = "FieldValueTypeInvalid"
        /// A server-side apply conflict (`metav1.CauseTypeFieldManagerConflict`).
        case conflict = "FieldManagerConflict"
        /// A refused eviction (`policyv1.DisruptionBudgetCause`); its detail is the whole message.
        case disruptionBudget = "DisruptionBudget"

        var text: String {
            switch self {
            case .notFound: return "Not found"
            case .required: return "Required value"
            case .duplicate: return "Duplicate value"
            case .invalid: return "Invalid value"
            case .notSupported: return "Unsupported value"
            case .forbidden: return "Forbidden"
            case .tooLong: return "Too long"
            case .tooMany: return "Too many"
            case .internalError: return "Internal error"
            case .typeInvalid: return "Invalid value"
            case .conflict, .disruptionBudget: return ""
            }
        }
    }

    public var kind: Kind
    /// The field path, such as `spec.containers[0].image`.
    public var field: String
    /// The offending value, already rendered as upstream prints it (`"Foo"`, `-1`), or nil when not shown.
    public var value: String?
    public var detail: String

    public init(_ kind: Kind, field: String, value: String? = nil, detail: String = "") {
        self.kind = kind
        self.field = field
        self.value = value
        self.detail = detail
    }

    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field: field, detail: detail)
    }
    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field: field, detail: detail)
    }
    public static func invalid(_ field: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: render(value), detail: detail)
    }
    public static func invalid(_ field: String, _ value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: render(.string(value)), detail: detail)
    }
    public static func invalid(_ field: String, _ value: Int64, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: String(value), detail: detail)
    }
    public static func duplicate(_ field: String, _ value: JSONValue) -> FieldError {
        FieldError(.duplicate, field: field, value: render(value))
    }
    public static func notSupported(_ field: String, _ value: String, _ supported: [String]) -> FieldError {
        FieldError(.notSupported, field: field, value: render(.string(value)),
                   detail: supported.isEmpty ? "" : "supported values: " + supported.map { "\"\($0)\"" }.joined(separator: ", "))
    }
    public static func tooLong(_ field: String, max: Int) -> FieldError {
        FieldError(.tooLong, field: field, detail: "may not be more than \(max) bytes")
    }
    public static func tooMany(_ field: String, actual: Int, max: Int) -> FieldError {
        FieldError(.tooMany, field: field, detail: "must have at most \(max) items")
    }

    /// Renders a value as Go's `%#v`-ish printing in upstream field errors: strings quoted, numbers bare.
    public static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return "\"" + s.replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .int(let i): return String(i)
        case .double(let d): return JSONSerializer.formatDouble(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        default: return JSONSerializer.string(value)
        }
    }

    /// What follows the field name: `Required value`, `Invalid value: "x": detail`.
    public var body: String {
        if kind == .conflict || kind == .disruptionBudget { return detail }
        var s = kind.text
        switch kind {
        case .required, .forbidden, .tooLong, .internalError, .tooMany:
            break
        default:
            if let value { s += ": " + value }
        }
        if !detail.isEmpty { s += ": " + detail }
        return s
    }

    public var description: String { "\(field): \(body)" }
}

/// Builds field paths the way upstream's `field.Path` prints them: `spec.containers[0].ports[1]`, `metadata.labels[app]`.
public struct ValidationPath: Sendable, Hashable, CustomStringConvertible {
    public private(set) var description: String

    public init(_ root: String) { description = root }

    public func child(_ name: String) -> ValidationPath {
        ValidationPath(description.isEmpty ? name : description + "." + name)
    }
    public func child(_ names: String...) -> ValidationPath {
        names.reduce(self) { $0.child($1) }
    }
    public func index(_ i: Int) -> ValidationPath { ValidationPath(description + "[\(i)]") }
    public func key(_ k: String) -> ValidationPath { ValidationPath(description + "[\(k)]") }
}
