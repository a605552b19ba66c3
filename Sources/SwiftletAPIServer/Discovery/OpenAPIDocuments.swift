import SwiftletAPI
import Synchronization

/// `/openapi/v3` and its group-version documents, built once on first use and cached.
public final class OpenAPIDocuments: Sendable {
    let resources: [APIResourceInfo]
    private let cache = Mutex<[String: JSONValue]>([:])

    public init(resources: [APIResourceInfo]) { self.resources = resources }

    static func path(group: String, version: String) -> String {
        group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
    }

    /// Lists each group-version document; kubectl fetches the one it needs by `serverRelativeURL`.
    public var root: JSONValue {
        var paths = JSONObject()
        for (group, version) in ResourceCatalog.groupVersions {
            let p = Self.path(group: group, version: version)
            paths[p] = ["serverRelativeURL": .string("/openapi/v3/\(p)?hash=\(hash(group: group, version: version))")]
        }
        return ["paths": .object(paths)]
    }

    private func hash(group: String, version: String) -> String {
        // Stable per build: the documents only change with the binary.
        var h: UInt64 = 1469598103934665603
        for b in "\(VersionInfo.gitVersion)/\(group)/\(version)".utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
        return String(h, radix: 16, uppercase: true)
    }

    public func document(group: String, version: String) -> JSONValue? {
        guard resources.contains(where: { $0.group == group && $0.version == version }) else { return nil }
        let key = "\(group)/\(version)"
        if let cached = cache.withLock({ $0[key] }) { return cached }
        let doc = OpenAPIV3Schemas.document(group: group, version: version, resources: resources)
        cache.withLock { $0[key] = doc }
        return doc
    }
}
