import Foundation

/// Reads a container's CRI log file the way kubelet serves `kubectl logs`: the content of each line (with its
/// timestamp on request), from `since`, the last `tailLines` lines, at most `limitBytes`, and with `follow` new
/// lines as they are written until the container stops.
public struct ContainerLogReader: Sendable {
    public let path: String
    public let options: ContainerLogOptions
    /// Whether the container still runs, so a follow knows when to end.
    public let isRunning: @Sendable () async -> Bool

    public init(path: String, options: ContainerLogOptions, isRunning: @escaping @Sendable () async -> Bool = { false }) {
        self.path = path
        self.options = options
        self.isRunning = isRunning
    }

    /// The formatted output of complete lines in `data`; returns it and how many bytes were consumed.
    func render(_ data: [UInt8], tail: Int?) -> (output: [UInt8], consumed: Int) {
        guard let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) else { return ([], 0) }
        var lines: [CRILogLine] = []
        for raw in data[..<lastNewline].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard let line = CRILogLine(Substring(decoding: raw, as: UTF8.self)) else { continue }
            if let since = options.since, line.timestamp < since { continue }
            lines.append(line)
        }
        if let tail {
            // Tail counts whole lines: partial pieces belong to the full line that ends them.
            var kept = 0, start = lines.count
            while start > 0 {
                if !lines[start - 1].partial {
                    if kept == tail { break }
                    kept += 1
                }
                start -= 1
            }
            lines = Array(lines[start...])
        }
        var output: [UInt8] = []
        var continuing = false
        for line in lines {
            if options.timestamps && !continuing { output += Array(line.timestampText.utf8) + [UInt8(ascii: " ")] }
            output += Array(line.content.utf8)
            if !line.partial { output.append(UInt8(ascii: "\n")) }
            continuing = line.partial
        }
        return (output, lastNewline + 1)
    }

    /// The log as chunks of bytes; ends at the end of the file, or with `follow` once the container stopped.
    public func chunks() -> AsyncThrowingStream<[UInt8], any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    guard let handle = FileHandle(forReadingAtPath: path) else {
                        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
                    }
                    defer { try? handle.close() }
                    var pending: [UInt8] = Array(try handle.readToEnd() ?? Data())
                    var budget = options.limitBytes ?? Int.max
                    var first = true
                    while !Task.isCancelled {
                        let (output, consumed) = render(pending, tail: first ? options.tailLines : nil)
                        first = false
                        pending.removeFirst(consumed)
                        if !output.isEmpty {
                            let chunk = Array(output.prefix(budget))
                            budget -= chunk.count
                            continuation.yield(chunk)
                            if budget <= 0 { break }
                        }
                        guard options.follow else { break }
                        let more = try handle.readToEnd() ?? Data()
                        if more.isEmpty {
                            if await !isRunning() {
                                // A last look: the container may have written just before it stopped.
                                let last = try handle.readToEnd() ?? Data()
                                if last.isEmpty { break }
                                pending += Array(last)
                                continue
                            }
                            try await Task.sleep(for: .milliseconds(200))
                        } else {
                            pending += Array(more)
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
