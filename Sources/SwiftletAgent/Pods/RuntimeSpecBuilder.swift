import Foundation
import SwiftletAPI
import SwiftletCRI

/// Turns a pod into the runtime's sandbox and container configs, as kubelet's kuberuntime does.
struct RuntimeSpecBuilder: Sendable {
    let pod: Pod
    /// Where the pod's container logs go (`<dataDir>/logs/<namespace>_<name>_<uid>`).
    let logDirectory: String
    /// The cluster's DNS domain, for the pod's fully qualified name when it has a subdomain.
    var clusterDomain = "cluster.local"

    var uid: String { pod.metadata?.uid ?? "" }
    var name: String { pod.metadata?.name ?? "" }
    var namespace: String { pod.metadata?.namespace ?? "default" }
    var hostNetwork: Bool { pod.spec?.hostNetwork == true }

    var podLabels: [String: String] {
        [RuntimeLabels.podName: name, RuntimeLabels.podNamespace: namespace, RuntimeLabels.podUID: uid,
         RuntimeLabels.managedBy: RuntimeLabels.managedByValue]
    }

    func sandboxConfig(attempt: UInt32) -> SandboxConfig {
        let spec = pod.spec
        var labels = pod.metadata?.labels ?? [:]
        for (key, value) in podLabels { labels[key] = value }
        var ports: [PortMapping] = []
        for container in spec?.containers ?? [] {
            for port in container.ports ?? [] {
                guard let hostPort = port.hostPort, hostPort > 0, let containerPort = port.containerPort else { continue }
                ports.append(PortMapping(transportProtocol: PortMapping.TransportProtocol(rawValue: port.protocol ?? "TCP") ?? .tcp,
                                         containerPort: containerPort, hostPort: hostPort, hostIP: port.hostIP ?? ""))
            }
        }
        let security = spec?.securityContext
        let privileged = (spec?.containers ?? []).contains { $0.securityContext?.privileged == true }
            || (spec?.initContainers ?? []).contains { $0.securityContext?.privileged == true }
        var sysctls: [String: String] = [:]
        for sysctl in security?.sysctls ?? [] { if let name = sysctl.name { sysctls[name] = sysctl.value ?? "" } }
        let hostname = hostNetwork ? "" : PodHostsFile(pod: pod, clusterDomain: clusterDomain).sandboxHostname
        return SandboxConfig(
            metadata: SandboxMetadata(name: name, uid: uid, namespace: namespace, attempt: attempt),
            hostname: hostname, logDirectory: logDirectory, portMappings: ports, labels: labels,
            annotations: pod.metadata?.annotations ?? [:],
            namespaces: NamespaceOptions(network: hostNetwork ? .node : .pod, pid: spec?.hostPID == true ? .node : .pod,
                                         ipc: spec?.hostIPC == true ? .node : .pod),
            sysctls: sysctls, privileged: privileged, runAsUser: security?.runAsUser, runAsGroup: security?.runAsGroup,
            supplementalGroups: security?.supplementalGroups ?? [])
    }

