import Foundation
import SwiftletTestSupport
import Testing

@testable import SwiftletCRI

/// Real containerd and runc: one at a time, each in its own data dir, leaving no process, mount or file behind.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ContainerdIntegrationTests {
    typealias Environment = CRITestEnvironment

    @Test func supervisorStartsContainerdAnswersVersionAndStopsIt() async throws {
        // A deep data dir: the socket must move under /run/swiftlet/<hash>/ to fit a unix socket address.
        let (pid, configuration) = try await Environment.withContainerd(deepDataDir: true) { supervisor, client in
            #expect(supervisor.configuration.socketPath.hasPrefix("/run/swiftlet/"))
            let version = try await client.version()
            #expect(version.runtimeName == "containerd")
            #expect(version.runtimeAPIVersion == "v1")
            #expect(version.runtimeVersion.hasPrefix("1.6"))
            let conditions = try await client.status()
            #expect(conditions.contains { $0.type == RuntimeCondition.runtimeReady && $0.status })
            let pid = try #require(supervisor.pid)
            #expect(kill(pid, 0) == 0)
            return (pid, supervisor.configuration)
        }
        #expect(kill(pid, 0) != 0, "containerd \(pid) still runs after the supervisor stopped")
        #expect(!FileManager.default.fileExists(atPath: configuration.socketPath))
    }

    /// containerd pings with every call and swift-nio-http2 drops a connection after 200 pings in 30 s: the client
    /// moves to a fresh connection before that, so even calls that are never retried (ExecSync) do not fail with
    /// `unavailable` under a burst of 450 calls.
    @Test func manyCallsInAShortTimeNeverLoseTheirConnection() async throws {
        try await Environment.withContainerd { _, client in
            // One after another: containerd's BDP estimator pings once per call that finds no ping outstanding.
            var codes: [ContainerRuntimeError.Code: Int] = [:]
            for _ in 0..<450 {
                do {
                    _ = try await client.execSync(containerID: "no-such-container", command: ["true"], timeout: .seconds(5))
                    codes[.internal, default: 0] += 1
                } catch let error as ContainerRuntimeError {
                    codes[error.code, default: 0] += 1
                }
            }
            #expect(codes == [.notFound: 450], "\(codes)")
            #expect(client.connections.replacements >= 3)
        }
    }

    @Test func supervisorRestartsContainerdWhenItDies() async throws {
        try await Environment.withContainerd { supervisor, client in
            let first = try #require(supervisor.pid)
            #expect(kill(first, SIGKILL) == 0)
            try await Environment.withDeadline(.seconds(30), "containerd was not started again") {
                while supervisor.pid == nil || supervisor.pid == first { try await Task.sleep(for: .milliseconds(50)) }
                try await supervisor.waitUntilReady()
            }
            #expect(supervisor.restartCount == 1)
            let version = try await CRIRuntimeClient.withClient(endpoint: supervisor.endpoint) { try await $0.version() }
            #expect(version.runtimeName == "containerd")
            // The client that was connected to the killed containerd finds the new one.
            let again = try await Environment.withDeadline(.seconds(10), "the connected client did not reconnect") {
                try await client.version()
            }
            #expect(again.runtimeName == "containerd")
        }
    }

    @Test func importsImagesAndRunsAPodWithASleepingContainer() async throws {
        let archives = try await Environment.imageArchives()
        try await Environment.withContainerd { supervisor, runtime in
            let importer = ImageArchiveImporter(socketPath: supervisor.configuration.socketPath)
            #expect(try await importer.importArchive(archives.appendingPathComponent("pause-3.10.tar").path) == ["swiftlet.local/pause:3.10"])
            #expect(try await importer.importArchive(archives.appendingPathComponent("busybox-1.36.oci.tar").path) == [
                "docker.io/library/busybox:1.36"
            ])
            let images = try await runtime.listImages()
            #expect(images.contains { $0.repoTags.contains("docker.io/library/busybox:1.36") })
            #expect(images.contains { $0.repoTags.contains("swiftlet.local/pause:3.10") })
            let busybox = try #require(try await runtime.imageStatus("busybox:1.36"))
            #expect(busybox.id.hasPrefix("sha256:"))
            #expect(try await runtime.imageStatus("docker.io/library/missing:1") == nil)

            // The node's network namespace: pod networking (CNI) is the agent's to configure.
            let logDirectory = supervisor.configuration.dataDir + "/pods/default_sleeper_uid-1"
            let sandboxConfig = SandboxConfig(
                metadata: SandboxMetadata(name: "sleeper", uid: "uid-1", namespace: "default"),
                logDirectory: logDirectory, labels: ["swiftlet.io/test": "cri"],
                namespaces: NamespaceOptions(network: .node, pid: .pod, ipc: .pod))
            let sandboxID = try await runtime.runPodSandbox(sandboxConfig)
            #expect(try await runtime.runPodSandbox(sandboxConfig) == sandboxID, "a repeated RunPodSandbox reuses the sandbox")
            let sandbox = try await runtime.podSandboxStatus(id: sandboxID)
            #expect(sandbox.state == .ready)
            #expect(sandbox.metadata.name == "sleeper")
            #expect(sandbox.labels["swiftlet.io/test"] == "cri")

            let containerConfig = ContainerConfig(
                metadata: ContainerMetadata(name: "sleep"), image: "docker.io/library/busybox:1.36",
                command: ["sleep", "30"], environment: [EnvironmentVariable(name: "GREETING", value: "hello")],
                logPath: "sleep/0.log")
            let containerID = try await runtime.createContainer(sandboxID: sandboxID, config: containerConfig, sandboxConfig: sandboxConfig)
            #expect(
                try await runtime.createContainer(sandboxID: sandboxID, config: containerConfig, sandboxConfig: sandboxConfig) == containerID,
                "a repeated CreateContainer reuses the container")
            try await runtime.startContainer(id: containerID)
            let running = try await runtime.containerStatus(id: containerID)
            #expect(running.state == .running)
            #expect(running.startedAt != nil)
            #expect(running.metadata.name == "sleep")
            #expect(running.imageRef.contains("sha256:"))
            #expect(running.logPath == logDirectory + "/sleep/0.log")

            let listed = try await runtime.listContainers(ContainerFilter(sandboxID: sandboxID, state: .running))
            #expect(listed.map(\.id) == [containerID])
            let exec = try await runtime.execSync(containerID: containerID, command: ["sh", "-c", "echo $GREETING"], timeout: .seconds(10))
            #expect(exec.exitCode == 0)
            #expect(String(decoding: exec.stdout, as: UTF8.self) == "hello\n")

            try await runtime.stopContainer(id: containerID, gracePeriod: .zero)
            let stopped = try await runtime.containerStatus(id: containerID)
            #expect(stopped.state == .exited)
            #expect(stopped.finishedAt != nil)
            try await runtime.removeContainer(id: containerID)
            try await runtime.removeContainer(id: containerID)  // idempotent
            let missing = await #expect(throws: ContainerRuntimeError.self) { try await runtime.containerStatus(id: containerID) }
            #expect(missing?.code == .notFound)

            try await runtime.stopPodSandbox(id: sandboxID)
            try await runtime.removePodSandbox(id: sandboxID)
            try await runtime.removePodSandbox(id: sandboxID)  // idempotent
            #expect(try await runtime.listContainers(.all).isEmpty)
            #expect(try await runtime.listPodSandboxes(.all).isEmpty)
            #expect(MountTable.mountPoints(under: supervisor.configuration.dataDir).isEmpty)
        }
    }

    @Test func imagesImportCommandLoadsAnArchiveAndExplainsAStoppedContainerd() async throws {
        let archives = try await Environment.imageArchives()
        let binary = Environment.repositoryRoot.appendingPathComponent(".build/debug/swiftlet").path
        try #require(FileManager.default.isExecutableFile(atPath: binary), "build the swiftlet binary first (swift build)")
        let archive = archives.appendingPathComponent("busybox-1.36.tar").path

        let stoppedDataDir = try Environment.makeDataDir()
        defer { try? FileManager.default.removeItem(atPath: stoppedDataDir) }
        let (failure, message) = try HostProcesses.run(binary, ["images", "import", archive, "--data-dir", stoppedDataDir])
        #expect(failure != 0)
        #expect(message.contains("containerd of data dir \(stoppedDataDir) is not running"), "\(message)")

        try await Environment.withContainerd { supervisor, runtime in
            let (status, output) = try HostProcesses.run(
                binary, ["images", "import", archive, "--data-dir", supervisor.configuration.dataDir])
            #expect(status == 0, "\(output)")
            #expect(output.contains("imported docker.io/library/busybox:1.36"), "\(output)")
            #expect(try await runtime.imageStatus("busybox:1.36") != nil)
        }
    }
}
