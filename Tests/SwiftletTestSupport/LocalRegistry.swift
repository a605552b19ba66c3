import Foundation

/// Debian's docker-registry serving a storage directory on a free 127.0.0.1 port until `stop()`, with htpasswd
/// authentication when users are given (basic auth over plain HTTP: the registry allows it and only warns).
public struct LocalRegistry: Sendable {
    public static let binary = "/usr/bin/docker-registry"

    private let process: Process
    /// `127.0.0.1:<port>`
    public let host: String

    /// Starts the registry and waits until it answers.
    public static func start(storage: String, users: [String: String] = [:]) async throws -> LocalRegistry {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw MissingPrerequisite(description: "missing: docker-registry; run scripts/install-deps.sh")
        }
        let port = try HostProcesses.freePort()
        var config = """
            version: 0.1
            log: {level: warn}
            storage:
              filesystem: {rootdirectory: \(storage)/data}
            http:
              addr: 127.0.0.1:\(port)

            """
        if !users.isEmpty {
            let lines = try users.sorted { $0.key < $1.key }.map { "\($0.key):\(try bcrypt($0.value))" }
            try (lines.joined(separator: "\n") + "\n").write(toFile: storage + "/htpasswd", atomically: true, encoding: .utf8)
            config += """
                auth:
                  htpasswd: {realm: swiftlet-test, path: \(storage)/htpasswd}

                """
        }
        try config.write(toFile: storage + "/config.yml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", storage + "/config.yml"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let registry = LocalRegistry(process: process, host: "127.0.0.1:\(port)")
        let deadline = ContinuousClock.now + .seconds(20)
        while true {
            // Any answer but a refused connection (no such image, no credentials) means it listens.
            let (_, output) = try HostProcesses.run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "docker://\(registry.host)/none/none:1"])
            if !output.contains("connection refused") { return registry }
            guard ContinuousClock.now < deadline else {
                registry.stop()
                throw MissingPrerequisite(description: "the registry at \(registry.host) did not answer within 20 s")
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    public func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// A bcrypt hash of `password` for an htpasswd file (the registry takes no other kind), made by the system's
    /// libcrypt through Perl's `crypt`: perl-base is essential on Debian, so no package is needed for it.
    public static func bcrypt(_ password: String) throws -> String {
        let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        // 22 salt characters; the last one carries only two bits, so it is one of `.Oeu`.
        let setting = "$2y$05$" + String((0..<21).map { _ in alphabet.randomElement()! }) + String(".Oeu".randomElement()!)
        let (status, hash) = try HostProcesses.run("/usr/bin/perl", ["-e", "print crypt($ARGV[0], $ARGV[1])", password, setting])
        guard status == 0, hash.hasPrefix(setting), hash.count == 60 else {
            throw MissingPrerequisite(description: "libcrypt made no bcrypt hash (perl printed \"\(hash)\")")
        }
        return hash
    }
}
