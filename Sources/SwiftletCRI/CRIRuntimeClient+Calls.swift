import GRPCCore
import GRPCNIOTransportHTTP2

extension CRIRuntimeClient {
    /// The deadline of an ordinary call, as kubelet's `--runtime-request-timeout`.
    static let callTimeout = Duration.seconds(120)
    /// How many times a creating call is tried when the connection drops under it.
    static let createAttempts = 5

    /// Reconnecting to a local socket is cheap: a containerd that restarts is found again within a second or two,
    /// where gRPC's default backoff grows to two minutes.
    static var transportConfig: HTTP2ClientTransport.Posix.Config {
        .defaults {
            $0.backoff = .init(initial: .milliseconds(100), max: .seconds(2), multiplier: 1.6, jitter: 0.2)
        }
    }

    static func backoff(attempt: Int) -> Duration {
        .milliseconds(50 << min(attempt, 5))
    }

    /// Per-method settings: deadlines, the response size limit, and gRPC's own retry of `unavailable` for the calls
    /// that are safe to repeat. (grpc-swift's NIO transport applies `maxRequestMessageBytes` to what it receives.)
    ///
    /// Every call waits for a ready connection (bounded by its deadline): without wait-for-ready, a call queued
    /// while a connection attempt fails (containerd dying or restarting under it) is never woken by
    /// grpc-swift-nio-transport 2.9 when the next attempt succeeds, and hangs until its deadline.
    static var serviceConfig: ServiceConfig {
        let runtime = "runtime.v1.RuntimeService"
        let images = "runtime.v1.ImageService"
        let retry = RPCExecutionPolicy.retry(
            RetryPolicy(
                maxAttempts: 5, initialBackoff: .milliseconds(50), maxBackoff: .seconds(1), backoffMultiplier: 2,
                retryableStatusCodes: [.unavailable]))
        let idempotent =
            ["Version", "Status", "PodSandboxStatus", "ListPodSandbox", "StopPodSandbox", "RemovePodSandbox",
             "ListContainers", "ContainerStatus", "StopContainer", "RemoveContainer"]
            .map { MethodConfig.Name(service: runtime, method: $0) }
            + ["ListImages", "ImageStatus", "RemoveImage"].map { MethodConfig.Name(service: images, method: $0) }
        return ServiceConfig(methodConfig: [
            MethodConfig(
                names: [.init(service: runtime), .init(service: images)], waitForReady: true, timeout: callTimeout,
                maxRequestMessageBytes: maxResponseBytes),
            MethodConfig(
                names: idempotent, waitForReady: true, timeout: callTimeout, maxRequestMessageBytes: maxResponseBytes,
                executionPolicy: retry),
            MethodConfig(
                names: [.init(service: images, method: "PullImage")], waitForReady: true, timeout: .seconds(600),
                maxRequestMessageBytes: maxResponseBytes, executionPolicy: retry),
            // An exec without a timeout waits as long as its command runs.
            MethodConfig(
                names: [.init(service: runtime, method: "ExecSync")], waitForReady: true, maxRequestMessageBytes: maxResponseBytes),
        ])
    }

    /// Runs one call on a connection, mapping whatever it throws to `ContainerRuntimeError`.
    func call<Result: Sendable>(_ operation: String, _ body: (CRIConnections.Connection) async throws -> Result) async throws -> Result {
        do {
            return try await connections.withConnection(body)
        } catch {
            throw ContainerRuntimeError(mapping: error, operation: operation, endpoint: endpoint)
        }
    }

    /// A stop or remove call: a missing object is already stopped or removed.
    func ignoringNotFound(_ operation: String, _ body: (CRIConnections.Connection) async throws -> Void) async throws {
        do {
            try await call(operation, body)
        } catch let error as ContainerRuntimeError where error.code == .notFound {
            return
        }
    }

    /// A creating call (RunPodSandbox, CreateContainer): retried when the connection drops, and when an earlier
    /// attempt got through, containerd's "name … is reserved for ID" gives the ID that attempt created.
    func create(_ operation: String, _ body: (CRIConnections.Connection) async throws -> String) async throws -> String {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await call(operation, body)
            } catch let error as ContainerRuntimeError {
                if let id = Self.reservedID(in: error.message) { return id }
                guard error.code == .unavailable, attempt < Self.createAttempts else { throw error }
                try await Task.sleep(for: Self.backoff(attempt: attempt))
            }
        }
    }

    /// The ID in containerd's `failed to reserve sandbox name "…": name "…" is reserved for "ID"`.
    static func reservedID(in message: String) -> String? {
        guard let marker = message.range(of: "is reserved for \"") else { return nil }
        let rest = message[marker.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        let id = String(rest[..<end])
        return id.isEmpty ? nil : id
    }
}

extension ContainerRuntimeError {
    /// The one place gRPC errors become runtime errors.
    init(mapping error: any Error, operation: String, endpoint: String) {
        switch error {
        case let error as ContainerRuntimeError:
            self = error
        case let error as RPCError:
            let code: Code =
                switch error.code {
                case .notFound: .notFound
                case .alreadyExists: .alreadyExists
                case .unavailable: .unavailable
                case .invalidArgument, .outOfRange: .invalid
                case .failedPrecondition, .aborted: .conflict
                case .unimplemented: .unsupported
                case .permissionDenied, .unauthenticated: .forbidden
                case .deadlineExceeded: .timeout
                case .cancelled: .cancelled
                default: .internal
                }
            let message = code == .unavailable ? "\(error.message) (container runtime at \(endpoint))" : error.message
            self.init(code, operation: operation, message: message)
        case let error as RuntimeError:
            self.init(
                error.code == .clientIsStopped || error.code == .transportError ? .unavailable : .internal,
                operation: operation, message: "\(error.message) (container runtime at \(endpoint))")
        case is CancellationError:
            self.init(.cancelled, operation: operation, message: "cancelled")
        default:
            self.init(.internal, operation: operation, message: "\(error)")
        }
    }
}
