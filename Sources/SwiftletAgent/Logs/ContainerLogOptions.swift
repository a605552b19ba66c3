import Foundation
import SwiftletAPI

/// What `kubectl logs` asks for (upstream's PodLogOptions, as query parameters of the log request).
public struct ContainerLogOptions: Sendable, Equatable {
    public var follow = false
    public var previous = false
    public var timestamps = false
    public var tailLines: Int?
    public var since: Date?
    public var limitBytes: Int?

    public init(follow: Bool = false, previous: Bool = false, timestamps: Bool = false, tailLines: Int? = nil, since: Date? = nil,
                limitBytes: Int? = nil) {
        self.follow = follow
        self.previous = previous
        self.timestamps = timestamps
        self.tailLines = tailLines
        self.since = since
        self.limitBytes = limitBytes
    }

    /// Reads the options from query parameters (`follow=true&tailLines=10&sinceSeconds=60…`); `sinceSeconds`
    /// is relative to `now`.
    public init(query: [String: String], now: Date = Date()) throws(APIError) {
        func bool(_ key: String) -> Bool { ["true", "1"].contains(query[key]?.lowercased() ?? "") }
        func int(_ key: String) throws(APIError) -> Int? {
            guard let text = query[key] else { return nil }
            guard let value = Int(text) else { throw APIError.badRequest("invalid value for \(key): \(text)") }
            return value
        }
        follow = bool("follow")
        previous = bool("previous")
        timestamps = bool("timestamps")
        tailLines = try int("tailLines")
        limitBytes = try int("limitBytes")
        if let seconds = try int("sinceSeconds") {
            guard seconds >= 1 else { throw APIError.badRequest("sinceSeconds must be greater than 0") }
            since = now.addingTimeInterval(-Double(seconds))
        }
        if let text = query["sinceTime"] {
            guard let time = RFC3339.parse(text) else { throw APIError.badRequest("invalid value for sinceTime: \(text)") }
            if since != nil { throw APIError.badRequest("at most one of sinceTime or sinceSeconds may be specified") }
            since = time
        }
        if let tailLines, tailLines < 0 { throw APIError.badRequest("tailLines must be greater than or equal to 0") }
        if let limitBytes, limitBytes < 1 { throw APIError.badRequest("limitBytes must be greater than 0") }
    }

    /// The options as query parameters, for passing a request on to the agent.
    public var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if follow { items.append(("follow", "true")) }
        if previous { items.append(("previous", "true")) }
        if timestamps { items.append(("timestamps", "true")) }
        if let tailLines { items.append(("tailLines", "\(tailLines)")) }
        if let limitBytes { items.append(("limitBytes", "\(limitBytes)")) }
        if let since { items.append(("sinceTime", RFC3339.format(since, fractionalDigits: 9))) }
        return items
    }
}
