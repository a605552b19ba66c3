/// How a container is made inside a sandbox.
public struct ContainerConfig: Sendable, Hashable {
    public var metadata: ContainerMetadata
    /// The image, by a reference the runtime holds (tag, digest or the ID `pullImage` returned).
    public var image: String
    /// Replaces the image's entrypoint when not empty.
    public var command: [String]
    /// Replaces the image's cmd when not empty.
    public var args: [String]
    public var workingDirectory: String
    public var environment: [EnvironmentVariable]
    public var mounts: [ContainerMount]
    public var labels: [String: String]
    public var annotations: [String: String]
    /// The log file, relative to the sandbox's `logDirectory`.
    public var logPath: String
    public var stdin: Bool
    public var stdinOnce: Bool
    public var tty: Bool
    public var resources: ContainerResources?
    public var security: ContainerSecurity

    public init(
        metadata: ContainerMetadata, image: String, command: [String] = [], args: [String] = [],
        workingDirectory: String = "", environment: [EnvironmentVariable] = [], mounts: [ContainerMount] = [],
        labels: [String: String] = [:], annotations: [String: String] = [:], logPath: String = "",
        stdin: Bool = false, stdinOnce: Bool = false, tty: Bool = false, resources: ContainerResources? = nil,
        security: ContainerSecurity = ContainerSecurity()
    ) {
        self.metadata = metadata
        self.image = image
        self.command = command
        self.args = args
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.mounts = mounts
        self.labels = labels
        self.annotations = annotations
        self.logPath = logPath
        self.stdin = stdin
        self.stdinOnce = stdinOnce
        self.tty = tty
        self.resources = resources
        self.security = security
    }
}

/// The container's name in its pod and which attempt this is; (name, attempt) is unique in a sandbox.
public struct ContainerMetadata: Sendable, Hashable {
    public var name: String
    public var attempt: UInt32

    public init(name: String, attempt: UInt32 = 0) {
        self.name = name
        self.attempt = attempt
    }
}

/// One environment variable, in order.
public struct EnvironmentVariable: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// A host path mounted into the container.
public struct ContainerMount: Sendable, Hashable {
    /// CRI's mount propagation modes.
    public enum Propagation: Sendable, Hashable {
        case `private`
        case hostToContainer
        case bidirectional
    }

    public var containerPath: String
    public var hostPath: String
    public var readOnly: Bool
    public var selinuxRelabel: Bool
    public var propagation: Propagation

    public init(
        containerPath: String, hostPath: String, readOnly: Bool = false, selinuxRelabel: Bool = false,
        propagation: Propagation = .private
    ) {
        self.containerPath = containerPath
        self.hostPath = hostPath
        self.readOnly = readOnly
        self.selinuxRelabel = selinuxRelabel
        self.propagation = propagation
    }
}

/// The container's cgroup limits, in the units the kernel takes (zero means not set).
public struct ContainerResources: Sendable, Hashable {
    public var cpuPeriod: Int64
    public var cpuQuota: Int64
    public var cpuShares: Int64
    public var memoryLimitInBytes: Int64
    public var oomScoreAdj: Int64
    public var cpusetCPUs: String
    public var cpusetMems: String

    public init(
        cpuPeriod: Int64 = 0, cpuQuota: Int64 = 0, cpuShares: Int64 = 0, memoryLimitInBytes: Int64 = 0,
        oomScoreAdj: Int64 = 0, cpusetCPUs: String = "", cpusetMems: String = ""
    ) {
        self.cpuPeriod = cpuPeriod
        self.cpuQuota = cpuQuota
        self.cpuShares = cpuShares
        self.memoryLimitInBytes = memoryLimitInBytes
        self.oomScoreAdj = oomScoreAdj
        self.cpusetCPUs = cpusetCPUs
        self.cpusetMems = cpusetMems
    }
}

/// The container's Linux security settings.
public struct ContainerSecurity: Sendable, Hashable {
    public var privileged: Bool
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsUsername: String
    public var readOnlyRootFilesystem: Bool
    public var supplementalGroups: [Int64]
    public var addCapabilities: [String]
    public var dropCapabilities: [String]
    public var noNewPrivileges: Bool
    public var maskedPaths: [String]
    public var readonlyPaths: [String]
    /// Kubelet's default: the pod's network and IPC, the container's own PID namespace.
    public var namespaces: NamespaceOptions

    public init(
        privileged: Bool = false, runAsUser: Int64? = nil, runAsGroup: Int64? = nil, runAsUsername: String = "",
        readOnlyRootFilesystem: Bool = false, supplementalGroups: [Int64] = [], addCapabilities: [String] = [],
        dropCapabilities: [String] = [], noNewPrivileges: Bool = false, maskedPaths: [String] = [],
        readonlyPaths: [String] = [], namespaces: NamespaceOptions = .init(network: .pod, pid: .container, ipc: .pod)
    ) {
        self.privileged = privileged
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.runAsUsername = runAsUsername
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.supplementalGroups = supplementalGroups
        self.addCapabilities = addCapabilities
        self.dropCapabilities = dropCapabilities
        self.noNewPrivileges = noNewPrivileges
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
        self.namespaces = namespaces
    }
}
