import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// `ContainerRuntime` over CRI v1 gRPC on a unix socket (containerd's `/run/containerd/containerd.sock` or the
/// one a `ContainerdSupervisor` runs).
///
/// The connection runs in `run()` (a `Service`: it ends on cancellation or graceful shutdown); calls made before
/// it starts wait for it. `withClient(endpoint:logger:_:)` runs one for the length of a closure.
///
/// containerd's gRPC server pings with nearly every call and swift-nio-http2 drops a connection that receives too
/// many pings, so the client moves to a fresh connection before that (`CRIConnections`). Should a connection drop
/// anyway (containerd restarting), idempotent calls are retried by gRPC's retry policy, and the creating calls
/// retry here and reuse what a dropped attempt already created.
public final class CRIRuntimeClient: ContainerRuntime, Service {
    typealias Transport = HTTP2ClientTransport.Posix

    /// The endpoint as given (`unix:///run/…/containerd.sock`).
    public let endpoint: String
    /// The unix socket path the endpoint names.
    public let socketPath: String
    let connections: CRIConnections
    private let logger: Logger

    /// Largest response accepted: lists of a few thousand containers are well past gRPC's 4 MiB default.
    static let maxResponseBytes = 64 * 1024 * 1024

    /// Prepares a client for `endpoint` (`unix:///path` or an absolute socket path); connects once `run()` runs.
    /// Throws `invalid` for any other kind of endpoint.
    public init(endpoint: String, logger: Logger = Logger(label: "swiftlet.cri")) throws {
        self.endpoint = endpoint
        self.socketPath = try Self.socketPath(fromEndpoint: endpoint)
        self.logger = logger
        let path = socketPath
        connections = try CRIConnections {
            try Transport(
                target: .unixDomainSocket(path: path, authority: "localhost"),
                transportSecurity: .plaintext,
                config: Self.transportConfig,
                serviceConfig: Self.serviceConfig)
        }
    }

