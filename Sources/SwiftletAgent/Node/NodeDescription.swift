import Foundation
import SwiftletAPI

/// What an agent says about its node when it registers: capacity, labels, addresses and system info.
public struct NodeDescription: Sendable {
    public var name: String
    public var labels: [String: String]
    public var capacity: [String: Quantity]
    /// Capacity minus what the system keeps for itself.
    public var allocatable: [String: Quantity]
    public var internalIP: String
    public var agentPort: Int32
    public var nodeInfo: NodeSystemInfo
    public var taints: [Taint]

    public init(name: String, labels: [String: String] = [:], capacity: [String: Quantity], allocatable: [String: Quantity]? = nil,
                internalIP: String, agentPort: Int32, nodeInfo: NodeSystemInfo, taints: [Taint] = []) {
        self.name = name
        var all = labels
        all["kubernetes.io/hostname"] = all["kubernetes.io/hostname"] ?? name
        all["kubernetes.io/os"] = all["kubernetes.io/os"] ?? (nodeInfo.operatingSystem ?? "linux")
        all["kubernetes.io/arch"] = all["kubernetes.io/arch"] ?? (nodeInfo.architecture ?? "amd64")
        all["beta.kubernetes.io/os"] = all["kubernetes.io/os"]
        all["beta.kubernetes.io/arch"] = all["kubernetes.io/arch"]
        self.labels = all
        self.capacity = capacity
        self.allocatable = allocatable ?? capacity
        self.internalIP = internalIP
        self.agentPort = agentPort
        self.nodeInfo = nodeInfo
        self.taints = taints
    }

    /// The conditions of a healthy node, with kubelet's reasons and messages.
    public static func healthyConditions(now: Time, since: Time? = nil) -> [NodeCondition] {
        let since = since ?? now
        return [
            NodeCondition(lastHeartbeatTime: now, lastTransitionTime: since, message: "kubelet has sufficient memory available",
                          reason: "KubeletHasSufficientMemory", status: "False", type: "MemoryPressure"),
            NodeCondition(lastHeartbeatTime: now, lastTransitionTime: since, message: "kubelet has no disk pressure",
                          reason: "KubeletHasNoDiskPressure", status: "False", type: "DiskPressure"),
            NodeCondition(lastHeartbeatTime: now, lastTransitionTime: since, message: "kubelet has sufficient PID available",
                          reason: "KubeletHasSufficientPID", status: "False", type: "PIDPressure"),
            NodeCondition(lastHeartbeatTime: now, lastTransitionTime: since, message: "kubelet is posting ready status",
                          reason: "KubeletReady", status: "True", type: "Ready"),
        ]
    }

    /// The Node object to create.
    public func node(now: Time = .now()) -> Node {
        Node(metadata: ObjectMeta(annotations: ["node.alpha.kubernetes.io/ttl": "0"], labels: labels, name: name),
             spec: NodeSpec(taints: taints.isEmpty ? nil : taints),
             status: status(now: now, conditions: Self.healthyConditions(now: now)))
    }

    /// The status an agent reports, with the given conditions.
    public func status(now: Time, conditions: [NodeCondition]) -> NodeStatus {
        NodeStatus(addresses: [NodeAddress(address: internalIP, type: "InternalIP"), NodeAddress(address: name, type: "Hostname")],
                   allocatable: allocatable, capacity: capacity, conditions: conditions,
                   daemonEndpoints: NodeDaemonEndpoints(kubeletEndpoint: DaemonEndpoint(Port: agentPort)), nodeInfo: nodeInfo)
    }
}
