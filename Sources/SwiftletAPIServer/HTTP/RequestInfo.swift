import SwiftletAPI

/// What a request path addresses, parsed once (upstream's `RequestInfo`).
public enum RequestTarget: Sendable, Equatable {
    case apiVersions
    case groupList
    case group(String)
    case resourceList(group: String, version: String)
    case resource(ResourceRequest)
    case version
    case health(String)
    case metrics
    case openAPIV3Root
    case openAPIV3(group: String, version: String)
    case openAPIV2
    case notFound
}

/// A request for a resource collection, an object or a subresource.
public struct ResourceRequest: Sendable, Equatable {
    public var group: String
    public var version: String
    public var plural: String
    public var namespace: String?
    public var name: String?
    public var subresource: String?
}

extension RequestTarget {
    /// Parses a URL path (without the query).
    public static func parse(path: String) -> RequestTarget {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { String($0).removingPercentEncodingSimple }
        guard let first = parts.first else { return .notFound }
        switch first {
        case "version": return parts.count == 1 ? .version : .notFound
        case "healthz", "livez", "readyz": return .health(first)
        case "metrics": return parts.count == 1 ? .metrics : .notFound
        case "openapi":
            if parts.count >= 2, parts[1] == "v2" { return .openAPIV2 }
            guard parts.count >= 2, parts[1] == "v3" else { return .notFound }
            if parts.count == 2 { return .openAPIV3Root }
            if parts.count == 4, parts[2] == "api" { return .openAPIV3(group: "", version: parts[3]) }
            if parts.count == 5, parts[2] == "apis" { return .openAPIV3(group: parts[3], version: parts[4]) }
            return .notFound
        case "api":
            if parts.count == 1 { return .apiVersions }
            if parts.count == 2 { return .resourceList(group: "", version: parts[1]) }
            return resource(group: "", version: parts[1], rest: Array(parts.dropFirst(2)))
        case "apis":
            if parts.count == 1 { return .groupList }
            if parts.count == 2 { return .group(parts[1]) }
            if parts.count == 3 { return .resourceList(group: parts[1], version: parts[2]) }
            return resource(group: parts[1], version: parts[2], rest: Array(parts.dropFirst(3)))
        default:
            return .notFound
        }
    }

    private static func resource(group: String, version: String, rest: [String]) -> RequestTarget {
        var r = ResourceRequest(group: group, version: version, plural: "")
        var rest = rest[...]
        if rest.first == "namespaces", rest.count >= 3, !(rest.count == 3 && ["status", "finalize"].contains(rest[rest.startIndex + 2])) {
            r.namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        guard let plural = rest.first, rest.count <= 3 else { return .notFound }
        r.plural = plural
        if rest.count >= 2 { r.name = rest[rest.startIndex + 1] }
        if rest.count == 3 { r.subresource = rest[rest.startIndex + 2] }
        return .resource(r)
    }
}

extension String {
    /// Decodes `%XX` escapes in a path segment.
    var removingPercentEncodingSimple: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var it = Array(utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2,
               let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
