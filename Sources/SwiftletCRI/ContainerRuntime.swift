import Foundation

/// A container runtime as the node agent sees it: pod sandboxes, their containers and images, over Swiftlet's own
/// value types. `CRIRuntimeClient` implements it over CRI gRPC; the simulator implements it in memory.
///
/// Every call throws `ContainerRuntimeError`. Stop and remove calls are idempotent (a missing sandbox or container
/// is not an error), as CRI requires; the creating calls are safe to repeat with the same metadata (name and
/// attempt): a repeat returns the ID of what the first call created. Cancelling the calling task cancels the call.
public protocol ContainerRuntime: Sendable {
    /// The runtime's name and versions, and the CRI version it speaks.
    func version() async throws -> RuntimeVersion
    /// The runtime's conditions (`RuntimeReady`, `NetworkReady`).
    func status() async throws -> [RuntimeCondition]

    /// Creates and starts a pod sandbox; returns its ID.
    func runPodSandbox(_ config: SandboxConfig) async throws -> String
    /// Stops every process of the sandbox and releases its network; idempotent.
    func stopPodSandbox(id: String) async throws
    /// Removes the sandbox and any container left in it; idempotent.
    func removePodSandbox(id: String) async throws
    /// The sandbox's status; `notFound` when there is no such sandbox.
    func podSandboxStatus(id: String) async throws -> SandboxStatus
    /// The sandboxes matching `filter`.
    func listPodSandboxes(_ filter: SandboxFilter) async throws -> [SandboxSummary]

    /// Creates a container in a sandbox; returns its ID.
    func createContainer(sandboxID: String, config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> String
    /// Starts a created container.
    func startContainer(id: String) async throws
    /// Stops a container, killing it after `gracePeriod` (zero kills at once); idempotent.
    func stopContainer(id: String, gracePeriod: Duration) async throws
    /// Removes a container, killing it first if it runs; idempotent.
    func removeContainer(id: String) async throws
    /// The containers matching `filter`; prefer this to one `containerStatus` call per container.
    func listContainers(_ filter: ContainerFilter) async throws -> [ContainerSummary]
    /// The container's status; `notFound` when there is no such container.
    func containerStatus(id: String) async throws -> ContainerRuntimeStatus
    /// Runs `command` in a running container and waits for it (at most `timeout`, nil waits for ever).
    func execSync(containerID: String, command: [String], timeout: Duration?) async throws -> ExecResult

    /// The images the runtime holds.
    func listImages() async throws -> [ImageInfo]
    /// The image `reference` names (a tag, digest or ID), or nil when the runtime does not hold it.
    func imageStatus(_ reference: String) async throws -> ImageInfo?
    /// Pulls an image; returns the image reference the runtime uses for it (its ID).
    func pullImage(_ reference: String, auth: RegistryAuth?, sandboxConfig: SandboxConfig?) async throws -> String
    /// Removes an image with all its tags; idempotent.
    func removeImage(_ reference: String) async throws
}

/// The runtime's name and versions.
public struct RuntimeVersion: Sendable, Hashable {
    /// The CRI version the runtime speaks (`0.1.0` for containerd 1.6's v1 API).
    public var version: String
    public var runtimeName: String
    public var runtimeVersion: String
    public var runtimeAPIVersion: String

    public init(version: String, runtimeName: String, runtimeVersion: String, runtimeAPIVersion: String) {
        self.version = version
        self.runtimeName = runtimeName
        self.runtimeVersion = runtimeVersion
        self.runtimeAPIVersion = runtimeAPIVersion
    }
}

/// One runtime condition, as CRI reports it.
public struct RuntimeCondition: Sendable, Hashable {
    public static let runtimeReady = "RuntimeReady"
    public static let networkReady = "NetworkReady"

    public var type: String
    public var status: Bool
    public var reason: String
    public var message: String

    public init(type: String, status: Bool, reason: String = "", message: String = "") {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }
}

/// What a command run with `execSync` printed, and how it ended.
public struct ExecResult: Sendable, Hashable {
    public var stdout: Data
    public var stderr: Data
    public var exitCode: Int32

    public init(stdout: Data, stderr: Data, exitCode: Int32) {
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
    }
}
