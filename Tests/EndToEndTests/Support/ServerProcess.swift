import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A `swiftlet server` started from the built binary with `--port 0` and its own temporary data dir.
final class ServerProcess: @unchecked Sendable {
    // @unchecked: the Process handle is only touched from the test that owns this server.
    let dataDir: URL
    let kubeconfig: URL
    private(set) var process: Process?
    private(set) var baseURL: URL?
    let logFile: URL

    static var binary: URL {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/swiftlet")
    }

    init(dataDir: URL? = nil) throws {
        let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        self.dataDir = dir
        self.kubeconfig = dir.appendingPathComponent("kubeconfig.yaml")
        self.logFile = dir.appendingPathComponent("server.log")
    }

    /// Starts the server and waits until `/readyz` answers.
    /// `agent` runs the embedded node agent (real containerd), off by default.
    func start(extraArguments: [String] = [], agent: Bool = false) async throws {
        try? FileManager.default.removeItem(at: kubeconfig)
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = ["server", "--data-dir", dataDir.path, "--port", "0", "--write-kubeconfig", kubeconfig.path]
            + (agent ? [] : ["--disable-agent"]) + extraArguments
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: logFile)
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOf: kubeconfig, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.contains("server:") }),
               let url = URL(string: line.split(separator: " ").last.map(String.init) ?? "") {
                baseURL = url
                if let (_, status) = try? await HTTP.get(url.appendingPathComponent("readyz")), status == 200 { return }
            }
            guard p.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("server did not become ready; log:\n" + ((try? String(contentsOf: logFile, encoding: .utf8)) ?? ""))
    }

    /// Stops the server with SIGTERM (clean) or SIGKILL (a crash) and waits for it to exit.
    func stop(signal: Int32 = SIGTERM) {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        process = nil
    }

    func url(_ path: String) -> URL {
        URL(string: baseURL!.absoluteString + path)!
    }

    deinit {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(at: dataDir)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
