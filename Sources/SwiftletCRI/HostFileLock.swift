import Foundation

/// An exclusive lock on a file (`flock`), held while a body runs: what keeps two users of one host resource —
/// an agent's data dir, or test suites that each start containerd and touch the host network — apart, across
/// processes. Waiting polls without blocking a thread of the cooperative pool.
public enum HostFileLock {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `body` while holding the lock on `path` (created with its directory when missing). With `wait` false,
    /// a lock another process holds throws `Unavailable` at once instead of waiting for it.
    public static func withLock<Result: Sendable>(_ path: String, wait: Bool = true, pollEvery interval: Duration = .milliseconds(200),
                                                  _ body: () async throws -> Result) async throws -> Result {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Unavailable(description: "cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw Unavailable(description: "cannot lock \(path): errno \(errno)") }
            guard wait || errno == EINTR else { throw Unavailable(description: "\(path) is locked by another process") }
            try await Task.sleep(for: interval)
        }
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }
}
