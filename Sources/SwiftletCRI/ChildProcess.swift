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

        var hasStatus: Bool { state.withLock { $0.status != nil } }

        /// Records the exit status (the first one reported wins) and wakes the waiters.
        func record(_ status: Int32) {
            let waiters = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
                guard state.status == nil else { return [] }
                state.status = status
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: status) }
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
            exit.record(process.terminationStatus)
        }
        try process.run()
        pid = process.processIdentifier
        Self.reapWhenExited(pid: pid, exit: exit)
    }

    /// Foundation learns of a child's exit when a socket the child inherited reaches EOF — which never happens while
    /// a grandchild that inherited it lives on (containerd's shims do: Go passes inherited descriptors to the
    /// processes it starts). So the exit is also polled for with `waitpid(WNOHANG)`; whichever notices first records
    /// the status, and Foundation's later `waitpid` finds nothing left to reap.
    private static func reapWhenExited(pid: Int32, exit: ExitRecord) {
        Task.detached {
            while !exit.hasStatus {
                var status: Int32 = 0
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid {
                    let signal = status & 0x7f
                    exit.record(signal != 0 && signal != 0x7f ? signal : (status >> 8) & 0xff)
                    return
                }
                // Reaped by Foundation already: its termination handler records the status.
                if result == -1 && errno == ECHILD { return }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
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
