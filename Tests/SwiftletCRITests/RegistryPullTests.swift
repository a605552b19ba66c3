import Foundation
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
        let registry = try await Self.startRegistry(storage: storage)
        defer { registry.stop() }
        let host = registry.host
        let (pushed, output) = try Environment.run("/usr/bin/skopeo", [
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
        let registry = try await Self.startRegistry(storage: storage, users: [username: password])
        defer { registry.stop() }
        let host = registry.host
        let archive = "oci-archive:" + archives.appendingPathComponent("busybox-1.36.oci.tar").path
        let destination = "docker://\(host)/private/busybox:1.36"
        let (anonymousPush, anonymousOutput) = try Environment.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", archive, destination])
        #expect(anonymousPush != 0, "the registry took an anonymous push: \(anonymousOutput)")
        let (pushed, output) = try Environment.run("/usr/bin/skopeo", [
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

    /// Debian's docker-registry serving `storage` on a free 127.0.0.1 port until `stop()`.
    struct LocalRegistry {
        let process: Process
        let host: String

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Starts the registry, with htpasswd authentication when `users` are given, and waits until it answers.
    static func startRegistry(storage: String, users: [String: String] = [:]) async throws -> LocalRegistry {
        let registryBinary = "/usr/bin/docker-registry"
        guard FileManager.default.isExecutableFile(atPath: registryBinary) else {
            throw Environment.MissingPrerequisite(description: "missing: docker-registry; run scripts/install-deps.sh")
        }
        let port = try Self.freePort()
        var config = """
            version: 0.1
            log: {level: warn}
            storage:
              filesystem: {rootdirectory: \(storage)/data}
            http:
              addr: 127.0.0.1:\(port)

            """
        if !users.isEmpty {
            var lines: [String] = []
            for (user, password) in users.sorted(by: { $0.key < $1.key }) {
                let hash = try Self.bcrypt(password)
                lines.append("\(user):\(hash)")
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: storage + "/htpasswd", atomically: true, encoding: .utf8)
            // Basic auth over plain HTTP: the registry allows it (it only warns that TLS should carry it).
            config += """
                auth:
                  htpasswd: {realm: swiftlet-test, path: \(storage)/htpasswd}

                """
        }
        try config.write(toFile: storage + "/config.yml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: registryBinary)
        process.arguments = ["serve", storage + "/config.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let registry = LocalRegistry(process: process, host: "127.0.0.1:\(port)")
        do {
            let host = registry.host
            try await Environment.withDeadline(.seconds(20), "the registry did not answer") {
                while true {
                    // Any answer but a refused connection (here: no such image, or no credentials) means it listens.
                    let (_, output) = try Environment.run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "docker://\(host)/none/none:1"])
                    if !output.contains("connection refused") { return }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
        } catch {
            registry.stop()
            throw error
        }
        return registry
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

    /// A bcrypt hash of `password` for an htpasswd file (the registry takes no other kind), made by the system's
    /// libcrypt through Perl's `crypt`: perl-base is essential on Debian, so no package is needed for it.
    static func bcrypt(_ password: String) throws -> String {
        let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        // 22 salt characters; the last one carries only two bits, so it is one of `.Oeu`.
        let salt = String((0..<21).map { _ in alphabet.randomElement()! }) + String(".Oeu".randomElement()!)
        let setting = "$2y$05$" + salt
        let (status, hash) = try Environment.run("/usr/bin/perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, setting])
        guard status == 0, hash.hasPrefix(setting), hash.count == 60 else {
            throw Environment.MissingPrerequisite(description: "libcrypt made no bcrypt hash (perl printed \"\(hash)\")")
        }
        return hash
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
