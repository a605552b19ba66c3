/// One request to the API server, independent of how it travels (HTTP or in-process).
public struct APIRequest: Sendable, Hashable {
    /// The HTTP methods the Kubernetes API uses.
    public enum Method: String, Sendable, Hashable {
        case get = "GET"
        case post = "POST"
        case put = "PUT"
        case patch = "PATCH"
        case delete = "DELETE"
    }

    /// One `name=value` query parameter; order is kept and a name may repeat.
    public struct QueryItem: Sendable, Hashable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var method: Method
    /// The URL path, not percent-encoded (`/api/v1/namespaces/default/pods`).
    public var path: String
    public var query: [QueryItem]
    public var body: [UInt8]?
    /// The media type of `body` (`application/json`, `application/merge-patch+json` …).
    public var contentType: String?
    /// Further headers; `Accept` defaults to `application/json`, `User-Agent` is set by the transport.
    public var headers: [String: String]

    public init(method: Method, path: String, query: [QueryItem] = [], body: [UInt8]? = nil, contentType: String? = nil,
                headers: [String: String] = [:]) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }

    /// The path with the percent-encoded query, as it goes on the request line.
    public var target: String {
        var out = PercentEncoding.encodePath(path)
        if !query.isEmpty {
            out += "?" + query.map { PercentEncoding.encodeQuery($0.name) + "=" + PercentEncoding.encodeQuery($0.value) }
                .joined(separator: "&")
        }
        return out
    }
}