    /// The container's config; `environment` is resolved already, `volumes` maps volume names to their place on
    /// the host, `hostsFile` is the pod's managed `/etc/hosts` (mounted unless the container mounts its own).
    func containerConfig(_ container: Container, attempt: UInt32, image: String, environment: [EnvironmentVariable],
                         volumes: [String: PodVolumes.HostVolume], hostsFile: String? = nil,
                         terminationMessageFile: String? = nil) throws(PodVolumes.Failure) -> ContainerConfig {
        let containerName = container.name ?? ""
        let values = Dictionary(environment.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        var mounts: [ContainerMount] = []
        for mount in container.volumeMounts ?? [] {
            guard let volume = mount.name, let mountPath = mount.mountPath else { continue }
            guard let hostVolume = volumes[volume] else { throw PodVolumes.Failure(message: "volume \"\(volume)\" is not set up") }
            var hostPath = hostVolume.path
            if let subPath = mount.subPath, !subPath.isEmpty {
                guard !subPath.split(separator: "/").contains("..") else { throw PodVolumes.Failure(message: "subPath \(subPath) leaves the volume") }
                hostPath += "/" + subPath
                if !FileManager.default.fileExists(atPath: hostPath) {
                    try? FileManager.default.createDirectory(atPath: hostPath, withIntermediateDirectories: true)
                }
            }
            let propagation: ContainerMount.Propagation = switch mount.mountPropagation {
            case "HostToContainer": .hostToContainer
            case "Bidirectional": .bidirectional
            default: .private
            }
            mounts.append(ContainerMount(containerPath: mountPath, hostPath: hostPath, readOnly: mount.readOnly == true || hostVolume.readOnly,
                                         propagation: propagation))
        }
        if let hostsFile, !mounts.contains(where: { $0.containerPath == "/etc/hosts" }) {
            mounts.append(ContainerMount(containerPath: "/etc/hosts", hostPath: hostsFile, readOnly: false, propagation: .private))
        }
        let terminationMessagePath = container.terminationMessagePath ?? "/dev/termination-log"
        if let terminationMessageFile, !terminationMessagePath.isEmpty {
            mounts.append(ContainerMount(containerPath: terminationMessagePath, hostPath: terminationMessageFile, readOnly: false,
                                         propagation: .private))
        }
        let context = container.securityContext
        let podContext = pod.spec?.securityContext
        let security = ContainerSecurity(
            privileged: context?.privileged == true,
            runAsUser: context?.runAsUser ?? podContext?.runAsUser,
            runAsGroup: context?.runAsGroup ?? podContext?.runAsGroup,
            readOnlyRootFilesystem: context?.readOnlyRootFilesystem == true,
            supplementalGroups: podContext?.supplementalGroups ?? [],
            addCapabilities: context?.capabilities?.add ?? [], dropCapabilities: context?.capabilities?.drop ?? [],
            noNewPrivileges: context?.allowPrivilegeEscalation == false,
            namespaces: NamespaceOptions(network: hostNetwork ? .node : .pod, pid: pod.spec?.hostPID == true ? .node
                                             : (pod.spec?.shareProcessNamespace == true ? .pod : .container),
                                         ipc: pod.spec?.hostIPC == true ? .node : .pod))
        var labels = podLabels
        labels[RuntimeLabels.containerName] = containerName
        return ContainerConfig(
            metadata: ContainerMetadata(name: containerName, attempt: attempt), image: image,
            command: (container.command ?? []).map { EnvironmentResolver.expand($0, with: values) },
            args: (container.args ?? []).map { EnvironmentResolver.expand($0, with: values) },
            workingDirectory: container.workingDir ?? "", environment: environment, mounts: mounts, labels: labels,
            annotations: ["io.kubernetes.container.restartCount": "\(attempt)",
                          "io.kubernetes.container.terminationMessagePath": container.terminationMessagePath ?? "/dev/termination-log"],
            logPath: "\(containerName)/\(attempt).log", stdin: container.stdin == true, stdinOnce: container.stdinOnce == true,
            tty: container.tty == true, resources: Self.resources(container.resources), security: security)
    }

    /// Kubelet's cgroup values: CPU shares from the request (milli × 1024 / 1000, at least 2), a CFS quota
    /// from the limit over a 100 ms period, the memory limit in bytes.
    static func resources(_ requirements: ResourceRequirements?) -> ContainerResources? {
        guard let requirements else { return nil }
        var resources = ContainerResources()
        let cpuRequest = requirements.requests?["cpu"] ?? requirements.limits?["cpu"]
        resources.cpuShares = cpuRequest.map { max($0.milliValue * 1024 / 1000, 2) } ?? 2
        if let limit = requirements.limits?["cpu"] {
            resources.cpuPeriod = 100_000
            resources.cpuQuota = max(limit.milliValue * 100_000 / 1000, 1000)
        }
        if let memory = requirements.limits?["memory"] { resources.memoryLimitInBytes = memory.int64Value }
        return resources
    }

    /// Kubelet's default pull policy: Always for `:latest` or no tag, IfNotPresent otherwise.
    static func pullPolicy(_ container: Container) -> String {
        if let policy = container.imagePullPolicy, !policy.isEmpty { return policy }
        let image = container.image ?? ""
        if image.contains("@") { return "IfNotPresent" }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else { return "Always" }
        return lastComponent[lastComponent.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }
}
