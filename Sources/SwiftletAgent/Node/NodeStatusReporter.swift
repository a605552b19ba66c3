import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletCRI

/// Posts the node's status as kubelet's node status loop: computed every `updateFrequency` (10 s), written when
/// a condition, the capacity or the addresses changed, and at least every `reportFrequency` (5 min).
public actor NodeStatusReporter {
    let nodes: ResourceClient<Node>
    let description: NodeDescription
    let dataDir: String
    let runtime: any ContainerRuntime
    let updateFrequency: Duration
    let reportFrequency: Duration
    let logger: Logger
    private var lastPosted: NodeStatus?
    private var lastPostedAt = ContinuousClock.now

    public init(transport: any APITransport, description: NodeDescription, dataDir: String, runtime: any ContainerRuntime,
                updateFrequency: Duration = .seconds(10), reportFrequency: Duration = .seconds(300), logger: Logger) {
        nodes = ResourceClient<Node>(transport: transport)
        self.description = description
        self.dataDir = dataDir
        self.runtime = runtime
        self.updateFrequency = updateFrequency
        self.reportFrequency = reportFrequency
        self.logger = logger
    }

    public func run() async {
        while !Task.isCancelled {
            do {
                try await postIfChanged()
            } catch {
                logger.warning("cannot post node status", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: updateFrequency)
        }
    }

    /// The node's conditions as of now; Ready follows the runtime's RuntimeReady and NetworkReady.
    func conditions(previous: [NodeCondition], machine: MachineInfo, runtimeConditions: [RuntimeCondition]?) -> [NodeCondition] {
        let now = Time.now()
        func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String) -> NodeCondition {
            let statusText = status ? "True" : "False"
            let since = previous.first { $0.type == type && $0.status == statusText }?.lastTransitionTime ?? now
            return NodeCondition(lastHeartbeatTime: now, lastTransitionTime: since, message: message, reason: reason, status: statusText, type: type)
        }
        var notReady: [String] = []
        if let runtimeConditions {
            for required in [RuntimeCondition.runtimeReady, RuntimeCondition.networkReady] {
                if runtimeConditions.contains(where: { $0.type == required && $0.status }) { continue }
                let found = runtimeConditions.first { $0.type == required }
                let which = required == RuntimeCondition.networkReady ? "network" : "runtime"
                notReady.append("container runtime \(which) not ready: \(required)=false reason:\(found?.reason ?? "") message:\(found?.message ?? "")")
            }
        } else {
            notReady.append("container runtime is down")
        }
        return [
            machine.memoryPressure
                ? condition("MemoryPressure", true, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
                : condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            machine.diskPressure
                ? condition("DiskPressure", true, "KubeletHasDiskPressure", "kubelet has disk pressure")
                : condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            notReady.isEmpty
                ? condition("Ready", true, "KubeletReady", "kubelet is posting ready status")
                : condition("Ready", false, "KubeletNotReady", notReady.joined(separator: ", ")),
        ]
    }

    func postIfChanged() async throws {
        let machine = MachineInfo.read(dataDir: dataDir)
        let runtimeConditions = try? await runtime.status()
        var current = description
        current.capacity = machine.capacity
        current.allocatable = machine.capacity
        var status = current.status(now: .now(), conditions: conditions(previous: lastPosted?.conditions ?? [], machine: machine,
                                                                       runtimeConditions: runtimeConditions))
        if let images = try? await runtime.listImages() {
            status.images = Self.nodeImages(images)
        }
        if let lastPosted, Self.sameIgnoringHeartbeats(lastPosted, status), ContinuousClock.now - lastPostedAt < reportFrequency { return }
        let body: JSONValue = ["status": try JSONValue(encoding: status)]
        _ = try await nodes.patch(description.name, type: .merge, body: body, subresource: "status")
        lastPosted = status
        lastPostedAt = ContinuousClock.now
    }

    /// The images the node holds, largest first and at most 50, as kubelet reports them (`--node-status-max-images`).
    static func nodeImages(_ images: [ImageInfo]) -> [ContainerImage] {
        images.sorted { $0.size > $1.size }.prefix(50).map { image in
            ContainerImage(names: image.repoDigests + image.repoTags, sizeBytes: Int64(clamping: image.size))
        }
    }

    static func sameIgnoringHeartbeats(_ a: NodeStatus, _ b: NodeStatus) -> Bool {
        func strip(_ status: NodeStatus) -> NodeStatus {
            var status = status
            status.conditions = status.conditions?.map { condition in
                var condition = condition
                condition.lastHeartbeatTime = nil
                return condition
            }
            // Free memory and disk change all the time; only the thresholds matter.
            status.capacity?["ephemeral-storage"] = nil
            status.allocatable?["ephemeral-storage"] = nil
            return status
        }
        return strip(a) == strip(b)
    }
}
