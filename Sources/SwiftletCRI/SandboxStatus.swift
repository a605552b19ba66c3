import Foundation

/// Whether a sandbox is ready (its namespaces exist and the pause process runs).
public enum SandboxState: Sendable, Hashable {
    case ready
    case notReady
}

/// A sandbox as `podSandboxStatus` reports it.
public struct SandboxStatus: Sendable, Hashable {
    public var id: String
    public var metadata: SandboxMetadata
    public var state: SandboxState
    public var createdAt: Date
    /// The pod's IP; empty with the node's network namespace.
    public var ip: String
    public var additionalIPs: [String]
    public var namespaces: NamespaceOptions?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var runtimeHandler: String

    public init(
        id: String, metadata: SandboxMetadata, state: SandboxState, createdAt: Date, ip: String = "",
        additionalIPs: [String] = [], namespaces: NamespaceOptions? = nil, labels: [String: String] = [:],
        annotations: [String: String] = [:], runtimeHandler: String = ""
    ) {
        self.id = id
        self.metadata = metadata
        self.state = state
        self.createdAt = createdAt
        self.ip = ip
        self.additionalIPs = additionalIPs
        self.namespaces = namespaces
        self.labels = labels
        self.annotations = annotations
        self.runtimeHandler = runtimeHandler
    }
}

/// A sandbox as `listPodSandboxes` reports it.
public struct SandboxSummary: Sendable, Hashable {
    public var id: String
    public var metadata: SandboxMetadata
    public var state: SandboxState
    public var createdAt: Date
    public var labels: [String: String]
    public var annotations: [String: String]
    public var runtimeHandler: String

    public init(
        id: String, metadata: SandboxMetadata, state: SandboxState, createdAt: Date, labels: [String: String] = [:],
        annotations: [String: String] = [:], runtimeHandler: String = ""
    ) {
        self.id = id
        self.metadata = metadata
        self.state = state
        self.createdAt = createdAt
        self.labels = labels
        self.annotations = annotations
        self.runtimeHandler = runtimeHandler
    }
}

/// Which sandboxes to list; every set field must match.
public struct SandboxFilter: Sendable, Hashable {
    public var id: String?
    public var state: SandboxState?
    /// Labels the sandbox must carry with these values.
    public var labelSelector: [String: String]

    public init(id: String? = nil, state: SandboxState? = nil, labelSelector: [String: String] = [:]) {
        self.id = id
        self.state = state
        self.labelSelector = labelSelector
    }

    /// Every sandbox.
    public static let all = SandboxFilter()
}
