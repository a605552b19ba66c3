import ArgumentParser
import Foundation
import SwiftletAgent
import SwiftletAPI

/// The node agent's flags, shared by `swiftlet agent` and the agent embedded in `swiftlet server`.
struct AgentOptions: ParsableArguments {
    @Option(help: "This node's name (default: the host name).") var nodeName: String?
    @Option(help: "Port of the agent's HTTP endpoint (logs, exec).") var agentPort = 10250
    @Option(help: "CRI endpoint of a running container runtime (default: a containerd the agent supervises).")
    var containerRuntimeEndpoint: String?
    @Flag(help: "Give pods a default route and masquerading to reach beyond the cluster.") var podEgress = false
    @Option(help: "The node's InternalIP (also the pods' hostIP).") var nodeIP = "127.0.0.1"
    @Option(help: "The cluster's DNS domain, for the fully qualified names of pods with a subdomain.") var clusterDomain = "cluster.local"

    func validate() throws {
        guard (1...65535).contains(agentPort) else { throw ValidationError("--agent-port must be between 1 and 65535") }
    }

    /// The host name, lower-cased as a node name must be.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
        return name.isEmpty ? "localhost" : name
    }

    func configuration(dataDir: String, clusterCIDR: IPv4CIDR, serviceCIDR: IPv4CIDR) -> AgentConfiguration {
        AgentConfiguration(nodeName: nodeName ?? Self.hostName, dataDir: dataDir, agentPort: agentPort,
                           runtimeEndpoint: containerRuntimeEndpoint, clusterCIDR: clusterCIDR, serviceCIDR: serviceCIDR,
                           podEgress: podEgress, internalIP: nodeIP, clusterDomain: clusterDomain)
    }
}
