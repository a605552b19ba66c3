import SwiftletAPI

/// The pieces of a server URL the transport connects with.
struct ServerURL {
    var host: String
    var port: Int
    var pathPrefix: String

    init(_ text: String) throws {
        var rest = Substring(text)
        if rest.hasPrefix("https://") {
            throw APIError.badRequest("\(text): https is not supported yet (the API server serves plain http until TLS arrives)")
        }
        guard rest.hasPrefix("http://") else { throw APIError.badRequest("\(text): the server URL must start with http://") }
        rest = rest.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        var prefix = String(rest.dropFirst(authority.count))
        while prefix.hasSuffix("/") { prefix.removeLast() }
        pathPrefix = prefix
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw APIError.badRequest("\(text): malformed IPv6 host") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : 80
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            port = Int(authority[authority.index(after: colon)...]) ?? -1
        } else {
            host = String(authority)
            port = 80
        }
        guard !host.isEmpty, (1...65535).contains(port) else { throw APIError.badRequest("\(text): malformed host or port") }
    }
}
