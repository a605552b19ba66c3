import Foundation

// Swiftlet's runtime value types to and from the generated CRI messages. Kept in one place so the generated
// types never leak past `CRIRuntimeClient`.

extension Runtime_V1_PodSandboxConfig {
    init(_ config: SandboxConfig) {
        self.init()
        metadata = .init(config.metadata)
        hostname = config.hostname
        logDirectory = config.logDirectory
        if let dns = config.dns {
            dnsConfig = .with {
                $0.servers = dns.servers
                $0.searches = dns.searches
                $0.options = dns.options
            }
        }
        portMappings = config.portMappings.map { mapping in
            .with {
                $0.protocol = .init(mapping.transportProtocol)
                $0.containerPort = mapping.containerPort
                $0.hostPort = mapping.hostPort
                $0.hostIp = mapping.hostIP
            }
        }
        labels = config.labels
        annotations = config.annotations
        linux = .with { linux in
            linux.cgroupParent = config.cgroupParent
            linux.sysctls = config.sysctls
            linux.securityContext = .with {
                $0.namespaceOptions = .init(config.namespaces)
                if let user = config.runAsUser { $0.runAsUser = .with { $0.value = user } }
                if let group = config.runAsGroup { $0.runAsGroup = .with { $0.value = group } }
                $0.supplementalGroups = config.supplementalGroups
                $0.privileged = config.privileged
            }
        }
    }
}

extension Runtime_V1_PodSandboxMetadata {
    init(_ metadata: SandboxMetadata) {
        self.init()
        name = metadata.name
        uid = metadata.uid
        namespace = metadata.namespace
        attempt = metadata.attempt
    }
}

extension SandboxMetadata {
    init(_ metadata: Runtime_V1_PodSandboxMetadata) {
        self.init(name: metadata.name, uid: metadata.uid, namespace: metadata.namespace, attempt: metadata.attempt)
    }
}

extension Runtime_V1_Protocol {
    init(_ transport: PortMapping.TransportProtocol) {
        switch transport {
        case .tcp: self = .tcp
        case .udp: self = .udp
        case .sctp: self = .sctp
        }
    }
}

extension Runtime_V1_NamespaceOption {
    init(_ options: NamespaceOptions) {
        self.init()
        network = .init(options.network)
        pid = .init(options.pid)
        ipc = .init(options.ipc)
        targetID = options.targetID
    }
}

extension Runtime_V1_NamespaceMode {
    init(_ mode: NamespaceOptions.Mode) {
        switch mode {
        case .pod: self = .pod
        case .container: self = .container
        case .node: self = .node
        case .target: self = .target
        }
    }
}

extension NamespaceOptions {
    init(_ options: Runtime_V1_NamespaceOption) {
        func mode(_ mode: Runtime_V1_NamespaceMode) -> Mode {
            switch mode {
            case .pod, .UNRECOGNIZED: .pod
            case .container: .container
            case .node: .node
            case .target: .target
            }
        }
        self.init(network: mode(options.network), pid: mode(options.pid), ipc: mode(options.ipc), targetID: options.targetID)
    }
}

extension SandboxState {
    init(_ state: Runtime_V1_PodSandboxState) {
        self = state == .sandboxReady ? .ready : .notReady
    }
}

extension Runtime_V1_PodSandboxState {
    init(_ state: SandboxState) {
        self = state == .ready ? .sandboxReady : .sandboxNotready
    }
}

extension SandboxStatus {
    init(_ status: Runtime_V1_PodSandboxStatus) {
        self.init(
            id: status.id, metadata: .init(status.metadata), state: .init(status.state),
            createdAt: Date(nanosecondsSince1970: status.createdAt) ?? Date(timeIntervalSince1970: 0),
            ip: status.network.ip, additionalIPs: status.network.additionalIps.map(\.ip),
            namespaces: status.linux.hasNamespaces ? NamespaceOptions(status.linux.namespaces.options) : nil,
            labels: status.labels, annotations: status.annotations, runtimeHandler: status.runtimeHandler)
    }
}

extension SandboxSummary {
    init(_ sandbox: Runtime_V1_PodSandbox) {
        self.init(
            id: sandbox.id, metadata: .init(sandbox.metadata), state: .init(sandbox.state),
            createdAt: Date(nanosecondsSince1970: sandbox.createdAt) ?? Date(timeIntervalSince1970: 0),
            labels: sandbox.labels, annotations: sandbox.annotations, runtimeHandler: sandbox.runtimeHandler)
    }
}

extension Runtime_V1_PodSandboxFilter {
    init(_ filter: SandboxFilter) {
        self.init()
        if let id = filter.id { self.id = id }
        if let state = filter.state { self.state = .with { $0.state = .init(state) } }
        labelSelector = filter.labelSelector
    }
}

