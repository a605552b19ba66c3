import Foundation

/// Runs the real kubectl against a test server, with its own cache dir so tests never share discovery caches.
struct Kubectl {
    let kubeconfig: URL
    let cacheDir: URL

    init(server: ServerProcess) {
        kubeconfig = server.kubeconfig
        cacheDir = server.dataDir.appendingPathComponent("kubectl-cache")
    }

    /// The kubectl on PATH (pip installs it outside /usr/bin), as an absolute path.
    static let executable: String = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/local/bin", "/usr/bin", "/root/.local/bin"] {
            let candidate = "\(dir)/kubectl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/kubectl"
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs kubectl and returns its output; `input` goes to standard input (for `-f -`).
    @discardableResult
    func run(_ arguments: [String], input: String? = nil, timeout: TimeInterval = 60) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.executable)
        p.arguments = ["--kubeconfig", kubeconfig.path, "--cache-dir", cacheDir.path] + arguments
        // Output goes to files, so a chatty command can never block on a full pipe.
        let outURL = cacheDir.deletingLastPathComponent().appendingPathComponent("kubectl-\(UUID().uuidString).out")
        let errURL = outURL.appendingPathExtension("err")
        try FileManager.default.createDirectory(at: cacheDir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        let stdin = Pipe()
        p.standardInput = stdin
        try p.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        let stdoutData = (try? Data(contentsOf: outURL)) ?? Data()
        let stderrData = (try? Data(contentsOf: errURL)) ?? Data()
        return Result(status: p.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }

    /// Runs kubectl and throws unless it succeeds.
    @discardableResult
    func ok(_ arguments: [String], input: String? = nil) throws -> String {
        let r = try run(arguments, input: input)
        guard r.status == 0 else {
            throw TestFailure("kubectl \(arguments.joined(separator: " ")) failed (\(r.status)): \(r.stderr)\(r.stdout)")
        }
        return r.stdout
    }
}

/// A long-running kubectl (such as `get -w`) whose output can be read while it runs.
final class BackgroundKubectl: @unchecked Sendable {
    // @unchecked: the process and files are only used by the test that started it.
    private let process: Process
    private let output: URL

    init(_ kubectl: Kubectl, _ arguments: [String]) throws {
        output = kubectl.cacheDir.deletingLastPathComponent().appendingPathComponent("kubectl-bg-\(UUID().uuidString).out")
        try FileManager.default.createDirectory(at: kubectl.cacheDir, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Kubectl.executable)
        process.arguments = ["--kubeconfig", kubectl.kubeconfig.path, "--cache-dir", kubectl.cacheDir.path] + arguments
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Waits until the output contains `needle`; false after `timeout` seconds.
    func waitFor(_ needle: String, timeout: Double = 20) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if text.contains(needle) { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: output)
    }

    deinit { stop() }
}
