import SwiftletAPI

/// A pod with what the scheduler computes from it once: its key, priority, resource requests, host ports and
/// parsed (anti-)affinity terms (upstream's `framework.PodInfo`). A class: node infos and snapshots share
/// one immutable copy instead of copying the pod.
public final class PodInfo: Sendable {
    public let pod: Pod
    /// `namespace/name`.
    public let key: String
    public let priority: Int32
    /// What the pod asks of a node (see `ResourceAmounts.podRequests`).
    public let requests: ResourceAmounts
    /// The same with the scoring defaults for containers that request no cpu or memory.
    public let nonZeroRequests: ResourceAmounts
    public let hostPorts: [HostPort]
    public let tolerations: [Toleration]
    /// Whether `nodeSelector` or required node affinity restrict the nodes.
    public let hasRequiredNodeAffinity: Bool
    public let preferredNodeAffinity: [PreferredSchedulingTerm]
    /// The images of init and app containers, with `:latest` added where no tag or digest is given.
    public let images: [String]
    public let requiredAffinityTerms: [AffinityTerm]
    public let requiredAntiAffinityTerms: [AffinityTerm]
    public let preferredAffinityTerms: [AffinityTerm]
    public let preferredAntiAffinityTerms: [AffinityTerm]

    public init(_ pod: Pod) {
        self.pod = pod
        let meta = pod.metadata
        let namespace = meta?.namespace ?? ""
        self.key = namespace.isEmpty ? (meta?.name ?? "") : "\(namespace)/\(meta?.name ?? "")"
        self.priority = pod.spec?.priority ?? 0
        self.requests = ResourceAmounts.podRequests(pod.spec)
        self.nonZeroRequests = ResourceAmounts.podRequests(pod.spec, nonMissing: true)
        self.hostPorts = HostPort.of(pod.spec)
        let affinity = pod.spec?.affinity
        tolerations = pod.spec?.tolerations ?? []
        hasRequiredNodeAffinity = !(pod.spec?.nodeSelector ?? [:]).isEmpty
            || affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution != nil
        preferredNodeAffinity = affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []
        images = ((pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? [])).map { ImageLocality.normalized($0.image ?? "") }
        requiredAffinityTerms = (affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map { AffinityTerm($0, of: pod) }
        requiredAntiAffinityTerms = (affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map { AffinityTerm($0, of: pod) }
        preferredAffinityTerms = (affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).compactMap { w in
            w.podAffinityTerm.map { AffinityTerm($0, of: pod, weight: w.weight ?? 0) }
        }
        preferredAntiAffinityTerms = (affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).compactMap { w in
            w.podAffinityTerm.map { AffinityTerm($0, of: pod, weight: w.weight ?? 0) }
        }
    }

    public var namespace: String { pod.metadata?.namespace ?? "" }
    public var name: String { pod.metadata?.name ?? "" }
    public var labels: [String: String] { pod.metadata?.labels ?? [:] }

    /// Whether the pod has any pod affinity or anti-affinity term, required or preferred.
    public var hasAffinity: Bool {
        !requiredAffinityTerms.isEmpty || !requiredAntiAffinityTerms.isEmpty || !preferredAffinityTerms.isEmpty
            || !preferredAntiAffinityTerms.isEmpty
    }

    public var hasRequiredAntiAffinity: Bool { !requiredAntiAffinityTerms.isEmpty }

    /// Being deleted (upstream counts such pods out of topology spreading).
    public var isTerminating: Bool { pod.metadata?.deletionTimestamp != nil }
}

/// One host port a pod's container binds (protocol defaults to TCP, host IP to 0.0.0.0).
public struct HostPort: Sendable, Hashable {
    public var ip: String
    public var `protocol`: String
    public var port: Int32

    public init(ip: String = "0.0.0.0", protocol: String = "TCP", port: Int32) {
        self.ip = ip
        self.protocol = `protocol`
        self.port = port
    }

    /// The host ports of a pod's containers.
    static func of(_ spec: PodSpec?) -> [HostPort] {
        var ports: [HostPort] = []
        for container in spec?.containers ?? [] {
            for p in container.ports ?? [] {
                guard let port = p.hostPort, port > 0 else { continue }
                let ip = p.hostIP.flatMap { $0.isEmpty ? nil : $0 } ?? "0.0.0.0"
                ports.append(HostPort(ip: ip, protocol: p.protocol.flatMap { $0.isEmpty ? nil : $0 } ?? "TCP", port: port))
            }
        }
        return ports
    }

    /// Whether two bindings of a port collide: same protocol and port, and the same address or a wildcard on either side.
    public func conflicts(with other: HostPort) -> Bool {
        port == other.port && self.protocol == other.protocol && (ip == other.ip || ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}
