/// How a pod sandbox is made: the pod's identity, hostname, DNS, ports and Linux settings.
public struct SandboxConfig: Sendable, Hashable {
    public var metadata: SandboxMetadata
    /// The pod's hostname; empty only with the node's network namespace.
    public var hostname: String
    /// Where the pod's container logs go on the host (`ContainerConfig.logPath` is relative to it).
    public var logDirectory: String
    public var dns: DNSSettings?
    public var portMappings: [PortMapping]
    public var labels: [String: String]
    public var annotations: [String: String]
    /// The pod's parent cgroup (cgroupfs syntax).
    public var cgroupParent: String
    /// Network, PID and IPC namespaces: `.node` shares the host's, `.pod` gives the pod its own.
    public var namespaces: NamespaceOptions
    public var sysctls: [String: String]
    /// Whether any container of the pod runs privileged.
    public var privileged: Bool
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var supplementalGroups: [Int64]
    /// The runtime handler (RuntimeClass); empty for the default.
    public var runtimeHandler: String

    public init(
        metadata: SandboxMetadata, hostname: String = "", logDirectory: String = "", dns: DNSSettings? = nil,
        portMappings: [PortMapping] = [], labels: [String: String] = [:], annotations: [String: String] = [:],
        cgroupParent: String = "", namespaces: NamespaceOptions = .init(network: .pod, pid: .pod, ipc: .pod),
        sysctls: [String: String] = [:], privileged: Bool = false, runAsUser: Int64? = nil, runAsGroup: Int64? = nil,
        supplementalGroups: [Int64] = [], runtimeHandler: String = ""
    ) {
        self.metadata = metadata
        self.hostname = hostname
        self.logDirectory = logDirectory
        self.dns = dns
        self.portMappings = portMappings
        self.labels = labels
        self.annotations = annotations
        self.cgroupParent = cgroupParent
        self.namespaces = namespaces
        self.sysctls = sysctls
        self.privileged = privileged
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.supplementalGroups = supplementalGroups
        self.runtimeHandler = runtimeHandler
    }
}

/// The pod a sandbox belongs to; (name, namespace, uid, attempt) names the sandbox uniquely.
public struct SandboxMetadata: Sendable, Hashable {
    public var name: String
    public var uid: String
    public var namespace: String
    public var attempt: UInt32

    public init(name: String, uid: String, namespace: String, attempt: UInt32 = 0) {
        self.name = name
        self.uid = uid
        self.namespace = namespace
        self.attempt = attempt
    }
}

/// The sandbox's resolv.conf.
public struct DNSSettings: Sendable, Hashable {
    public var servers: [String]
    public var searches: [String]
    public var options: [String]

    public init(servers: [String] = [], searches: [String] = [], options: [String] = []) {
        self.servers = servers
        self.searches = searches
        self.options = options
    }
}

/// A container port published on the host (hostPort).
public struct PortMapping: Sendable, Hashable {
    /// The port's protocol.
    public enum TransportProtocol: String, Sendable, Hashable { case tcp = "TCP", udp = "UDP", sctp = "SCTP" }

    public var transportProtocol: TransportProtocol
    public var containerPort: Int32
    public var hostPort: Int32
    public var hostIP: String

    public init(transportProtocol: TransportProtocol = .tcp, containerPort: Int32, hostPort: Int32, hostIP: String = "") {
        self.transportProtocol = transportProtocol
        self.containerPort = containerPort
        self.hostPort = hostPort
        self.hostIP = hostIP
    }
}

/// Which namespaces a sandbox or container gets.
public struct NamespaceOptions: Sendable, Hashable {
    /// CRI's namespace modes.
    public enum Mode: Sendable, Hashable {
        /// Shared by all containers of the pod.
        case pod
        /// The container's own.
        case container
        /// The node's.
        case node
        /// Another container's (`targetID`).
        case target
    }

    public var network: Mode
    public var pid: Mode
    public var ipc: Mode
    /// The container whose namespace `.target` means.
    public var targetID: String

    public init(network: Mode, pid: Mode, ipc: Mode, targetID: String = "") {
        self.network = network
        self.pid = pid
        self.ipc = ipc
        self.targetID = targetID
    }
}
