import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletControllers
import SwiftletCRI

/// What every pod worker of one agent shares: the runtime, the API, the node's identity and data dir.
struct PodWorkerContext: Sendable {
    let runtime: any ContainerRuntime
    /// The runtime's sandboxes and containers per pod, relisted once a second for all workers.
    let runtimeCache: PodRuntimeCache
    let transport: any APITransport
    let nodeName: String
    let hostIP: String
    let dataDir: String
    /// The cluster's DNS domain (`cluster.local`), for the hosts file of pods with a subdomain.
    let clusterDomain: String
    /// What the node offers pods, for kubelet's admission of pods bound to it past the scheduler.
    let admission: PodAdmission
    /// How often a worker looks at its pod's containers when nothing else wakes it (kubelet's PLEG relists every second).
    let resyncInterval: Duration
    let logger: Logger
    /// Kubelet's events about pods (Pulled, Created, Started, Killing, BackOff, Unhealthy, …).
    let events: EventRecorder

    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }

    func logDirectory(for pod: Pod) -> String {
        dataDir + "/logs/\(pod.metadata?.namespace ?? "default")_\(pod.metadata?.name ?? "")_\(pod.metadata?.uid ?? "")"
    }

    func logDirectory(namespace: String, name: String, uid: String) -> String {
        dataDir + "/logs/\(namespace)_\(name)_\(uid)"
    }
}
