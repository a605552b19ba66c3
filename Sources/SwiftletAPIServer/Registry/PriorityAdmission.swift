import SwiftletAPI
import SwiftletStore

/// Upstream's Priority admission plugin: a new pod's `spec.priority` and `spec.preemptionPolicy` come from its
/// PriorityClass (or the cluster's globalDefault class, or 0); a pod may not set them to anything else.
struct PriorityAdmission: Sendable {
    let classes: WatchCache
    /// Read when the cache has not seen a class yet (one created just before the pod).
    let store: any StoreBackend

    func admit(_ pod: inout JSONValue) async throws(APIError) {
        var spec = pod["spec"] ?? .object([:])
        let podName = pod["metadata"]?["name"]?.stringValue ?? ""
        var className = spec["priorityClassName"]?.stringValue ?? ""
        var value: Int64 = 0
        var policy = "PreemptLowerPriority"
        if className.isEmpty {
            let all: [JSONValue] = await classes.list(filter: WatchFilter(fields: { _ in [:] })).items.map(\.object)
            let defaults: [JSONValue] = all.filter { $0["globalDefault"]?.boolValue == true }
            // Several global defaults: the lowest value wins, as upstream.
            let global = defaults.min { ($0["value"]?.intValue ?? 0) < ($1["value"]?.intValue ?? 0) }
            if let global {
                className = global["metadata"]?["name"]?.stringValue ?? ""
                value = global["value"]?.intValue ?? 0
                policy = global["preemptionPolicy"]?.stringValue ?? policy
                spec["priorityClassName"] = .string(className)
            }
        } else {
            let key = classes.resource.storageKey(namespace: nil, name: className)
            var found = await classes.get(key: key)?.object
            if found == nil, let kv = try? await store.get(key) { found = try? JSONParser.parse(kv.value) }
            guard let found else {
                throw APIError.forbidden(resource: "pods", group: "", name: podName, detail: "no PriorityClass with name \(className) was found")
            }
            value = found["value"]?.intValue ?? 0
            policy = found["preemptionPolicy"]?.stringValue ?? policy
        }
        if let given = spec["priority"]?.intValue, given != value {
            throw APIError.forbidden(resource: "pods", group: "", name: podName, detail:
                "the integer value of priority (\(given)) must not be provided in pod spec; priority admission controller computed \(value) from the given PriorityClass name")
        }
        if let given = spec["preemptionPolicy"]?.stringValue, given != policy {
            throw APIError.forbidden(resource: "pods", group: "", name: podName, detail:
                "the string value of PreemptionPolicy (\(given)) must not be provided in pod spec; priority admission controller computed \(policy) from the given PriorityClass name")
        }
        spec["priority"] = .int(value)
        spec["preemptionPolicy"] = .string(policy)
        pod["spec"] = spec
    }
}
