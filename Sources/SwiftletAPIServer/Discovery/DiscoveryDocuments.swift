import SwiftletAPI

/// The discovery documents (`/api`, `/apis`, group and group-version lists, aggregated discovery v2), built from the catalog.
public struct DiscoveryDocuments: Sendable {
    public let resources: [APIResourceInfo]

    public init(resources: [APIResourceInfo]) { self.resources = resources }

    public static let aggregatedMediaType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    public static let aggregatedMediaTypeV2Beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

    private var groups: [String] {
        var seen: [String] = []
        for r in resources where !r.group.isEmpty && !seen.contains(r.group) { seen.append(r.group) }
        return seen
    }

    private func versions(of group: String) -> [String] {
        var seen: [String] = []
        for r in resources where r.group == group && !seen.contains(r.version) { seen.append(r.version) }
        return seen
    }

    public func apiVersions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": .array(versions(of: "").map { .string($0) }),
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    private func groupObject(_ group: String) -> JSONValue {
        let vs = versions(of: group)
        let versionObjects: [JSONValue] = vs.map { ["groupVersion": .string("\(group)/\($0)"), "version": .string($0)] }
        return ["name": .string(group), "versions": .array(versionObjects), "preferredVersion": versionObjects.first ?? .null]
    }

    public var groupList: JSONValue {
        ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups.map(groupObject))]
    }

    public func group(_ name: String) -> JSONValue? {
        guard groups.contains(name), case .object(var o) = groupObject(name) else { return nil }
        o.updateValue("APIGroup", forKey: "kind", insertingAt: 0)
        o.updateValue("v1", forKey: "apiVersion", insertingAt: 1)
        return .object(o)
    }

    /// The kind and group-version a subresource answers with.
    static func subresourceKind(_ sub: String, of r: APIResourceInfo) -> (group: String, version: String, kind: String) {
        switch sub {
        case "scale": return ("autoscaling", "v1", "Scale")
        case "eviction": return ("policy", "v1", "Eviction")
        case "binding": return ("", "v1", "Binding")
        default: return (r.group, r.version, r.kind)
        }
    }

    static func subresourceVerbs(_ sub: String) -> [String] {
        switch sub {
        case "binding", "eviction": return ["create"]
        case "finalize": return ["update"]
        case "log": return ["get"]
        default: return ["get", "patch", "update"]
        }
    }

    public func resourceList(group: String, version: String) -> JSONValue? {
        let rs = resources.filter { $0.group == group && $0.version == version }
        guard !rs.isEmpty else { return nil }
        var items: [JSONValue] = []
        for r in rs {
            var o: JSONObject = ["name": .string(r.plural), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                                 "kind": .string(r.kind), "verbs": .array(r.verbs.map { .string($0) })]
            if !r.shortNames.isEmpty { o["shortNames"] = .array(r.shortNames.map { .string($0) }) }
            if !r.categories.isEmpty { o["categories"] = .array(r.categories.map { .string($0) }) }
            items.append(.object(o))
            for sub in r.subresources {
                let k = Self.subresourceKind(sub, of: r)
                var s: JSONObject = ["name": .string("\(r.plural)/\(sub)"), "singularName": "", "namespaced": .bool(r.namespaced)]
                if k.group != r.group || k.version != r.version {
                    s["group"] = .string(k.group)
                    s["version"] = .string(k.version)
                }
                s["kind"] = .string(k.kind)
                s["verbs"] = .array(Self.subresourceVerbs(sub).map { .string($0) })
                items.append(.object(s))
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
                "resources": .array(items)]
    }

    private func aggregatedGroup(_ group: String) -> JSONValue {
        var versionItems: [JSONValue] = []
        for version in versions(of: group) {
            var rs: [JSONValue] = []
            for r in resources where r.group == group && r.version == version {
                var o: JSONObject = ["resource": .string(r.plural),
                                     "responseKind": ["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)],
                                     "scope": r.namespaced ? "Namespaced" : "Cluster", "singularResource": .string(r.singular),
                                     "verbs": .array(r.verbs.map { .string($0) })]
                if !r.shortNames.isEmpty { o["shortNames"] = .array(r.shortNames.map { .string($0) }) }
                if !r.categories.isEmpty { o["categories"] = .array(r.categories.map { .string($0) }) }
                if !r.subresources.isEmpty {
                    o["subresources"] = .array(r.subresources.map { sub in
                        let k = Self.subresourceKind(sub, of: r)
                        return ["subresource": .string(sub),
                                "responseKind": ["group": .string(k.group), "version": .string(k.version), "kind": .string(k.kind)],
                                "verbs": .array(Self.subresourceVerbs(sub).map { .string($0) })]
                    })
                }
                rs.append(.object(o))
            }
            versionItems.append(["version": .string(version), "resources": .array(rs), "freshness": "Current"])
        }
        var metadata: JSONObject = [:]
        if !group.isEmpty { metadata["name"] = .string(group) }
        metadata["creationTimestamp"] = .null
        return ["metadata": .object(metadata), "versions": .array(versionItems)]
    }

    /// Aggregated discovery for `/api` (the core group) or `/apis` (every named group).
    public func aggregated(core: Bool, apiVersion: String = "apidiscovery.k8s.io/v2") -> JSONValue {
        let items: [JSONValue] = core ? [aggregatedGroup("")] : groups.map(aggregatedGroup)
        return ["kind": "APIGroupDiscoveryList", "apiVersion": .string(apiVersion), "metadata": .object([:]), "items": .array(items)]
    }
}
