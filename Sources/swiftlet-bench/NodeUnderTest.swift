import Foundation
import SwiftletAgent
import SwiftletAPI
import SwiftletClient
import SwiftletCRI

/// The real node the pod start benchmark measures: `swiftlet agent` in a process of its own (so its RSS is the
/// agent's alone), with a temporary data dir holding the containerd it supervises, its CNI config and its bridge.
final class NodeUnderTest: @unchecked Sendable {
    // @unchecked: the Process is only touched from the benchmark's main task.
    let name: String
    let dataDir: String
    let clusterCIDR: String
    let serviceCIDR: String
    private let process: Process
    /// The agent's log (warnings and errors), shown when the node does not come up.
    let logPath: String

    var pid: Int32 { process.processIdentifier }
    var containerd: ContainerdConfiguration { ContainerdConfiguration(dataDir: dataDir) }

    /// Starts `swiftlet agent` with `imageArchives` (pause and busybox) copied into its data dir's `images`.
    init(binary: String, kubeconfig: String, name: String, imageArchives: [String], clusterCIDR: String, serviceCIDR: String) throws {
        let dataDir = "/tmp/swiftlet-bench-node-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: dataDir + "/images", withIntermediateDirectories: true)
        for archive in imageArchives {
            try FileManager.default.copyItem(atPath: archive, toPath: dataDir + "/images/" + (archive as NSString).lastPathComponent)
        }
        let agentPort = try Self.freePort()
        let logPath = dataDir + "/agent.log"
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw BenchError("cannot create \(logPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["agent", "--kubeconfig", kubeconfig, "--node-name", name, "--data-dir", dataDir,
                             "--agent-port", "\(agentPort)", "--cluster-cidr", clusterCIDR, "--service-cidr", serviceCIDR,
                             "--log-level", "warning"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        self.name = name
        self.dataDir = dataDir
        self.clusterCIDR = clusterCIDR
        self.serviceCIDR = serviceCIDR
        self.process = process
        self.logPath = logPath
    }

    /// Waits until containerd answers, the node is Ready with a pod CIDR, the runtime's network is ready and
    /// `image` is present: from then on a pod starts without pulling or waiting for the network.
    func waitUntilReady(nodes: ResourceClient<Node>, runtime: CRIRuntimeClient, image: String, timeout: Duration = .seconds(180)) async throws {
        let deadline = ContinuousClock.now + timeout
        func check() async -> Bool {
            guard let node = try? await nodes.get(name), node.spec?.podCIDR != nil,
                  node.status?.conditions?.contains(where: { $0.type == "Ready" && $0.status == "True" }) == true,
                  let conditions = try? await runtime.status(),
                  conditions.contains(where: { $0.type == RuntimeCondition.networkReady && $0.status }),
                  (try? await runtime.imageStatus(image)) ?? nil != nil else { return false }
            return true
        }
        while !(await check()) {
            guard process.isRunning else { throw BenchError("the agent exited (status \(process.terminationStatus)):\n\(logTail)") }
            guard ContinuousClock.now < deadline else { throw BenchError("the node did not become Ready with \(image) present:\n\(logTail)") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The last lines of the agent's log.
    var logTail: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }

    /// Removes every sandbox left in the node's containerd (so no shim outlives the run), stops the agent (which
    /// stops its containerd and removes its unreachable routes), then removes the bridge and the data dir.
    /// Returns what it had to clean up that should have been gone already.
    func stop(runtime: CRIRuntimeClient?, keepingLogsIn logDirectory: String?) async -> [String] {
        var leftovers: [String] = []
        if let runtime {
            for container in (try? await runtime.listContainers(.all)) ?? [] {
                leftovers.append("container \(container.metadata.name)")
                try? await runtime.stopContainer(id: container.id, gracePeriod: .zero)
                try? await runtime.removeContainer(id: container.id)
            }
            for sandbox in (try? await runtime.listPodSandboxes(.all)) ?? [] {
                leftovers.append("sandbox \(sandbox.metadata.namespace)/\(sandbox.metadata.name)")
                try? await runtime.stopPodSandbox(id: sandbox.id)
                try? await runtime.removePodSandbox(id: sandbox.id)
            }
        }
        if process.isRunning {
            process.terminate()
            let deadline = ContinuousClock.now + .seconds(30)
            while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
            if process.isRunning {
                leftovers.append("the agent did not stop in 30 s; killed")
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        // containerd is the agent's child; it stops with the agent, but a crash could leave it behind.
        if let text = try? String(contentsOfFile: containerd.pidPath, encoding: .utf8), let containerdPID = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
           kill(containerdPID, 0) == 0, Self.commandLine(of: containerdPID).contains(dataDir) {
            leftovers.append("containerd outlived the agent; killed")
            kill(containerdPID, SIGKILL)
        }
        // A task containerd created but never started (its `runc init` waiting) cannot be removed over CRI; its
        // shim outlives containerd. They are this run's, found by the data dir on their command line.
        for shim in Self.processes(mentioning: dataDir) {
            leftovers.append("process \(shim) (\(Self.commandLine(of: shim).prefix(60))…) and its children; killed")
            for child in Self.children(of: shim) { kill(child, SIGKILL) }
            kill(shim, SIGKILL)
        }
        if !Self.processes(mentioning: dataDir).isEmpty { try? await Task.sleep(for: .seconds(1)) }
        for mountPoint in MountTable.mountPoints(under: dataDir) {
            leftovers.append("mount \(mountPoint); unmounted")
            umount2(mountPoint, Int32(MNT_DETACH))
        }
        if let logDirectory {
            try? FileManager.default.createDirectory(atPath: logDirectory, withIntermediateDirectories: true)
            for (source, name) in [(logPath, "agent.log"), (containerd.logPath, "containerd.log")] {
                try? FileManager.default.removeItem(atPath: logDirectory + "/" + name)
                try? FileManager.default.copyItem(atPath: source, toPath: logDirectory + "/" + name)
            }
        }
        await HostNetwork.removeBridge(dataDir: dataDir)
        for cidr in [clusterCIDR, serviceCIDR] where Self.ip(["route", "show", "exact", cidr]).contains("unreachable") {
            leftovers.append("the unreachable route for \(cidr)")
            _ = Self.ip(["route", "del", "unreachable", cidr])
        }
        let mounts = MountTable.mountPoints(under: dataDir)
        if mounts.isEmpty {
            try? FileManager.default.removeItem(atPath: dataDir)
        } else {
            // Never delete through a mount: leave the data dir for a person to look at.
            leftovers.append("mounts under \(dataDir) (the data dir is kept): \(mounts)")
        }
        return leftovers
    }

    /// How many lines of the agent's log contain `text`.
    func logLines(containing text: String) -> Int {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.contains(text) }.count
    }

    private static func processes(mentioning text: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { $0 != getpid() && commandLine(of: $0).contains(text) }
    }

    private static func children(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            // /proc/PID/stat: "pid (comm) state ppid …"; comm may hold spaces, so read after the last ')'.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }

    private static func commandLine(of pid: Int32) -> String {
        let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }


    private static func ip(_ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A port nobody listens on now on 127.0.0.1 (bound to port 0, then released), for the agent's endpoint.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("cannot open a socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw BenchError("cannot bind a port: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
