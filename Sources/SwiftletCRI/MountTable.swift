#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The host's mount table as the agent, its tests and benchmarks need it: what is mounted below a directory
/// (from `/proc/self/mountinfo`), and mounting and unmounting the agent's own tmpfs volumes.
public enum MountTable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Mount points at or below `path`, deepest first (the order to unmount them in).
    public static func mountPoints(under path: String) -> [String] {
        let text = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let points = text.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = unescape(String(fields[4]))
            return point == path || point.hasPrefix(path + "/") ? point : nil
        }
        return points.sorted { $0.count > $1.count }
    }

    public static func isMountPoint(_ path: String) -> Bool { mountPoints(under: path).contains(path) }

    /// Mounts a tmpfs at `path`, of at most `sizeBytes` when given.
    public static func mountTmpfs(at path: String, sizeBytes: Int64?) throws {
        var options = "mode=0777"
        if let sizeBytes { options += ",size=\(sizeBytes)" }
        guard mount("tmpfs", path, "tmpfs", UInt(MS_NOSUID | MS_NODEV), options) == 0 else {
            throw Failure(description: "mount tmpfs at \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Unmounts everything at or below `path` (lazily, so a busy mount cannot block a pod's removal).
    public static func unmountAll(under path: String) {
        for point in mountPoints(under: path) { _ = umount2(point, Int32(MNT_DETACH)) }
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    static func unescape(_ field: String) -> String {
        guard field.contains("\\") else { return field }
        var bytes: [UInt8] = []
        let raw = Array(field.utf8)
        var index = 0
        while index < raw.count {
            if raw[index] == UInt8(ascii: "\\"), index + 3 < raw.count,
               let value = UInt8(String(decoding: raw[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(raw[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
