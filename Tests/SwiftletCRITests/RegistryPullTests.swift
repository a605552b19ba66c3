import Foundation
import Testing

@testable import SwiftletCRI

/// Pulls through CRI from Debian's docker-registry on 127.0.0.1, the way a cluster without internet gets images
/// from a local registry (plain HTTP, declared in the node's containerd hosts.toml).
@Suite(.serialized, .timeLimit(.minutes(10))) struct RegistryPullTests {
    typealias Environment = CRITestEnvironment

    @Test func pullsAnImagePushedToALocalRegistry() async throws {
        try Environment.requirePrerequisites()
        let registryBinary = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: registryBinary) else {
            throw Environment.MissingPrerequisite(description: "missing: docker-registry; run scripts/install-deps.sh")
        }
        let archives = try await Environment.imageArchives()
        let port = try Self.freePort()
        let storage = try Environment.makeDataDir()
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let config = storage + "/config.yml"
        try """
            version: 0.1
            log: {level: warn}
            storage:
              filesystem: {rootdirectory: \(storage)/data}
            http:
              addr: 127.0.0.1:\(port)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let registry = Process()
        registry.executableURL = URL(fileURLWithPath: registryBinary)
        registry.arguments = ["serve", config]
        registry.standardOutput = FileHandle.nullDevice
        registry.standardError = FileHandle.nullDevice
        try registry.run()
        defer {
            registry.terminate()
            registry.waitUntilExit()
        }
        let host = "127.0.0.1:\(port)"
        try await Environment.withDeadline(.seconds(20), "the registry did not answer") {
            while true {
                // Any answer but a refused connection (here: no such image) means it listens.
                let (_, output) = try Environment.run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "docker://\(host)/none/none:1"])
                if !output.contains("connection refused") { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        let (pushed, output) = try Environment.run("/usr/bin/skopeo", [
            "copy", "--dest-tls-verify=false", "oci-archive:" + archives.appendingPathComponent("busybox-1.36.oci.tar").path,
            "docker://\(host)/library/busybox:1.36",
        ])
        #expect(pushed == 0, "skopeo copy failed: \(output)")

        try await Environment.withContainerd { supervisor, runtime in
            let hosts = supervisor.configuration.registryConfigDir + "/\(host)"
            try FileManager.default.createDirectory(atPath: hosts, withIntermediateDirectories: true)
            try """
                server = "http://\(host)"
                [host."http://\(host)"]
                  capabilities = ["pull", "resolve"]
                """.write(toFile: hosts + "/hosts.toml", atomically: true, encoding: .utf8)
            let reference = "\(host)/library/busybox:1.36"
            #expect(try await runtime.imageStatus(reference) == nil)
            let id = try await runtime.pullImage(reference, auth: nil, sandboxConfig: nil)
            #expect(id.hasPrefix("sha256:"))
            let image = try #require(try await runtime.imageStatus(reference))
            #expect(image.repoTags.contains(reference))
            #expect(image.id == id)
            // A tag the registry does not have fails with the runtime's not-found answer.
            await #expect(throws: ContainerRuntimeError.self) {
                try await runtime.pullImage("\(host)/library/busybox:9.99", auth: nil, sandboxConfig: nil)
            }
        }
    }

    /// A port nobody listens on now (bound once to port 0, then released for the registry).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw Environment.MissingPrerequisite(description: "cannot bind a port on 127.0.0.1") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
