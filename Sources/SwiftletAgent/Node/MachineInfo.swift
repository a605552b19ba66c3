import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SwiftletAPI

/// What the machine offers, read where kubelet's cAdvisor reads it: CPUs, /proc/meminfo, statfs of the data
/// dir, the kernel and OS names, the machine and boot IDs.
public struct MachineInfo: Sendable, Hashable {
    public var cpus: Int
    public var memoryBytes: Int64
    public var memoryAvailableBytes: Int64
    public var storageBytes: Int64
    public var storageAvailableBytes: Int64

    /// Reads the machine now; `dataDir` is where ephemeral storage lives.
    public static func read(dataDir: String) -> MachineInfo {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memory = Self.meminfoBytes(meminfo, "MemTotal") ?? Int64(ProcessInfo.processInfo.physicalMemory)
        let available = Self.meminfoBytes(meminfo, "MemAvailable") ?? memory
        var stats = statvfs()
        var storage: Int64 = 0, storageAvailable: Int64 = 0
        if statvfs(dataDir, &stats) == 0 {
            storage = Int64(stats.f_blocks) * Int64(stats.f_frsize)
            storageAvailable = Int64(stats.f_bavail) * Int64(stats.f_frsize)
        }
        return MachineInfo(cpus: ProcessInfo.processInfo.activeProcessorCount, memoryBytes: memory, memoryAvailableBytes: available,
                           storageBytes: storage, storageAvailableBytes: storageAvailable)
    }

    /// A `/proc/meminfo` line's value in bytes (the file gives kB).
    static func meminfoBytes(_ text: String, _ key: String) -> Int64? {
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kilobytes = Int64(fields[1]) { return kilobytes * 1024 }
        }
        return nil
    }

    /// Capacity as a Node reports it (110 pods, kubelet's default).
    public var capacity: [String: Quantity] {
        ["cpu": Quantity(integer: Int64(cpus)), "memory": Quantity(integer: memoryBytes, format: .binarySI),
         "pods": Quantity(integer: 110), "ephemeral-storage": Quantity(integer: storageBytes, format: .binarySI)]
    }

    /// Kubelet's hard eviction thresholds: memory.available < 100Mi, nodefs.available < 10%.
    public var memoryPressure: Bool { memoryAvailableBytes < 100 * 1024 * 1024 }
    public var diskPressure: Bool { storageBytes > 0 && storageAvailableBytes * 10 < storageBytes }

    /// The node's system info; `runtimeVersion` as CRI reports it (`containerd://1.6.20`).
    public static func systemInfo(runtimeVersion: String) -> NodeSystemInfo {
        var name = utsname()
        uname(&name)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let read = { (path: String) in ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        let osRelease = read("/etc/os-release")
        let prettyName = osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "Linux"
        #if arch(x86_64)
        let architecture = "amd64"
        #else
        let architecture = "arm64"
        #endif
        let machineID = read("/etc/machine-id")
        return NodeSystemInfo(architecture: architecture, bootID: read("/proc/sys/kernel/random/boot_id"),
                              containerRuntimeVersion: runtimeVersion, kernelVersion: text(name.release), kubeProxyVersion: "",
                              kubeletVersion: SwiftletVersion.gitVersion, machineID: machineID, operatingSystem: "linux",
                              osImage: prettyName, systemUUID: machineID)
    }
}
