import SwiftletAPI
import SwiftletScheduler

/// Kubelet's admission of a pod new to the node (its `GeneralPredicates` on resources): a pod bound straight
/// to the node by `spec.nodeName`, past the scheduler, must still fit beside the pods the node already runs,
/// or it is rejected — Failed, with kubelet's `OutOf<resource>` reason and message — instead of overcommitting.
struct PodAdmission: Sendable {
    struct Rejection: Sendable, Hashable {
        var reason: String
        var message: String
    }

    /// The node's allocatable resources.
    let allocatable: ResourceAmounts

    init(allocatable: [String: Quantity]) {
        self.allocatable = ResourceAmounts(allocatable)
    }

    /// Whether kubelet would still admit `pod`: one it already started (found again after a restart) or that is
    /// finished or going away is not checked again.
    static func needsAdmission(_ pod: Pod) -> Bool {
        guard pod.metadata?.deletionTimestamp == nil, (pod.status?.phase ?? "Pending") == "Pending" else { return false }
        let statuses = (pod.status?.containerStatuses ?? []) + (pod.status?.initContainerStatuses ?? [])
        return statuses.allSatisfy { $0.state?.running == nil && $0.state?.terminated == nil }
    }

    /// Why `pod` does not fit beside `admitted` (the active pods the node runs), or nil when it does; the first
    /// failing resource in kubelet's order: pods, cpu, memory, ephemeral storage, then the others by name.
    func rejection(of pod: Pod, admitted: [Pod]) -> Rejection? {
        var used = ResourceAmounts()
        for other in admitted { used.add(ResourceAmounts.podRequests(other.spec)) }
        used.allowedPodNumber = Int64(admitted.count)
        var requested = ResourceAmounts.podRequests(pod.spec)
        requested.allowedPodNumber = 1
        var names = [ResourceAmounts.pods, ResourceAmounts.cpu, ResourceAmounts.memoryName, ResourceAmounts.ephemeralStorageName]
        // Extended resources the node does not offer at all are left out, as kubelet leaves them to device plugins.
        names += requested.scalar.keys.filter { allocatable.scalar[$0] != nil }.sorted()
        for name in names {
            let asked = requested.amount(of: name)
            guard asked > 0 else { continue }
            let inUse = used.amount(of: name), capacity = allocatable.amount(of: name)
            if asked + inUse > capacity {
                return Rejection(reason: "OutOf\(name)",
                                 message: "Node didn't have enough resource: \(name), requested: \(asked), used: \(inUse), capacity: \(capacity)")
            }
        }
        return nil
    }
}
