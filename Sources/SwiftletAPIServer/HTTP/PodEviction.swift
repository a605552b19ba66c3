import Foundation
import Hummingbird
import SwiftletAPI

/// `pods/eviction`: deletes a pod unless that would break its PodDisruptionBudget, as upstream's
/// pkg/registry/core/pod/storage/eviction.go. A refusal is 429 TooManyRequests, which `kubectl drain`
/// retries; an approved eviction takes one disruption from the budget and records the pod in
/// `status.disruptedPods` before the pod is deleted, so concurrent evictions cannot overspend it.
struct PodEviction {
    /// Upstream's `MaxDisruptedPodSize`: approvals the disruption controller has not caught up with yet.
    static let maxDisruptedPods = 2000
    static let refusal = "Cannot evict pod as it would violate the pod's disruption budget."
    /// Conflicting writers are retried this often (upstream's `EvictionsRetry` steps).
    static let retries = 20

    let pods: ResourceStorage
    let budgets: ResourceStorage
    let namespace: String?
    let name: String
    let options: DeleteOptions
    /// The client pinned the pod's resourceVersion, so a conflict is the client's to handle.
    var resourceVersionGiven: Bool { options.preconditionResourceVersion != nil }

    init(pods: ResourceStorage, registry: ResourceRegistry, namespace: String?, name: String, body: JSONValue) throws(APIError) {
        if let named = body["metadata"]?["name"]?.stringValue, !named.isEmpty, named != name {
            throw APIError.badRequest("name in URL does not match name in Eviction object")
        }
        guard let budgets = registry.storage(forKind: "PodDisruptionBudget", group: "policy") else {
            throw APIError.internalError("no storage for poddisruptionbudgets.policy")
        }
        let given = body["deleteOptions"]
        var options = DeleteOptions()
        options.gracePeriodSeconds = given?["gracePeriodSeconds"]?.intValue
        options.propagationPolicy = given?["propagationPolicy"]?.stringValue
        options.preconditionUID = given?["preconditions"]?["uid"]?.stringValue
        options.preconditionResourceVersion = given?["preconditions"]?["resourceVersion"]?.stringValue
        options.dryRun = given?["dryRun"]?.arrayValue?.contains("All") ?? false
        self.pods = pods
        self.budgets = budgets
        self.namespace = namespace
        self.name = name
        self.options = options
    }