    /// Runs the connection until the task is cancelled or the service group shuts down; calls in flight finish.
    public func run() async throws {
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await self.connections.run()
        } onCancelOrGracefulShutdown: {
            self.connections.shutDown()
        }
    }

    /// Runs a client for the length of `body`, then closes its connection.
    public static func withClient<Result: Sendable>(
        endpoint: String, logger: Logger = Logger(label: "swiftlet.cri"),
        _ body: (CRIRuntimeClient) async throws -> Result
    ) async throws -> Result {
        let client = try CRIRuntimeClient(endpoint: endpoint, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.connections.run() }
            defer { client.connections.shutDown() }
            return try await body(client)
        }
    }

    /// `unix:///path` or `/path` to `/path`.
    static func socketPath(fromEndpoint endpoint: String) throws -> String {
        let path = endpoint.hasPrefix("unix://") ? String(endpoint.dropFirst("unix://".count)) : endpoint
        guard path.hasPrefix("/") else {
            throw ContainerRuntimeError(
                .invalid, operation: "connect", message: "container runtime endpoint \"\(endpoint)\" is not unix:///absolute/path")
        }
        return path
    }

    // MARK: Runtime

    public func version() async throws -> RuntimeVersion {
        try await version(timeout: nil)
    }

    /// `version()` with its own deadline, for probing a runtime that may hang.
    func version(timeout: Duration?) async throws -> RuntimeVersion {
        var options = CallOptions.defaults
        options.timeout = timeout
        let response = try await call("Version") {
            try await $0.runtime.version(.with { $0.version = "v1" }, options: options)
        }
        return RuntimeVersion(
            version: response.version, runtimeName: response.runtimeName, runtimeVersion: response.runtimeVersion,
            runtimeAPIVersion: response.runtimeApiVersion)
    }

    public func status() async throws -> [RuntimeCondition] {
        let response = try await call("Status") { try await $0.runtime.status(.init()) }
        return response.status.conditions.map {
            RuntimeCondition(type: $0.type, status: $0.status, reason: $0.reason, message: $0.message)
        }
    }

    // MARK: Sandboxes

    public func runPodSandbox(_ config: SandboxConfig) async throws -> String {
        let request = Runtime_V1_RunPodSandboxRequest.with {
            $0.config = .init(config)
            $0.runtimeHandler = config.runtimeHandler
        }
        return try await create("RunPodSandbox") {
            try await $0.runtime.runPodSandbox(request).podSandboxID
        }
    }

    public func stopPodSandbox(id: String) async throws {
        try await ignoringNotFound("StopPodSandbox") {
            _ = try await $0.runtime.stopPodSandbox(.with { $0.podSandboxID = id })
        }
    }

    public func removePodSandbox(id: String) async throws {
        try await ignoringNotFound("RemovePodSandbox") {
            _ = try await $0.runtime.removePodSandbox(.with { $0.podSandboxID = id })
        }
    }

    public func podSandboxStatus(id: String) async throws -> SandboxStatus {
        let response = try await call("PodSandboxStatus") {
            try await $0.runtime.podSandboxStatus(.with { $0.podSandboxID = id })
        }
        return SandboxStatus(response.status)
    }

    public func listPodSandboxes(_ filter: SandboxFilter) async throws -> [SandboxSummary] {
        let response = try await call("ListPodSandbox") {
            try await $0.runtime.listPodSandbox(.with { $0.filter = .init(filter) })
        }
        return response.items.map(SandboxSummary.init)
    }

    // MARK: Containers

    public func createContainer(sandboxID: String, config: ContainerConfig, sandboxConfig: SandboxConfig) async throws -> String {
        let request = Runtime_V1_CreateContainerRequest.with {
            $0.podSandboxID = sandboxID
            $0.config = .init(config)
            $0.sandboxConfig = .init(sandboxConfig)
        }
        return try await create("CreateContainer") {
            try await $0.runtime.createContainer(request).containerID
        }
    }

    public func startContainer(id: String) async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                _ = try await call("StartContainer") {
                    try await $0.runtime.startContainer(.with { $0.containerID = id })
                }
                return
            } catch let error as ContainerRuntimeError where error.code == .unavailable && attempt < Self.createAttempts {
                logger.debug("retrying StartContainer", metadata: ["container": "\(id)", "error": "\(error)"])
                try await Task.sleep(for: Self.backoff(attempt: attempt))
            } catch let error as ContainerRuntimeError where attempt > 1 && error.code != .unavailable {
                // An earlier attempt may have started it before its connection dropped, or may still be starting it
                // ("container is already in starting state", while its state still reads created): wait for that one.
                let deadline = ContinuousClock.now + Self.callTimeout
                while let status = try? await containerStatus(id: id) {
                    if status.state != .created { return }
                    guard ContinuousClock.now < deadline else { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                throw error
            }
        }
    }

    public func stopContainer(id: String, gracePeriod: Duration) async throws {
        let seconds = max(0, gracePeriod.components.seconds)
        var options = CallOptions.defaults
        options.timeout = .seconds(seconds) + Self.callTimeout
        try await ignoringNotFound("StopContainer") {
            _ = try await $0.runtime.stopContainer(
                .with {
                    $0.containerID = id
                    $0.timeout = seconds
                }, options: options)
        }
    }

    public func removeContainer(id: String) async throws {
        try await ignoringNotFound("RemoveContainer") {
            _ = try await $0.runtime.removeContainer(.with { $0.containerID = id })
        }
    }

    public func listContainers(_ filter: ContainerFilter) async throws -> [ContainerSummary] {
        let response = try await call("ListContainers") {
            try await $0.runtime.listContainers(.with { $0.filter = .init(filter) })
        }
        return response.containers.map(ContainerSummary.init)
    }

    public func containerStatus(id: String) async throws -> ContainerRuntimeStatus {
        let response = try await call("ContainerStatus") {
            try await $0.runtime.containerStatus(.with { $0.containerID = id })
        }
        return ContainerRuntimeStatus(response.status)
    }

    public func execSync(containerID: String, command: [String], timeout: Duration?) async throws -> ExecResult {
        var options = CallOptions.defaults
        let seconds = timeout.map { max(1, $0.components.seconds) } ?? 0
        if let timeout { options.timeout = timeout + Self.callTimeout }
        let response = try await call("ExecSync") {
            try await $0.runtime.execSync(
                .with {
                    $0.containerID = containerID
                    $0.cmd = command
                    $0.timeout = seconds
                }, options: options)
        }
        return ExecResult(stdout: response.stdout, stderr: response.stderr, exitCode: response.exitCode)
    }

    // MARK: Images

    public func listImages() async throws -> [ImageInfo] {
        let response = try await call("ListImages") { try await $0.images.listImages(.init()) }
        return response.images.map(ImageInfo.init)
    }

    public func imageStatus(_ reference: String) async throws -> ImageInfo? {
        let response = try await call("ImageStatus") {
            try await $0.images.imageStatus(.with { $0.image.image = reference })
        }
        return response.hasImage ? ImageInfo(response.image) : nil
    }

    public func pullImage(_ reference: String, auth: RegistryAuth?, sandboxConfig: SandboxConfig?) async throws -> String {
        let request = Runtime_V1_PullImageRequest.with {
            $0.image.image = reference
            if let auth { $0.auth = .init(auth) }
            if let sandboxConfig { $0.sandboxConfig = .init(sandboxConfig) }
        }
        return try await call("PullImage") { try await $0.images.pullImage(request).imageRef }
    }

    public func removeImage(_ reference: String) async throws {
        try await ignoringNotFound("RemoveImage") {
            _ = try await $0.images.removeImage(.with { $0.image.image = reference })
        }
    }
}
