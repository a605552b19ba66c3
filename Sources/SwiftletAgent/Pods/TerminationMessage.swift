import Foundation
import SwiftletAPI
import SwiftletCRI

/// A container's termination message as kubelet finds it: the file the container wrote at its
/// `terminationMessagePath` (a file of the pod's directory mounted there, at most 4 KiB), or with
/// `FallbackToLogsOnError` and a failure, the end of its log (80 lines, at most 2 KiB).
enum TerminationMessage {
    static let maximumBytes = 4096
    static let fallbackLines = 80
    static let fallbackBytes = 2048

    /// The host file mounted at the container's termination message path for one attempt.
    static func hostPath(podDirectory: String, container: String, attempt: UInt32) -> String {
        podDirectory + "/containers/\(container)/termination-\(attempt)"
    }

    /// The message for an exited container, given its runtime status (its mounts and log path).
    static func read(_ status: ContainerRuntimeStatus, container: Container?) -> String {
        let path = container?.terminationMessagePath ?? "/dev/termination-log"
        let fallback = container?.terminationMessagePolicy == "FallbackToLogsOnError" && status.exitCode != 0
            && status.reason != "ContainerCannotRun"
        var message = ""
        if !path.isEmpty, let mount = status.mounts.first(where: { $0.containerPath == path }) {
            if let handle = FileHandle(forReadingAtPath: mount.hostPath) {
                message = String(decoding: (try? handle.read(upToCount: maximumBytes)) ?? Data(), as: UTF8.self)
                try? handle.close()
            }
        }
        if message.isEmpty && fallback { message = lastLogLines(status.logPath) }
        return message
    }

    /// The last lines of a CRI log file, as `kubectl logs --tail` shows them, cut to the last 2 KiB.
    static func lastLogLines(_ path: String) -> String {
        guard !path.isEmpty, let data = FileManager.default.contents(atPath: path) else { return "" }
        let reader = ContainerLogReader(path: path, options: ContainerLogOptions())
        let text = reader.render(Array(data), tail: fallbackLines).output
        return String(decoding: text.suffix(fallbackBytes), as: UTF8.self)
    }
}