    func run() async throws(APIError) -> Response {
        // Pods that cannot be disrupted any further (finished, pending, already going) skip the budget.
        var pod: JSONValue = .null
        for attempt in 0..<Self.retries {
            guard let (current, _) = try await pods.current(namespace: namespace, name: name) else { throw pods.notFound(name) }
            pod = current
            guard Self.canIgnoreBudget(pod) else { break }
            var deleteOptions = options
            if Self.mustPinResourceVersion(pod) && !resourceVersionGiven {
                // Make sure the pod has not turned Running (and so budgeted) since we looked.
                deleteOptions.preconditionResourceVersion = pod["metadata"]?["resourceVersion"]?.stringValue
            }
            do {
                try await markAndDelete(deleteOptions)
                return Self.success()
            } catch {
                if error.reason != .conflict || resourceVersionGiven || attempt == Self.retries - 1 { throw error }
            }
        }

        let matching = try await budgetsMatching(pod)
        if matching.count > 1 {
            return ResponseWriting.json(["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Failure",
                                         "message": "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                                         "code": 500], status: .internalServerError)
        }
        var pinResourceVersion = false
        var budgetName = ""
        if let budget = matching.first {
            budgetName = budget["metadata"]?["name"]?.stringValue ?? ""
            let status = budget["status"]
            if !Self.isReady(pod) && budget["spec"]?["unhealthyPodEvictionPolicy"]?.stringValue == "AlwaysAllow" {
                // An unhealthy pod does not count towards the budget: delete it without spending a disruption.
                pinResourceVersion = true
            } else if !Self.isReady(pod), let current = status?["currentHealthy"]?.intValue, let desired = status?["desiredHealthy"]?.intValue,
                      current >= desired, desired > 0 {
                pinResourceVersion = true
            } else {
                try await checkAndDecrement(budgetName, podName: name)
            }
        }
        var deleteOptions = options
        if pinResourceVersion {
            // The pod must still be the unhealthy one we judged; if it changed, the client retries.
            deleteOptions.preconditionResourceVersion = pod["metadata"]?["resourceVersion"]?.stringValue
        }
        do {
            try await markAndDelete(deleteOptions)
        } catch {
            if error.reason == .conflict && pinResourceVersion && !resourceVersionGiven { throw Self.stillProcessing(budgetName) }
            throw error
        }
        return Self.success()
    }

    static func success() -> Response {
        ResponseWriting.json(["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "code": 201], status: .created)
    }

    static func phase(_ pod: JSONValue) -> String { pod["status"]?["phase"]?.stringValue ?? "" }

    /// Finished, pending or already deleting: evicting it disrupts nothing more (upstream's `canIgnorePDB`).
    static func canIgnoreBudget(_ pod: JSONValue) -> Bool {
        ["Succeeded", "Failed", "Pending"].contains(phase(pod)) || pod["metadata"]?["deletionTimestamp"] != nil
    }

    /// Upstream's `shouldEnforceResourceVersion`: all but finished or deleting pods.
    static func mustPinResourceVersion(_ pod: JSONValue) -> Bool {
        !["Succeeded", "Failed"].contains(phase(pod)) && pod["metadata"]?["deletionTimestamp"] == nil
    }

    static func isReady(_ pod: JSONValue) -> Bool {
        pod["status"]?["conditions"]?.arrayValue?.contains { $0["type"] == "Ready" && $0["status"] == "True" } ?? false
    }

    /// The 429 for a budget whose status lags its spec, or a pod that changed while we decided.
    static func stillProcessing(_ budget: String) -> APIError {
        APIError(.tooManyRequests, refusal,
                 causes: [FieldError(.disruptionBudget, field: "", detail: "The disruption budget \(budget) is still being processed by the server.")],
                 retryAfterSeconds: 10)
    }

    /// The budgets in the pod's namespace whose selector matches it; an empty or invalid selector matches nothing.
    private func budgetsMatching(_ pod: JSONValue) async throws(APIError) -> [JSONValue] {
        let labels = (pod["metadata"]?["labels"]?.objectValue ?? [:]).reduce(into: [String: String]()) { $0[$1.key] = $1.value.stringValue ?? "" }
        let page = try await budgets.list(namespace: namespace, options: ListOptions())
        return page.items.map(\.object).filter { budget in
            guard let selector = try? LabelSelector.from(budget["spec"]?["selector"]), !selector.isEmpty else { return false }
            return selector.matches(labels)
        }
    }

    /// Takes one disruption from the budget and records the pod as disrupted, or refuses with 429
    /// (upstream's `checkAndDecrement`); a conflicting write re-reads the budget and checks again.
    private func checkAndDecrement(_ budgetName: String, podName: String) async throws(APIError) {
        var writeOptions = WriteOptions()
        writeOptions.dryRun = options.dryRun
        let budgets = self.budgets
        _ = try await budgets.guaranteedUpdate(namespace: namespace, name: budgetName, precondition: nil, options: writeOptions) { old in
            let status = old["status"]
            if (status?["observedGeneration"]?.intValue ?? 0) < (old["metadata"]?["generation"]?.intValue ?? 0) {
                throw Self.stillProcessing(budgetName)
            }
            let allowed = status?["disruptionsAllowed"]?.intValue ?? 0
            if allowed < 0 {
                throw APIError.forbidden(resource: "poddisruptionbudget", group: "policy", name: budgetName, detail: "pdb disruptions allowed is negative")
            }
            if (status?["disruptedPods"]?.objectValue?.count ?? 0) > Self.maxDisruptedPods {
                throw APIError.forbidden(resource: "poddisruptionbudget", group: "policy", name: budgetName,
                                         detail: "DisruptedPods map too big - too many evictions not confirmed by PDB controller")
            }
            if allowed == 0 {
                let detail = "The disruption budget \(budgetName) needs \(status?["desiredHealthy"]?.intValue ?? 0) healthy pods and has \(status?["currentHealthy"]?.intValue ?? 0) currently"
                throw APIError(.tooManyRequests, Self.refusal, causes: [FieldError(.disruptionBudget, field: "", detail: detail)])
            }
            var object = old
            object.set(path: ["status", "disruptionsAllowed"], to: .int(allowed - 1))
            if allowed - 1 == 0 { Self.setInsufficientPods(&object) }
            object.set(path: ["status", "disruptedPods", podName], to: .string(Time.now().rfc3339))
            return try budgets.prepareUpdate(object, old: old, subresource: "status")
        }
    }

    /// The DisruptionAllowed condition once the last disruption is spent (upstream's `UpdateDisruptionAllowedCondition`).
    static func setInsufficientPods(_ budget: inout JSONValue) {
        var conditions = budget["status"]?["conditions"]?.arrayValue ?? []
        let generation = budget["status"]?["observedGeneration"] ?? .int(0)
        let index = conditions.firstIndex { $0["type"] == "DisruptionAllowed" }
        let changed = index.map { conditions[$0]["status"] != "False" } ?? true
        let transition = changed ? JSONValue.string(Time.now().rfc3339) : conditions[index!]["lastTransitionTime"] ?? .string(Time.now().rfc3339)
        let condition: JSONValue = ["type": "DisruptionAllowed", "status": "False", "observedGeneration": generation,
                                    "lastTransitionTime": transition, "reason": "InsufficientPods", "message": ""]
        if let index { conditions[index] = condition } else { conditions.append(condition) }
        budget.set(path: ["status", "conditions"], to: .array(conditions))
    }

    /// Adds the DisruptionTarget condition, then deletes the pod with the given options (upstream's
    /// `addConditionAndDeletePod`); the preconditions are checked against the pod as stored.
    private func markAndDelete(_ deleteOptions: DeleteOptions) async throws(APIError) {
        var deleteOptions = deleteOptions
        if !deleteOptions.dryRun {
            let name = self.name
            let preconditions = deleteOptions
            let marked = try await pods.guaranteedUpdate(namespace: namespace, name: name, precondition: nil, options: WriteOptions()) { old in
                let meta = old["metadata"]
                if let uid = preconditions.preconditionUID, !uid.isEmpty, uid != meta?["uid"]?.stringValue {
                    throw APIError.conflict(resource: "pods", group: "", name: name,
                                            detail: "Precondition failed: UID in precondition: \(uid), UID in object meta: \(meta?["uid"]?.stringValue ?? "")")
                }
                if let rv = preconditions.preconditionResourceVersion, !rv.isEmpty, rv != meta?["resourceVersion"]?.stringValue {
                    throw APIError.conflict(resource: "pods", group: "", name: name,
                                            detail: "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(meta?["resourceVersion"]?.stringValue ?? "")")
                }
                // A pod already terminating is left as is: the storage treats any write to a terminating
                // object without finalizers as the end of its deletion, which would cut the grace period short.
                if meta?["deletionTimestamp"] != nil { return old }
                var object = old
                var conditions = object["status"]?["conditions"]?.arrayValue ?? []
                let index = conditions.firstIndex { $0["type"] == "DisruptionTarget" }
                let transition = index.flatMap { conditions[$0]["status"] == "True" ? conditions[$0]["lastTransitionTime"] : nil }
                    ?? .string(Time.now().rfc3339)
                let condition: JSONValue = ["type": "DisruptionTarget", "status": "True", "lastProbeTime": .null,
                                            "lastTransitionTime": transition, "reason": "EvictionByEvictionAPI", "message": "Eviction API: evicting"]
                if let index { conditions[index] = condition } else { conditions.append(condition) }
                object.set(path: ["status", "conditions"], to: .array(conditions))
                return object
            }
            if deleteOptions.preconditionResourceVersion != nil {
                // Our own write moved the resourceVersion on.
                deleteOptions.preconditionResourceVersion = marked.object["metadata"]?["resourceVersion"]?.stringValue
            }
        }
        _ = try await pods.delete(namespace: namespace, name: name, options: deleteOptions)
    }
}
