import Foundation
import Logging

/// Loads OCI and docker image archives into the CRI namespace (`k8s.io`) of a running containerd — CRI has no
/// import call — with containerd's own `ctr` tool, keeping the tags the archive carries, normalized as containerd
/// and kubelet do (`busybox:1.36` becomes `docker.io/library/busybox:1.36`).
public struct ImageArchiveImporter: Sendable {
    /// The containerd socket (not an endpoint URL).
    public let socketPath: String
    /// The `ctr` executable (a name looked up in PATH, or a path).
    public var ctrExecutable: String
    private let logger: Logger

    public init(socketPath: String, ctrExecutable: String = "ctr", logger: Logger = Logger(label: "swiftlet.images")) {
        self.socketPath = socketPath
        self.ctrExecutable = ctrExecutable
        self.logger = logger
    }

    /// Imports the archive at `path` and returns the (normalized) names it now has in containerd.
    ///
    /// Throws `unavailable` when no containerd answers on `socketPath`, `notFound` when the archive is missing,
    /// and `invalid` with ctr's own words when ctr rejects it.
    public func importArchive(_ path: String) async throws -> [String] {
        let operation = "images import"
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ContainerRuntimeError(.notFound, operation: operation, message: "no readable image archive at \(path)")
        }
        try await requireRunningContainerd(operation: operation)
        let output = try await ctr(["images", "import", path], operation: operation)
        var names: [String] = []
        for name in Self.importedNames(in: output) {
            guard let normalized = try? ImageReference.normalize(name), normalized != name else {
                names.append(name)
                continue
            }
            // An OCI archive may carry a short `org.opencontainers.image.ref.name`; ctr keeps it as is.
            _ = try await ctr(["images", "tag", "--force", name, normalized], operation: operation)
            _ = try await ctr(["images", "rm", name], operation: operation)
            names.append(normalized)
        }
        logger.info("imported image archive", metadata: ["archive": "\(path)", "images": "\(names)"])
        return names
    }

    private func requireRunningContainerd(operation: String) async throws {
        let notRunning = ContainerRuntimeError(
            .unavailable, operation: operation, message: "no containerd is running on \(socketPath)")
        guard FileManager.default.fileExists(atPath: socketPath) else { throw notRunning }
        do {
            _ = try await CRIRuntimeClient.withClient(endpoint: "unix://" + socketPath, logger: logger) { client in
                try await client.version(timeout: .seconds(10))
            }
        } catch let error as ContainerRuntimeError where error.code == .unavailable || error.code == .timeout {
            throw notRunning
        }
    }

    /// Runs ctr against the CRI namespace; returns what it printed, or throws with it when ctr fails.
    private func ctr(_ arguments: [String], operation: String) async throws -> String {
        let executable = try ContainerdSupervisor.resolveExecutable(ctrExecutable)
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-ctr-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let child = try ChildProcess(
            executable: executable, arguments: ["--address", socketPath, "--namespace", ContainerdConfiguration.criNamespace] + arguments,
            logPath: outputPath)
        let status = await withTaskCancellationHandler {
            await child.waitForExit()
        } onCancel: {
            child.send(SIGTERM)
        }
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let message = output.trimmingCharacters(in: .whitespacesAndNewlines)
            throw ContainerRuntimeError(
                .invalid, operation: operation, message: "ctr \(arguments.joined(separator: " ")) failed (\(status)): \(message)")
        }
        return output
    }

    /// The names in ctr's `unpacking NAME (sha256:…)...done` lines.
    static func importedNames(in output: String) -> [String] {
        output.split(whereSeparator: \.isNewline).compactMap { line in
            guard line.hasPrefix("unpacking "), let open = line.range(of: " (sha256:") else { return nil }
            let name = line[line.index(line.startIndex, offsetBy: "unpacking ".count)..<open.lowerBound]
            return name.isEmpty ? nil : String(name)
        }
    }
}
