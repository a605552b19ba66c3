import Foundation
import Synchronization

/// A started child process whose exit any task can await, and which can be signalled by PID.
final class ChildProcess: Sendable {
    let pid: Int32
    private let process: Process
    private let exit = ExitRecord()

    /// Shared with the termination handler, which runs before `init` has finished.
    private final class ExitRecord: Sendable {
        let state = Mutex(State())

        struct State {
            var status: Int32?
            var waiters: [CheckedContinuation<Int32, Never>] = []
        }

        func withLock<Result>(_ body: (inout State) -> Result) -> Result {
            state.withLock { body(&$0) }
        }
    }

    /// Starts `executable` with its output appended to `logPath`.
    init(executable: URL, arguments: [String], logPath: String) throws {
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        defer { try? log.close() }
        try log.seekToEnd()
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        let exit = self.exit
        process.terminationHandler = { process in
            let status = process.terminationStatus
            let waiters = exit.withLock { state in
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: status) }
        }
        try process.run()
        pid = process.processIdentifier
    }

    var hasExited: Bool { exit.withLock { $0.status != nil } }

    /// Sends `signal` unless the process has already been reaped (so a reused PID is never hit).
    func send(_ signal: Int32) {
        exit.withLock { state in
            if state.status == nil { _ = kill(pid, signal) }
        }
    }

    /// The exit status (or the signal that ended it); waits as long as the process runs, even when cancelled.
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = exit.withLock { state -> Int32? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// The exit status, or nil if the process still runs after `timeout`.
    func waitForExit(timeout: Duration) async -> Int32? {
        // Unstructured, so a stop sequence run on cancellation still waits out its timeout.
        await Task {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let status = self.exit.withLock({ $0.status }) { return status }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return self.exit.withLock { $0.status }
        }.value
    }
}