extension Runtime_V1_ContainerConfig {
    init(_ config: ContainerConfig) {
        self.init()
        metadata = .with {
            $0.name = config.metadata.name
            $0.attempt = config.metadata.attempt
        }
        image = .with { $0.image = config.image }
        command = config.command
        args = config.args
        workingDir = config.workingDirectory
        envs = config.environment.map { variable in .with { $0.key = variable.name; $0.value = variable.value } }
        mounts = config.mounts.map(Runtime_V1_Mount.init)
        labels = config.labels
        annotations = config.annotations
        logPath = config.logPath
        stdin = config.stdin
        stdinOnce = config.stdinOnce
        tty = config.tty
        linux = .with { linux in
            if let resources = config.resources { linux.resources = .init(resources) }
            let security = config.security
            linux.securityContext = .with {
                $0.privileged = security.privileged
                if let user = security.runAsUser { $0.runAsUser = .with { $0.value = user } }
                if let group = security.runAsGroup { $0.runAsGroup = .with { $0.value = group } }
                $0.runAsUsername = security.runAsUsername
                $0.readonlyRootfs = security.readOnlyRootFilesystem
                $0.supplementalGroups = security.supplementalGroups
                if !security.addCapabilities.isEmpty || !security.dropCapabilities.isEmpty {
                    $0.capabilities = .with {
                        $0.addCapabilities = security.addCapabilities
                        $0.dropCapabilities = security.dropCapabilities
                    }
                }
                $0.noNewPrivs = security.noNewPrivileges
                $0.maskedPaths = security.maskedPaths
                $0.readonlyPaths = security.readonlyPaths
                $0.namespaceOptions = .init(security.namespaces)
            }
        }
    }
}

extension Runtime_V1_Mount {
    init(_ mount: ContainerMount) {
        self.init()
        containerPath = mount.containerPath
        hostPath = mount.hostPath
        readonly = mount.readOnly
        selinuxRelabel = mount.selinuxRelabel
        propagation =
            switch mount.propagation {
            case .private: .propagationPrivate
            case .hostToContainer: .propagationHostToContainer
            case .bidirectional: .propagationBidirectional
            }
    }
}

extension ContainerMount {
    init(_ mount: Runtime_V1_Mount) {
        let propagation: Propagation =
            switch mount.propagation {
            case .propagationPrivate, .UNRECOGNIZED: .private
            case .propagationHostToContainer: .hostToContainer
            case .propagationBidirectional: .bidirectional
            }
        self.init(
            containerPath: mount.containerPath, hostPath: mount.hostPath, readOnly: mount.readonly,
            selinuxRelabel: mount.selinuxRelabel, propagation: propagation)
    }
}

extension Runtime_V1_LinuxContainerResources {
    init(_ resources: ContainerResources) {
        self.init()
        cpuPeriod = resources.cpuPeriod
        cpuQuota = resources.cpuQuota
        cpuShares = resources.cpuShares
        memoryLimitInBytes = resources.memoryLimitInBytes
        oomScoreAdj = resources.oomScoreAdj
        cpusetCpus = resources.cpusetCPUs
        cpusetMems = resources.cpusetMems
    }
}

extension ContainerRuntimeState {
    init(_ state: Runtime_V1_ContainerState) {
        switch state {
        case .containerCreated: self = .created
        case .containerRunning: self = .running
        case .containerExited: self = .exited
        case .containerUnknown, .UNRECOGNIZED: self = .unknown
        }
    }
}

extension Runtime_V1_ContainerState {
    init(_ state: ContainerRuntimeState) {
        switch state {
        case .created: self = .containerCreated
        case .running: self = .containerRunning
        case .exited: self = .containerExited
        case .unknown: self = .containerUnknown
        }
    }
}

extension ContainerRuntimeStatus {
    init(_ status: Runtime_V1_ContainerStatus) {
        self.init(
            id: status.id, metadata: .init(name: status.metadata.name, attempt: status.metadata.attempt),
            state: .init(status.state),
            createdAt: Date(nanosecondsSince1970: status.createdAt) ?? Date(timeIntervalSince1970: 0),
            startedAt: Date(nanosecondsSince1970: status.startedAt),
            finishedAt: Date(nanosecondsSince1970: status.finishedAt), exitCode: status.exitCode,
            image: status.image.image, imageRef: status.imageRef, imageID: status.imageID, reason: status.reason,
            message: status.message, labels: status.labels, annotations: status.annotations,
            mounts: status.mounts.map(ContainerMount.init), logPath: status.logPath)
    }
}

extension ContainerSummary {
    init(_ container: Runtime_V1_Container) {
        self.init(
            id: container.id, sandboxID: container.podSandboxID,
            metadata: .init(name: container.metadata.name, attempt: container.metadata.attempt),
            image: container.image.image, imageRef: container.imageRef, state: .init(container.state),
            createdAt: Date(nanosecondsSince1970: container.createdAt) ?? Date(timeIntervalSince1970: 0),
            labels: container.labels, annotations: container.annotations)
    }
}

extension Runtime_V1_ContainerFilter {
    init(_ filter: ContainerFilter) {
        self.init()
        if let id = filter.id { self.id = id }
        if let sandboxID = filter.sandboxID { podSandboxID = sandboxID }
        if let state = filter.state { self.state = .with { $0.state = .init(state) } }
        labelSelector = filter.labelSelector
    }
}

extension ImageInfo {
    init(_ image: Runtime_V1_Image) {
        self.init(
            id: image.id, repoTags: image.repoTags, repoDigests: image.repoDigests, size: image.size,
            uid: image.hasUid ? image.uid.value : nil, username: image.username, pinned: image.pinned)
    }
}

extension Runtime_V1_AuthConfig {
    init(_ auth: RegistryAuth) {
        self.init()
        username = auth.username
        password = auth.password
        self.auth = auth.auth
        serverAddress = auth.serverAddress
        identityToken = auth.identityToken
        registryToken = auth.registryToken
    }
}

extension Date {
    /// CRI timestamps are nanoseconds since the epoch; zero means "not set".
    init?(nanosecondsSince1970 nanoseconds: Int64) {
        guard nanoseconds > 0 else { return nil }
        self.init(timeIntervalSince1970: Double(nanoseconds / 1_000_000_000) + Double(nanoseconds % 1_000_000_000) / 1e9)
    }
}
