import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs Debian's containerd for one data dir, as k3s does for its agent: writes its config, starts it, waits until
/// its CRI socket answers `Version`, restarts it (with backoff) whenever it dies, and stops it — SIGTERM, then
/// SIGKILL after `stopTimeout` — when `run()` is cancelled or the service group shuts down.
///
/// Containers outlive a containerd restart (their shims keep running), so stopping the supervisor leaves running
/// pods running; the next supervisor of the same data dir also stops a containerd a crashed one left behind.
public final class ContainerdSupervisor: Service {
    public let configuration: ContainerdConfiguration
    /// How long containerd may take to answer after it starts before it is killed and started again.
    public let readyTimeout: Duration
    /// How long containerd may take to exit after SIGTERM before it gets SIGKILL.
    public let stopTimeout: Duration
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var phase = Phase.notStarted
        var pid: Int32?
        var restarts = 0
        var nextWaiterID = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private enum Phase { case notStarted, starting, ready, finished }

    static let minimumRestartDelay = Duration.milliseconds(500)
    static let maximumRestartDelay = Duration.seconds(30)
    /// A containerd that ran this long before dying restarts after the shortest delay again.
    static let stableRunTime = Duration.seconds(60)

    public init(
        configuration: ContainerdConfiguration, readyTimeout: Duration = .seconds(60), stopTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "swiftlet.containerd")
    ) {
        self.configuration = configuration
        self.readyTimeout = readyTimeout
        self.stopTimeout = stopTimeout
        var logger = logger
        logger[metadataKey: "containerd"] = "\(configuration.socketPath)"
        self.logger = logger
    }

    /// `unix://…` of the CRI socket.
    public var endpoint: String { configuration.endpoint }
    /// The PID of the running containerd, if one runs.
    public var pid: Int32? { state.withLock { $0.pid } }
    /// How many times containerd has been started again after it died.
    public var restartCount: Int { state.withLock { $0.restarts } }

    /// Returns once containerd answers on its socket (at once if it already does). Throws `CancellationError` when
    /// the caller is cancelled, and `unavailable` when `run()` has ended.
    public func waitUntilReady() async throws {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    switch state.phase {
                    case .ready: return .success(())
                    case .finished: return .failure(Self.stoppedError)
                    case .notStarted, .starting:
                        state.waiters[id] = continuation
                        return nil
                    }
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Supervises containerd until cancelled or shut down gracefully; throws at once when containerd is not
    /// installed or the data dir cannot be written.
    public func run() async throws {
        defer { finish() }
        let executable = try Self.resolveExecutable(configuration.containerdExecutable)
        try prepareDirectories()
        await stopLeftoverContainerd()
        await cancelWhenGracefulShutdown {
            await self.supervise(executable)
        }
    }

    private func supervise(_ executable: URL) async {
        var delay = Self.minimumRestartDelay
        while !Task.isCancelled {
            removeSocket()
            let child: ChildProcess
            do {
                child = try ChildProcess(executable: executable, arguments: ["--config", configuration.configPath], logPath: configuration.logPath)
            } catch {
                logger.error("cannot start containerd", metadata: ["error": "\(error)"])
                guard (try? await Task.sleep(for: delay)) != nil else { return }
                delay = min(delay * 2, Self.maximumRestartDelay)
                continue
            }
            try? String(child.pid).write(toFile: configuration.pidPath, atomically: true, encoding: .utf8)
            state.withLock { $0.phase = .starting; $0.pid = child.pid }
            logger.info("started containerd", metadata: ["pid": "\(child.pid)", "log": "\(configuration.logPath)"])
            let started = ContinuousClock.now

            let status = await withTaskCancellationHandler {
                await withTaskGroup(of: Int32?.self) { group in
                    group.addTask { await child.waitForExit() }
                    group.addTask {
                        await self.waitForAnswer(from: child)
                        return nil
                    }
                    var status: Int32 = 0
                    for await result in group {
                        if let result {
                            status = result
                            group.cancelAll()
                        }
                    }
                    return status
                }
            } onCancel: {
                self.stop(child)
            }
            state.withLock { $0.phase = .starting; $0.pid = nil }
            if Task.isCancelled {
                try? FileManager.default.removeItem(atPath: configuration.pidPath)
                removeSocket()
                logger.info("stopped containerd", metadata: ["pid": "\(child.pid)", "status": "\(status)"])
                return
            }
            if ContinuousClock.now - started > Self.stableRunTime { delay = Self.minimumRestartDelay }
            logger.error(
                "containerd exited; starting it again",
                metadata: ["pid": "\(child.pid)", "status": "\(status)", "delay": "\(delay)", "log": "\(configuration.logPath)"])
            guard (try? await Task.sleep(for: delay)) != nil else { return }
            delay = min(delay * 2, Self.maximumRestartDelay)
            state.withLock { $0.restarts += 1 }
        }
    }

    /// Polls the CRI socket until containerd answers `Version`, then wakes the waiters; kills a containerd that
    /// stays silent past `readyTimeout` so the loop starts a fresh one.
    private func waitForAnswer(from child: ChildProcess) async {
        let deadline = ContinuousClock.now + readyTimeout
        while !Task.isCancelled && !child.hasExited {
            if FileManager.default.fileExists(atPath: configuration.socketPath),
                let version = try? await CRIRuntimeClient.withClient(endpoint: endpoint, logger: logger, { client in
                    try await client.version(timeout: .seconds(5))
                })
            {
                logger.info("containerd is ready", metadata: ["version": "\(version.runtimeVersion)", "endpoint": "\(endpoint)"])
                let waiters = state.withLock { state in
                    state.phase = .ready
                    defer { state.waiters = [:] }
                    return state.waiters.values
                }
                for waiter in waiters { waiter.resume() }
                return
            }
            if ContinuousClock.now > deadline {
                logger.error("containerd did not answer in time; killing it", metadata: ["timeout": "\(readyTimeout)"])
                child.send(SIGKILL)
                return
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// SIGTERM, then SIGKILL if containerd is still there after `stopTimeout`.
    private func stop(_ child: ChildProcess) {
        child.send(SIGTERM)
        let stopTimeout = self.stopTimeout
        let logger = self.logger
        Task {
            if await child.waitForExit(timeout: stopTimeout) == nil {
                logger.warning("containerd ignored SIGTERM; killing it", metadata: ["pid": "\(child.pid)"])
                child.send(SIGKILL)
            }
        }
    }

    private func finish() {
        let waiters = state.withLock { state in
            state.phase = .finished
            state.pid = nil
            defer { state.waiters = [:] }
            return state.waiters.values
        }
        for waiter in waiters { waiter.resume(throwing: Self.stoppedError) }
    }

    private static var stoppedError: ContainerRuntimeError {
        ContainerRuntimeError(.unavailable, operation: "containerd", message: "the containerd supervisor has stopped")
    }

    private func prepareDirectories() throws {
        let files = FileManager.default
        for directory in [
            configuration.directory, configuration.rootDir, configuration.stateDir, configuration.cniConfDir,
            configuration.registryConfigDir,
        ] {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let socketDirectory = (configuration.socketPath as NSString).deletingLastPathComponent
        try files.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try configuration.render().write(toFile: configuration.configPath, atomically: true, encoding: .utf8)
    }

    private func removeSocket() {
        for path in [configuration.socketPath, configuration.socketPath + ".ttrpc"] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// A supervisor that crashed leaves its containerd running and holding the data dir's database lock.
    private func stopLeftoverContainerd() async {
        guard let text = try? String(contentsOfFile: configuration.pidPath, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
            let commandLine = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8),
            commandLine.contains("containerd"), commandLine.contains(configuration.configPath)
        else { return }
        logger.warning("stopping a containerd left running by an earlier supervisor", metadata: ["pid": "\(pid)"])
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + stopTimeout
        while kill(pid, 0) == 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: configuration.pidPath)
    }

    /// `name` looked up in PATH (and the sbin directories root has), or a path as is.
    static func resolveExecutable(_ name: String) throws -> URL {
        let files = FileManager.default
        if name.contains("/") {
            if files.isExecutableFile(atPath: name) { return URL(fileURLWithPath: name) }
        } else {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
            let directories = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            if let found = directories.map({ $0 + "/" + name }).first(where: files.isExecutableFile(atPath:)) {
                return URL(fileURLWithPath: found)
            }
        }
        throw ContainerRuntimeError(
            .unavailable, operation: "start containerd",
            message: "\(name) is not installed; install Debian's containerd and runc (scripts/install-deps.sh does)")
    }
}
