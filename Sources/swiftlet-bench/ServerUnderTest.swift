import Foundation

/// The server the benchmark measures: one it starts itself (a temporary data dir, SQLite with fsync) or one given by URL.
final class ServerUnderTest: @unchecked Sendable {
    // @unchecked: the Process is only touched from the benchmark's main task.
    let host: String
    let port: Int
    let pid: Int32?
    private let process: Process?
    private let dataDir: URL?
    /// The kubeconfig of a server this benchmark started.
    private(set) var kubeconfig: String?

    init(url: String, pid: Int32?) throws {
        guard let u = URL(string: url), let host = u.host, let port = u.port else { throw BenchError("bad --server URL \(url)") }
        self.host = host
        self.port = port
        self.pid = pid
        self.process = nil
        self.dataDir = nil
    }

    /// Starts `swiftlet server --port 0` from `binary` and waits for its kubeconfig.
    init(binary: String, controllers: Bool, extraArguments: [String] = []) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let kubeconfig = dir.appendingPathComponent("kubeconfig.yaml")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["server", "--data-dir", dir.path, "--port", "0", "--write-kubeconfig", kubeconfig.path, "--disable-agent",
                       "--log-level", "warning"] + (controllers ? [] : ["--disable-controllers"]) + extraArguments
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        var found: (String, Int)?
        for _ in 0..<600 {
            if let text = try? String(contentsOf: kubeconfig, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.contains("server:") }),
               let u = URL(string: String(line.split(separator: " ").last ?? "")), let h = u.host, let port = u.port {
                found = (h, port)
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let found else { p.terminate(); throw BenchError("the server did not start") }
        self.host = found.0
        self.port = found.1
        self.pid = p.processIdentifier
        self.process = p
        self.dataDir = dir
        self.kubeconfig = kubeconfig.path
        // Wait for bootstrap (namespaces exist).
        for _ in 0..<200 {
            let ready = try? await BenchHTTPConnection.with(host: host, port: port) { c in try await c.request(.GET, "/readyz").status }
            if ready == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("the server did not become ready")
    }

    /// Resident memory of the server process in MiB, from /proc.
    var residentMiB: Double? {
        guard let pid, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }

    func stop() {
        if let process, process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if let dataDir { try? FileManager.default.removeItem(at: dataDir) }
    }
}
