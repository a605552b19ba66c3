import Foundation
import Testing

@testable import SwiftletCRI

@Suite struct ContainerdConfigurationTests {
    @Test func keepsEverythingUnderTheDataDir() {
        let configuration = ContainerdConfiguration(dataDir: "/var/lib/swiftlet/")
        #expect(configuration.dataDir == "/var/lib/swiftlet")
        #expect(configuration.socketPath == "/var/lib/swiftlet/containerd/containerd.sock")
        #expect(configuration.endpoint == "unix:///var/lib/swiftlet/containerd/containerd.sock")
        #expect(configuration.cniConfDir == "/var/lib/swiftlet/cni/net.d")
    }

    @Test func movesTheSocketWhenThePathIsTooLong() {
        let deep = "/tmp/" + String(repeating: "d", count: 90)
        let configuration = ContainerdConfiguration(dataDir: deep)
        #expect(configuration.socketPath == "/run/swiftlet/\(ContainerdConfiguration.hash(deep))/containerd.sock")
        #expect((configuration.socketPath + ".ttrpc").utf8.count <= 107)
        #expect(ContainerdConfiguration.hash(deep).count == 16)
        #expect(ContainerdConfiguration.hash(deep) != ContainerdConfiguration.hash(deep + "x"))
    }

    @Test func resolvesRelativeDataDirs() {
        let configuration = ContainerdConfiguration(dataDir: "data/../node")
        #expect(configuration.dataDir == FileManager.default.currentDirectoryPath + "/node")
    }

    @Test func rendersAContainerd16Config() {
        let text = ContainerdConfiguration(dataDir: "/srv/node \"a\"").render()
        for line in [
            "version = 2",
            #"root = "/srv/node \"a\"/containerd/root""#,
            #"state = "/srv/node \"a\"/containerd/state""#,
            #"address = "/srv/node \"a\"/containerd/containerd.sock""#,
            #"sandbox_image = "swiftlet.local/pause:3.10""#,
            "restrict_oom_score_adj = true",
            "SystemdCgroup = false",
            #"bin_dir = "/usr/lib/cni""#,
            #"conf_dir = "/srv/node \"a\"/cni/net.d""#,
            #"[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]"#,
        ] {
            #expect(text.contains(line), "missing: \(line)")
        }
    }

    @Test func refusesToStartWithoutContainerd() async throws {
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-cri-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let supervisor = ContainerdSupervisor(
            configuration: ContainerdConfiguration(dataDir: dataDir, containerdExecutable: "/nonexistent/containerd"))
        let error = await #expect(throws: ContainerRuntimeError.self) { try await supervisor.run() }
        #expect(error?.code == .unavailable)
        await #expect(throws: ContainerRuntimeError.self) { try await supervisor.waitUntilReady() }
    }
}
