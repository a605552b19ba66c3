import Foundation

/// Where one supervised containerd keeps its files under a data dir, and the config file it runs with.
///
/// Everything lives under `<dataDir>/containerd/` (config, root, state, log, socket) and the CNI config under
/// `<dataDir>/cni/net.d`, so two data dirs never share a containerd. When the socket path would exceed the
/// 108-byte limit of unix socket addresses, the socket goes under `/run/swiftlet/<hash of the data dir>/`.
public struct ContainerdConfiguration: Sendable, Hashable {
    /// The sandbox (pause) image every pod sandbox runs; built offline by `hack/build-images.sh`.
    public static let defaultSandboxImage = "swiftlet.local/pause:3.10"
    /// Debian's containernetworking-plugins.
    public static let defaultCNIBinDir = "/usr/lib/cni"
    /// The containerd namespace the CRI plugin keeps its images and containers in.
    public static let criNamespace = "k8s.io"

    /// The data dir, absolute and standardized.
    public let dataDir: String
    public var sandboxImage: String
    public var cniBinDir: String
    public var cniConfDir: String
    /// The containerd executable (a name looked up in PATH, or a path).
    public var containerdExecutable: String

    public init(
        dataDir: String, sandboxImage: String = Self.defaultSandboxImage, cniBinDir: String = Self.defaultCNIBinDir,
        cniConfDir: String? = nil, containerdExecutable: String = "containerd"
    ) {
        let absolute =
            dataDir.hasPrefix("/") ? dataDir : FileManager.default.currentDirectoryPath + "/" + dataDir
        self.dataDir = URL(fileURLWithPath: absolute).standardizedFileURL.path
        self.sandboxImage = sandboxImage
        self.cniBinDir = cniBinDir
        self.cniConfDir = cniConfDir ?? self.dataDir + "/cni/net.d"
        self.containerdExecutable = containerdExecutable
    }

    /// `<dataDir>/containerd`
    public var directory: String { dataDir + "/containerd" }
    public var configPath: String { directory + "/config.toml" }
    public var rootDir: String { directory + "/root" }
    public var stateDir: String { directory + "/state" }
    /// containerd's own output, appended across restarts.
    public var logPath: String { directory + "/containerd.log" }
    /// The PID of the containerd this data dir's supervisor started, so a later supervisor can stop a leftover one.
    public var pidPath: String { directory + "/containerd.pid" }
    /// Where registry host settings (`<host>/hosts.toml`) go.
    public var registryConfigDir: String { directory + "/certs.d" }

    /// The gRPC (and CRI) socket. containerd also listens on this path + `.ttrpc`, which must fit too.
    public var socketPath: String {
        let preferred = directory + "/containerd.sock"
        if (preferred + ".ttrpc").utf8.count <= Self.maxSocketPathBytes { return preferred }
        return "/run/swiftlet/\(Self.hash(dataDir))/containerd.sock"
    }

    /// `unix://` + `socketPath`, as `--container-runtime-endpoint` takes it.
    public var endpoint: String { "unix://" + socketPath }

    /// sun_path holds 108 bytes including the terminating NUL.
    static let maxSocketPathBytes = 107

    /// A short stable name for a data dir (FNV-1a, 64 bits, hex), for paths and names derived from it.
    public static func hash(_ dataDir: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in dataDir.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The config file (containerd 1.6, config version 2).
    public func render() -> String {
        let cri = "plugins.\"io.containerd.grpc.v1.cri\""
        return """
            # Written by swiftlet for the containerd of \(quoted(dataDir)); rewritten on every start.
            version = 2
            root = \(quoted(rootDir))
            state = \(quoted(stateDir))
            disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

            [grpc]
              address = \(quoted(socketPath))

            [plugins."io.containerd.internal.v1.opt"]
              path = \(quoted(directory + "/opt"))

            [\(cri)]
              sandbox_image = \(quoted(sandboxImage))
              # The kernel here refuses to lower oom_score_adj even for root; without this every sandbox fails
              # with "can't get final child's PID from pipe".
              restrict_oom_score_adj = true
              stream_server_address = "127.0.0.1"
              stream_server_port = "0"
              enable_selinux = false

            [\(cri).containerd]
              snapshotter = "overlayfs"
              default_runtime_name = "runc"

            [\(cri).containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"

            [\(cri).containerd.runtimes.runc.options]
              # cgroup v1 with the cgroupfs driver: these machines run no systemd cgroup manager.
              SystemdCgroup = false

            [\(cri).cni]
              bin_dir = \(quoted(cniBinDir))
              conf_dir = \(quoted(cniConfDir))

            [\(cri).registry]
              config_path = \(quoted(registryConfigDir))

            """
    }

    private func quoted(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
