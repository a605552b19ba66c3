/// The kinds of PATCH the API server understands, each named by its content type.
public enum PatchType: Sendable, Hashable {
    /// RFC 6902 JSON patch: a list of operations.
    case json
    /// RFC 7386 JSON merge patch.
    case merge
    /// Kubernetes' strategic merge patch (lists merged by their patch merge keys).
    case strategicMerge
    /// Server-side apply: the body is the caller's whole intent; `WriteQuery.fieldManager` is required.
    case apply

    public var contentType: String {
        switch self {
        case .json: return "application/json-patch+json"
        case .merge: return "application/merge-patch+json"
        case .strategicMerge: return "application/strategic-merge-patch+json"
        case .apply: return "application/apply-patch+yaml"
        }
    }
}
