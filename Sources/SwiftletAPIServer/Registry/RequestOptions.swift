import SwiftletAPI

/// The query parameters of a LIST or WATCH.
public struct ListOptions: Sendable {
    public var labelSelector = LabelSelector.everything
    public var fieldSelector = FieldSelector()
    public var limit: Int?
    public var continueToken: String?
    public var resourceVersion: String?
    public var resourceVersionMatch: String?
    public var watch = false
    public var allowWatchBookmarks = false
    public var timeoutSeconds: Int?
    public var sendInitialEvents: Bool?
    public init() {}
}

/// How a write is checked and whether it is kept.
public struct WriteOptions: Sendable {
    public enum FieldValidation: String, Sendable { case strict = "Strict", warn = "Warn", ignore = "Ignore" }
    public var dryRun = false
    public var fieldManager: String?
    /// The client's User-Agent, which names the manager when `fieldManager` is absent.
    public var userAgent: String?
    public var fieldValidation = FieldValidation.warn
    public var force = false
    public init() {}

    /// The field manager of this write: `fieldManager`, else the User-Agent's product name, else "swiftlet".
    public var managerName: String {
        let name = FieldManager.managerName(fieldManager: fieldManager, userAgent: userAgent)
        return name.isEmpty ? "swiftlet" : name
    }
}

/// The body or query of a DELETE (`metav1.DeleteOptions`).
public struct DeleteOptions: Sendable {
    public var gracePeriodSeconds: Int64?
    public var propagationPolicy: String?
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var dryRun = false
    public init() {}
}

/// An opaque continue token, compatible in shape with upstream's (`{"v":"meta.k8s.io/v1","rv":N,"start":"…"}` in base64).
struct ContinueToken {
    var revision: Int64
    var startAfter: String

    func encoded() -> String {
        let json: JSONValue = ["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(startAfter)]
        return Base64.encode(JSONSerializer.serialize(json))
    }

    static func decode(_ token: String) -> ContinueToken? {
        guard let bytes = Base64.decode(token), let json = try? JSONParser.parse(bytes),
              json["v"]?.stringValue == "meta.k8s.io/v1", let rv = json["rv"]?.intValue, let start = json["start"]?.stringValue
        else { return nil }
        return ContinueToken(revision: rv, startAfter: start)
    }
}

