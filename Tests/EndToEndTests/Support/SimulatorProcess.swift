import Foundation

/// `swiftlet agent --simulate N` started from the built binary against a test server; killing it fails its nodes.
final class SimulatorProcess: @unchecked Sendable {
    // @unchecked: the Process handle is only touched from the test that owns it.
    private var process: Process?

    init(server: ServerProcess, count: Int, prefix: String, extraArguments: [String] = []) throws {
        let p = Process()
        p.executableURL = ServerProcess.binary
        p.arguments = ["agent", "--kubeconfig", server.kubeconfig.path, "--simulate", "\(count)", "--node-prefix", prefix,
                       "--log-level", "warning"] + extraArguments
        let logFile = server.dataDir.appendingPathComponent("agent-\(prefix).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
    }

    /// Stops the process: SIGKILL is a crash of all its nodes.
    func stop(signal: Int32 = SIGKILL) {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        process = nil
    }

    deinit { stop() }
}
