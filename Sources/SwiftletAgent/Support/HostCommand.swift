import Foundation

/// Runs a host tool (`ip`) to completion and returns its status and output; the agent's only use of the host's
/// command line, for what CNI leaves to the node (routes, the bridge at teardown).
public enum HostCommand {
    /// A command that exited non-zero.
    public struct Failure: Error, CustomStringConvertible {
        public var command: [String]
        public var status: Int32
        public var output: String
        public var description: String { "\(command.joined(separator: " ")) failed (\(status)): \(output)" }
    }

    /// Runs `arguments[0]` (looked up in the sbin and bin directories) with the rest; returns what it printed.
    @discardableResult
    public static func run(_ arguments: [String]) async throws -> String {
        let (status, output) = try await status(of: arguments)
        guard status == 0 else { throw Failure(command: arguments, status: status, output: output) }
        return output
    }

    /// Runs the command and returns its exit status with its output, whatever the status.
    public static func status(of arguments: [String]) async throws -> (Int32, String) {
        let name = arguments[0]
        let directories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin"]
        let path = name.contains("/") ? name : directories.map { $0 + "/" + name }.first(where: FileManager.default.isExecutableFile(atPath:)) ?? name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in continuation.resume(returning: process.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let data = (try? pipe.fileHandleForReading.readToEnd()) ?? Data()
        return (status, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
