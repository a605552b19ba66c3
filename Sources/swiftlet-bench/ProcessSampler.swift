import Foundation

/// CPU time and resident memory of a process, read from /proc, with the peak RSS seen while sampling.
final class ProcessSampler: @unchecked Sendable {
    // @unchecked: `peakMiB` is written by the sampling task only and read after it stopped.
    let pid: Int32
    private(set) var peakMiB: Double = 0
    private var task: Task<Void, Never>?

    init(pid: Int32) { self.pid = pid }

    /// User plus system CPU seconds the process has used so far.
    var cpuSeconds: Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime field 14, stime field 15 (1-based in proc(5)).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    var residentMiB: Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1024
    }

    func start() {
        peakMiB = residentMiB ?? 0
        task = Task { [weak self] in
            while !Task.isCancelled {
                if let self, let rss = self.residentMiB { self.peakMiB = max(self.peakMiB, rss) }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    func stop() {
        task?.cancel()
        task = nil
    }
}
