/// An image the runtime holds.
public struct ImageInfo: Sendable, Hashable {
    /// The image's ID on the node (`sha256:…` of its config).
    public var id: String
    /// Its tags, normalized (`docker.io/library/busybox:1.36`).
    public var repoTags: [String]
    public var repoDigests: [String]
    public var size: UInt64
    /// The user the image runs as, when it names a numeric one.
    public var uid: Int64?
    /// The user the image runs as, when it names one by name.
    public var username: String
    /// Whether the runtime keeps it from garbage collection (the sandbox image).
    public var pinned: Bool

    public init(
        id: String, repoTags: [String] = [], repoDigests: [String] = [], size: UInt64 = 0, uid: Int64? = nil,
        username: String = "", pinned: Bool = false
    ) {
        self.id = id
        self.repoTags = repoTags
        self.repoDigests = repoDigests
        self.size = size
        self.uid = uid
        self.username = username
        self.pinned = pinned
    }
}

/// Credentials for one registry, as an imagePullSecret gives them; printing one shows no secret.
public struct RegistryAuth: Sendable, Hashable, CustomStringConvertible {
    public var username: String
    public var password: String
    /// base64 of `username:password`, as `.dockerconfigjson` carries it.
    public var auth: String
    public var serverAddress: String
    public var identityToken: String
    public var registryToken: String

    public init(
        username: String = "", password: String = "", auth: String = "", serverAddress: String = "",
        identityToken: String = "", registryToken: String = ""
    ) {
        self.username = username
        self.password = password
        self.auth = auth
        self.serverAddress = serverAddress
        self.identityToken = identityToken
        self.registryToken = registryToken
    }

    public var description: String {
        "RegistryAuth(serverAddress: \(serverAddress), username: \(username), secrets redacted)"
    }
}
