import Foundation

/// Where a container is in its life, as CRI reports it.
public enum ContainerRuntimeState: Sendable, Hashable {
    case created
    case running
    case exited
    case unknown
}

/// A container as `containerStatus` reports it.
public struct ContainerRuntimeStatus: Sendable, Hashable {
    public var id: String
    public var metadata: ContainerMetadata
    public var state: ContainerRuntimeState
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Meaningful once `finishedAt` is set.
    public var exitCode: Int32
    /// The image as the container was created with it.
    public var image: String
    /// The image's digested reference.
    public var imageRef: String
    /// The image's ID on the node.
    public var imageID: String
    /// CamelCase reason for the state (`Completed`, `Error`, `OOMKilled`).
    public var reason: String
    public var message: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var mounts: [ContainerMount]
    /// The log file's full path on the host.
    public var logPath: String

    public init(
        id: String, metadata: ContainerMetadata, state: ContainerRuntimeState, createdAt: Date, startedAt: Date? = nil,
        finishedAt: Date? = nil, exitCode: Int32 = 0, image: String = "", imageRef: String = "", imageID: String = "",
        reason: String = "", message: String = "", labels: [String: String] = [:], annotations: [String: String] = [:],
        mounts: [ContainerMount] = [], logPath: String = ""
    ) {
        self.id = id
        self.metadata = metadata
        self.state = state
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.image = image
        self.imageRef = imageRef
        self.imageID = imageID
        self.reason = reason
        self.message = message
        self.labels = labels
        self.annotations = annotations
        self.mounts = mounts
        self.logPath = logPath
    }
}

/// A container as `listContainers` reports it.
public struct ContainerSummary: Sendable, Hashable {
    public var id: String
    public var sandboxID: String
    public var metadata: ContainerMetadata
    public var image: String
    public var imageRef: String
    public var state: ContainerRuntimeState
    public var createdAt: Date
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(
        id: String, sandboxID: String, metadata: ContainerMetadata, image: String = "", imageRef: String = "",
        state: ContainerRuntimeState, createdAt: Date, labels: [String: String] = [:], annotations: [String: String] = [:]
    ) {
        self.id = id
        self.sandboxID = sandboxID
        self.metadata = metadata
        self.image = image
        self.imageRef = imageRef
        self.state = state
        self.createdAt = createdAt
        self.labels = labels
        self.annotations = annotations
    }
}

/// Which containers to list; every set field must match.
public struct ContainerFilter: Sendable, Hashable {
    public var id: String?
    public var sandboxID: String?
    public var state: ContainerRuntimeState?
    public var labelSelector: [String: String]

    public init(id: String? = nil, sandboxID: String? = nil, state: ContainerRuntimeState? = nil, labelSelector: [String: String] = [:]) {
        self.id = id
        self.sandboxID = sandboxID
        self.state = state
        self.labelSelector = labelSelector
    }

    /// Every container.
    public static let all = ContainerFilter()
}
