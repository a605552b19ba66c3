import Collections

/// Why a PATCH body could not be applied, worded as upstream's patch libraries word it.
///
/// `message` is the library's own text (what `kubectl patch --local` prints); `statusCode`, `statusReason` and
/// `statusMessage` are what kube-apiserver puts into the `Status` it answers with, which for a 422 is a generic
/// sentence (upstream drops the detail there). `path` says where in the document it failed, for `details.causes`.
public struct PatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// How the API server classifies the failure, which decides the HTTP code.
    public enum Kind: Sendable, Hashable {
        /// The patch document itself is malformed: 400 BadRequest.
        case badRequest
        /// A well-formed patch that does not apply to this object: 422 Invalid.
        case unprocessable
        /// More JSON patch operations than the server accepts: 413 RequestEntityTooLarge.
        case tooManyOperations
        /// The three-way patch conflicts with changes made on the server since the last apply.
        case conflict
        /// Anything upstream reports as a plain error, which the server answers with 500.
        case internalError
    }

    public var kind: Kind
    public var message: String
    /// Where it failed: a JSON pointer for JSON patch, a field path (`spec.containers[name=web].ports`) otherwise.
    public var path: String?

    public init(_ kind: Kind, _ message: String, path: String? = nil) {
        self.kind = kind
        self.message = message
        self.path = path
    }

    public var description: String {
        guard let path, !path.isEmpty, !message.contains(path) else { return message }
        return "\(message) (at \(path))"
    }

    /// The HTTP code kube-apiserver answers with.
    public var statusCode: Int {
        switch kind {
        case .badRequest: return 400
        case .unprocessable: return 422
        case .tooManyOperations: return 413
        case .conflict: return 409
        case .internalError: return 500
        }
    }

    /// `Status.reason` as kube-apiserver fills it (empty for plain errors, as upstream's StatusReasonUnknown).
    public var statusReason: String {
        switch kind {
        case .badRequest: return "BadRequest"
        case .unprocessable: return "Invalid"
        case .tooManyOperations: return "RequestEntityTooLarge"
        case .conflict: return "Conflict"
        case .internalError: return ""
        }
    }

    /// `Status.message` as kube-apiserver fills it.
    public var statusMessage: String {
        switch kind {
        case .unprocessable:
            // NewGenericServerResponse(422, …) keeps only this sentence; the detail is lost upstream too.
            return "the server rejected our request due to an error in our request"
        case .tooManyOperations: return "Request entity too large: \(message)"
        default: return message
        }
    }

    /// The same error located one level further out: `segment` is a field name or a `[…]` list element.
    func within(_ segment: String) -> PatchError {
        var copy = self
        switch path {
        case nil, "": copy.path = segment
        case let inner? where inner.hasPrefix("["): copy.path = segment + inner
        case let inner?: copy.path = segment + "." + inner
        }
        return copy
    }
}

// The strategic merge patch errors of k8s.io/apimachinery/pkg/util/mergepatch, with the codes
// kube-apiserver's interpretStrategicMergePatchError gives them.
extension PatchError {
    static let badJSONDocument = PatchError(.badRequest, "invalid JSON document")
    static let listOfLists = PatchError(.unprocessable, "lists of lists are not supported")
    static let badPrimitiveListFormat = PatchError(.badRequest, "invalid patch format of primitive list")
    static let badRetainKeysFormat = PatchError(.badRequest, "invalid patch format of retainKeys")
    static let badSetElementOrderFormat = PatchError(.badRequest, "invalid patch format of setElementOrder list")

    static func noMergeKey(_ map: JSONObject, _ key: String) -> PatchError {
        PatchError(.internalError, "map: \(GoFormat.value(.object(map))) does not contain declared merge key: \(key)")
    }

    static func badArgType(expected: String, actual: JSONValue?) -> PatchError {
        PatchError(.internalError, "expected a \(expected), but received a \(GoFormat.typeName(actual))")
    }

    static func badPatchType(_ directive: JSONValue, _ map: JSONObject) -> PatchError {
        PatchError(.internalError, "unknown patch type: \(GoFormat.verbS(directive)) in map: \(GoFormat.value(.object(map)))")
    }

    static func internalError(_ message: String) -> PatchError {
        PatchError(.internalError, message)
    }
}
