import SwiftletAPI
import SwiftletAgent

/// How many simulated nodes, their names and their size.
public struct SimulatorConfiguration: Sendable {
    public var count: Int
    public var prefix: String
    public var cpu: String
    public var memory: String
    public var maxPods: Int
    /// The address every simulated node reports (simulated pods send no traffic).
    public var hostIP: String
    /// The lease's duration; it is renewed every quarter of it (kubelet's renewInterval).
    public var leaseDurationSeconds: Int32
    public var leaseRenewInterval: Duration { .milliseconds(Int64(leaseDurationSeconds) * 250) }
    public var workers: Int
    /// Extra labels on every node (a zone, say).
    public var labels: [String: String]

    public init(count: Int, prefix: String = "sim-", cpu: String = "32", memory: String = "256Gi", maxPods: Int = 110,
                hostIP: String = "127.0.0.1", leaseDurationSeconds: Int32 = 40, workers: Int = 16, labels: [String: String] = [:]) {
        self.count = count
        self.prefix = prefix
        self.cpu = cpu
        self.memory = memory
        self.maxPods = maxPods
        self.hostIP = hostIP
        self.leaseDurationSeconds = leaseDurationSeconds
        self.workers = workers
        self.labels = labels
    }

    public var nodeNames: [String] { (0..<count).map { "\(prefix)\($0)" } }

    func description(of name: String) -> NodeDescription {
        var labels = self.labels
        labels["node.swiftlet.dev/simulated"] = "true"
        let capacity: [String: Quantity] = [
            "cpu": Quantity(cpu) ?? Quantity(integer: 32), "memory": Quantity(memory) ?? Quantity(integer: 1 << 38, format: .binarySI),
            "pods": Quantity(integer: Int64(maxPods)), "ephemeral-storage": Quantity("100Gi")!,
        ]
        let info = NodeSystemInfo(architecture: "amd64", bootID: "simulated", containerRuntimeVersion: "simulated://1.0",
                                  kernelVersion: "simulated", kubeProxyVersion: "", kubeletVersion: SwiftletVersion.gitVersion,
                                  machineID: name, operatingSystem: "linux", osImage: "Swiftlet simulated node", systemUUID: name)
        return NodeDescription(name: name, labels: labels, capacity: capacity, internalIP: hostIP, agentPort: 0, nodeInfo: info)
    }
}
