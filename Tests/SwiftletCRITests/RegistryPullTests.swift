import Foundation
import SwiftletTestSupport
import Testing

@testable import SwiftletCRI

/// Pulls through CRI from Debian's docker-registry on 127.0.0.1, the way a cluster without internet gets images
/// from a local registry (plain HTTP, declared in the node's containerd hosts.toml).
@Suite(.serialized, .timeLimit(.minutes(10))) struct RegistryPullTests {
    typealias Environment = CRITestEnvironment

    @Test func pullsAnImagePushedToALocalRegistry() async throws {
        try Environment.requirePrerequisites()
        let archives = try await Environment.imageArchives()
        let storage = try Environment.makeDataDir()
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let registry = try await LocalRegistry.start(storage: storage)
        defer { registry.stop() }
        let host = registry.host
        let (pushed, output) = try HostProcesses.run("/usr/bin/skopeo", [
            "copy", "--dest-tls-verify=false", "oci-archive:" + archives.appendingPathComponent("busybox-1.36.oci.tar").path,
            "docker://\(host)/library/busybox:1.36",
        ])
        #expect(pushed == 0, "skopeo copy failed: \(output)")

        try await Environment.withContainerd { supervisor, runtime in
            try Self.declarePlainHTTP(host, in: supervisor)
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

    /// The registry asks for a password (htpasswd, over plain HTTP on 127.0.0.1): an anonymous pull or a wrong
    /// password fails, the right username and password in CRI's AuthConfig pull the image.
    @Test func pullsFromARegistryThatRequiresAPassword() async throws {
        try Environment.requirePrerequisites()
        let archives = try await Environment.imageArchives()
        let storage = try Environment.makeDataDir()
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let username = "swiftlet"
        let password = "pw-" + UUID().uuidString.prefix(12)
        let registry = try await LocalRegistry.start(storage: storage, users: [username: password])
        defer { registry.stop() }
        let host = registry.host
        let archive = "oci-archive:" + archives.appendingPathComponent("busybox-1.36.oci.tar").path
        let destination = "docker://\(host)/private/busybox:1.36"
        let (anonymousPush, anonymousOutput) = try HostProcesses.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", archive, destination])
        #expect(anonymousPush != 0, "the registry took an anonymous push: \(anonymousOutput)")
        let (pushed, output) = try HostProcesses.run("/usr/bin/skopeo", [
            "copy", "--dest-tls-verify=false", "--dest-creds", "\(username):\(password)", archive, destination,
        ])
        try #require(pushed == 0, "skopeo copy failed: \(output)")

        try await Environment.withContainerd { supervisor, runtime in
            try Self.declarePlainHTTP(host, in: supervisor)
            let reference = "\(host)/private/busybox:1.36"
            let anonymous = await #expect(throws: ContainerRuntimeError.self, "an anonymous pull") {
                try await runtime.pullImage(reference, auth: nil, sandboxConfig: nil)
            }
            #expect(anonymous?.description.contains("401 Unauthorized") == true, "\(String(describing: anonymous))")
            let wrong = await #expect(throws: ContainerRuntimeError.self, "a wrong password") {
                try await runtime.pullImage(reference, auth: RegistryAuth(username: username, password: "wrong"), sandboxConfig: nil)
            }
            #expect(wrong?.description.contains("401 Unauthorized") == true, "\(String(describing: wrong))")
            #expect(try await runtime.imageStatus(reference) == nil)

            let id = try await runtime.pullImage(
                reference, auth: RegistryAuth(username: username, password: password, serverAddress: "http://\(host)"), sandboxConfig: nil)
            #expect(id.hasPrefix("sha256:"))
            let image = try #require(try await runtime.imageStatus(reference))
            #expect(image.id == id)
            // Each pull asks the registry again, so each needs the password. Without a server address (what the
            // agent sends, as kubelet does) the credentials go to whichever host containerd calls for the image.
            #expect(try await runtime.pullImage(reference, auth: RegistryAuth(username: username, password: password), sandboxConfig: nil) == id)
            // containerd gives the credentials only to the host its server address names (a URL: it parses it
            // with Go's url.Parse and compares the host), and fails the pull when it is no URL at all.
            let otherHost = await #expect(throws: ContainerRuntimeError.self, "credentials for another host") {
                try await runtime.pullImage(
                    reference, auth: RegistryAuth(username: username, password: password, serverAddress: "http://127.0.0.1:1"), sandboxConfig: nil)
            }
            #expect(otherHost?.description.contains("401 Unauthorized") == true, "\(String(describing: otherHost))")
            let noScheme = await #expect(throws: ContainerRuntimeError.self, "a server address without a scheme") {
                try await runtime.pullImage(
                    reference, auth: RegistryAuth(username: username, password: password, serverAddress: host), sandboxConfig: nil)
            }
            #expect(noScheme?.description.contains("parse server address") == true, "\(String(describing: noScheme))")
        }
    }

    /// Declares `host` a plain-HTTP registry in the node's containerd hosts config.
    static func declarePlainHTTP(_ host: String, in supervisor: ContainerdSupervisor) throws {
        let hosts = supervisor.configuration.registryConfigDir + "/\(host)"
        try FileManager.default.createDirectory(atPath: hosts, withIntermediateDirectories: true)
        try """
            server = "http://\(host)"
            [host."http://\(host)"]
              capabilities = ["pull", "resolve"]
            """.write(toFile: hosts + "/hosts.toml", atomically: true, encoding: .utf8)
    }


}
