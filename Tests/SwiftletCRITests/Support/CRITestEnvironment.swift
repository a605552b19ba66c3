import Foundation
import SwiftletTestSupport
import Testing

@testable import SwiftletCRI

/// What the containerd tests need from the machine, and the clean-up that keeps them from leaving anything behind.
enum CRITestEnvironment {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    typealias MissingPrerequisite = SwiftletTestSupport.MissingPrerequisite

    /// Fails (never skips) when the machine lacks what the tests need; scripts/install-deps.sh installs it.
    static func requirePrerequisites() throws {
        var missing: [String] = []
        if geteuid() != 0 { missing.append("root (containerd needs it)") }
        for tool in ["containerd", "containerd-shim-runc-v2", "runc", "ctr", "umoci", "skopeo", "gcc"] {
            if (try? ContainerdSupervisor.resolveExecutable(tool)) == nil { missing.append(tool) }
        }
        if !FileManager.default.isExecutableFile(atPath: "/bin/busybox") { missing.append("/bin/busybox (busybox-static)") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/loopback") {
            missing.append("/usr/lib/cni (containernetworking-plugins)")
        }
        if !missing.isEmpty {
            throw MissingPrerequisite(description: "missing: \(missing.joined(separator: ", ")); run scripts/install-deps.sh")
        }
    }

    /// A fresh data dir under /tmp (or a deep one, to exercise the socket fallback under /run/swiftlet).
    static func makeDataDir(deep: Bool = false) throws -> String {
        var path = "/tmp/swiftlet-cri-\(UUID().uuidString.prefix(8))"
        if deep { path += "/" + String(repeating: "deep/", count: 18) + "node" }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The archives hack/build-images.sh makes, built once per test run.
    static func imageArchives() async throws -> URL {
        try await ImageBuild.shared.archives()
    }

    actor ImageBuild {
        static let shared = ImageBuild()
        private var built: URL?

        func archives() throws -> URL {
            if let built { return built }
            let directory = repositoryRoot.appendingPathComponent(".build/images")
            let (status, output) = try HostProcesses.run(repositoryRoot.appendingPathComponent("hack/build-images.sh").path, [directory.path])
            guard status == 0 else { throw MissingPrerequisite(description: "hack/build-images.sh failed: \(output)") }
            built = directory
            return directory
        }
    }




    /// Runs a supervised containerd in a fresh data dir for the length of `body`, with a client on its socket;
    /// afterwards removes whatever pods `body` left, stops containerd, and records as test failures any process
    /// or mount that outlived it before clearing them and the data dir away.
    static func withContainerd<Result: Sendable>(
        deepDataDir: Bool = false,
        _ body: (ContainerdSupervisor, CRIRuntimeClient) async throws -> Result
    ) async throws -> Result {
        // One containerd test at a time on this host, across the test targets (DESIGN.md).
        try await HostFileLock.withLock(containerdTestLock) { try await withContainerdAlone(deepDataDir: deepDataDir, body) }
    }

    /// The host-wide lock every test that starts containerd holds.
    static let containerdTestLock = "/run/swiftlet-tests/containerd.lock"

    private static func withContainerdAlone<Result: Sendable>(
        deepDataDir: Bool,
        _ body: (ContainerdSupervisor, CRIRuntimeClient) async throws -> Result
    ) async throws -> Result {
        try requirePrerequisites()
        let dataDir = try makeDataDir(deep: deepDataDir)
        let configuration = ContainerdConfiguration(dataDir: dataDir)
        let supervisor = ContainerdSupervisor(configuration: configuration, readyTimeout: .seconds(30), stopTimeout: .seconds(10))
        let supervision = Task { try await supervisor.run() }
        let outcome: Swift.Result<Result, any Error>
        do {
            try await withDeadline(.seconds(30), "containerd did not become ready") { try await supervisor.waitUntilReady() }
            let client = try CRIRuntimeClient(endpoint: supervisor.endpoint)
            let connection = Task { try await client.run() }
            do {
                outcome = .success(try await body(supervisor, client))
            } catch {
                outcome = .failure(error)
            }
            await removeAllPods(client)
            connection.cancel()
            _ = try? await connection.value
        } catch {
            outcome = .failure(error)
        }
        supervision.cancel()
        _ = try? await supervision.value
        await clearAway(configuration)
        return try outcome.get()
    }

    /// Stops and removes every container and sandbox, so no shim outlives the test.
    static func removeAllPods(_ runtime: some ContainerRuntime) async {
        for container in (try? await runtime.listContainers(.all)) ?? [] {
            try? await runtime.removeContainer(id: container.id)
        }
        for sandbox in (try? await runtime.listPodSandboxes(.all)) ?? [] {
            try? await runtime.stopPodSandbox(id: sandbox.id)
            try? await runtime.removePodSandbox(id: sandbox.id)
        }
    }

    private static func clearAway(_ configuration: ContainerdConfiguration) async {
        let needles = [configuration.dataDir, configuration.socketPath]
        var leftovers = HostProcesses.mentioning(needles)
        for _ in 0..<50 where !leftovers.isEmpty {
            try? await Task.sleep(for: .milliseconds(100))
            leftovers = HostProcesses.mentioning(needles)
        }
        if !leftovers.isEmpty {
            Issue.record("processes left behind: \(leftovers)")
            for pid in leftovers { kill(pid, SIGKILL) }
        }
        let mounted = MountTable.mountPoints(under: configuration.dataDir)
        if !mounted.isEmpty {
            Issue.record("mounts left behind: \(mounted)")
            MountTable.unmountAll(under: configuration.dataDir)
        }
        let top = "/" + configuration.dataDir.split(separator: "/").prefix(2).joined(separator: "/")
        if top.hasPrefix("/tmp/swiftlet-cri-") { try? FileManager.default.removeItem(atPath: top) }
        if configuration.socketPath.hasPrefix("/run/swiftlet/") {
            try? FileManager.default.removeItem(atPath: (configuration.socketPath as NSString).deletingLastPathComponent)
            rmdir("/run/swiftlet")  // only when no other data dir has its socket there
        }
    }

    struct DeadlineExceeded: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `body`, failing with `what` if it takes longer than `limit`.
    static func withDeadline<T: Sendable>(
        _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DeadlineExceeded(description: "\(what) within \(limit)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
