import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletControllers

/// When no node fits, finds nodes where deleting lower-priority pods would make the pod fit, picks one and
/// the fewest, least important victims there (upstream's DefaultPreemption PostFilter), marks the victims with
/// a DisruptionTarget condition, deletes them, and nominates the node for the pod.
public struct DefaultPreemption: PostFilterPlugin {
    public static let notHelpful = "Preemption is not helpful for scheduling"
    public static let noVictims = "No preemption victims found for incoming pod"
    /// At least this share of the potential nodes is dry-run, and at least `minCandidateNodesAbsolute` of them.
    static let minCandidateNodesPercentage = 10
    static let minCandidateNodesAbsolute = 100

    public var name: String { "DefaultPreemption" }
    let pods: ResourceClient<Pod>
    let events: EventRecorder?
    let logger: Logger

    public init(transport: any APITransport, events: EventRecorder?, logger: Logger) {
        self.pods = ResourceClient(transport: transport)
        self.events = events
        self.logger = logger
    }

    /// A node where preemption makes the pod fit, with the pods to delete, most important first, and how many of
    /// them a PodDisruptionBudget protects.
    public struct Candidate: Sendable {
        public var nodeName: String
        public var victims: [PodInfo]
        public var budgetViolations: Int

        public init(nodeName: String, victims: [PodInfo], budgetViolations: Int = 0) {
            self.nodeName = nodeName
            self.victims = victims
            self.budgetViolations = budgetViolations
        }
    }

    public func postFilter(_ state: CycleState, pod: PodInfo, statuses: NodeToStatus, framework: Framework) async -> (PostFilterResult?, PluginStatus) {
        let (result, status) = await preempt(state, pod: pod, statuses: statuses, framework: framework)
        if status.isSuccess || status.message.isEmpty { return (result, status) }
        return (result, PluginStatus(status.code, ["preemption: " + status.message]))
    }

    func preempt(_ state: CycleState, pod: PodInfo, statuses: NodeToStatus, framework: Framework) async -> (PostFilterResult?, PluginStatus) {
        if let reason = ineligibility(of: pod, state: state, statuses: statuses) {
            return (nil, .unschedulable(reason))
        }
        let (candidates, dryRunStatuses) = findCandidates(state, pod: pod, statuses: statuses, framework: framework)
        if candidates.isEmpty {
            var notFitting = dryRunStatuses
            notFitting.absentNodesStatus = .unresolvable(Self.notHelpful)
            let fitError = FitError(numAllNodes: state.snapshot.count, statuses: notFitting)
            // An empty nomination clears one the pod may still carry.
            return (PostFilterResult(nominatedNodeName: ""), .unschedulable(fitError.message))
        }
        let best = Self.selectCandidate(candidates)
        do {
            try await prepare(best, for: pod, nominated: state.nominatedPods[best.nodeName] ?? [])
        } catch {
            return (nil, .error("\(error)"))
        }
        return (PostFilterResult(nominatedNodeName: best.nodeName), .success)
    }

    /// Why the pod may not preempt, or nil when it may (upstream's `PodEligibleToPreemptOthers`).
    func ineligibility(of pod: PodInfo, state: CycleState, statuses: NodeToStatus) -> String? {
        if pod.pod.spec?.preemptionPolicy == "Never" { return "not eligible due to preemptionPolicy=Never." }
        if let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty {
            // Filters rule the nominated node out for good: preempt again elsewhere.
            if statuses[nominated].code == .unschedulableAndUnresolvable { return nil }
            if let node = state.snapshot.node(named: nominated),
               node.pods.contains(where: { $0.priority < pod.priority && Self.isTerminatingByPreemption($0.pod) }) {
                return "not eligible due to a terminating pod on the nominated node."
            }
        }
        return nil
    }

    static func isTerminatingByPreemption(_ pod: Pod) -> Bool {
        pod.metadata?.deletionTimestamp != nil
            && (pod.status?.conditions ?? []).contains { $0.type == "DisruptionTarget" && $0.reason == "PreemptionByScheduler" }
    }

    /// Dry-runs preemption on the nodes where filters failed with `unschedulable` (other rejections cannot be
    /// helped by removing pods), starting at a random offset.
    func findCandidates(_ state: CycleState, pod: PodInfo, statuses: NodeToStatus, framework: Framework) -> ([Candidate], NodeToStatus) {
        var result = NodeToStatus()
        let potential = state.snapshot.nodes.filter { statuses[$0.name].code == .unschedulable }
        if potential.isEmpty { return ([], result) }
        var wanted = potential.count * Self.minCandidateNodesPercentage / 100
        wanted = min(potential.count, max(wanted, Self.minCandidateNodesAbsolute))
        let offset = Int.random(in: 0..<potential.count)
        var candidates: [Candidate] = []
        for i in 0..<potential.count {
            let node = potential[(offset + i) % potential.count]
            let (victims, violations, status) = Self.selectVictims(on: node, for: pod, state: state, framework: framework)
            if status.isSuccess && !victims.isEmpty {
                candidates.append(Candidate(nodeName: node.name, victims: victims, budgetViolations: violations))
                if candidates.count >= wanted { break }
            } else {
                result[node.name] = status.isSuccess ? .error("expected at least one victim pod on node \(node.name)") : status
            }
        }
        return (candidates, result)
    }

    /// The fewest lower-priority pods to remove from `node` so the pod fits (upstream's `SelectVictimsOnNode`):
    /// remove all of them, check the pod fits, then reprieve them one by one from the most important while it
    /// still fits — first those a PodDisruptionBudget protects, then the others — and count the protected ones
    /// that could not be spared.
    public static func selectVictims(on node: NodeInfo, for pod: PodInfo, state: CycleState,
                                     framework: Framework) -> (victims: [PodInfo], budgetViolations: Int, status: PluginStatus) {
        let simulated = state.clone()
        var nodeCopy = node
        let nominated = state.nominatedPods[node.name] ?? []
        var potential = node.pods.filter { $0.priority < pod.priority }
        if potential.isEmpty { return ([], 0, .unresolvable(noVictims)) }
        for victim in potential {
            nodeCopy.remove(key: victim.key)
            framework.runRemovePod(simulated, podToSchedule: pod, podToRemove: victim, node: nodeCopy)
        }
        let fits = framework.runFiltersWithNominatedPods(simulated, pod: pod, node: nodeCopy, nominated: nominated)
        if !fits.isSuccess { return ([], 0, fits) }
        potential.sort(by: moreImportant)
        let (protected, unprotected) = partitionByBudget(potential, budgets: state.listers.disruptionBudgets())
        var victims: [PodInfo] = []
        func reprieve(_ candidate: PodInfo) -> Bool {
            nodeCopy.add(candidate)
            framework.runAddPod(simulated, podToSchedule: pod, podToAdd: candidate, node: nodeCopy)
            if framework.runFiltersWithNominatedPods(simulated, pod: pod, node: nodeCopy, nominated: nominated).isSuccess { return true }
            nodeCopy.remove(key: candidate.key)
            framework.runRemovePod(simulated, podToSchedule: pod, podToRemove: candidate, node: nodeCopy)
            victims.append(candidate)
            return false
        }
        var violations = 0
        for candidate in protected where !reprieve(candidate) { violations += 1 }
        for candidate in unprotected { _ = reprieve(candidate) }
        if !protected.isEmpty && !unprotected.isEmpty { victims.sort(by: moreImportant) }
        return (victims, violations, .success)
    }

    /// Splits pods (most important first) into those whose eviction would break a PodDisruptionBudget of their
    /// namespace — counting down each budget's `disruptionsAllowed` as pods are taken — and the others
    /// (upstream's `filterPodsWithPDBViolation`). Pods a budget already lists as disrupted do not count.
    static func partitionByBudget(_ pods: [PodInfo], budgets: [PodDisruptionBudget]) -> (violating: [PodInfo], other: [PodInfo]) {
        guard !budgets.isEmpty else { return ([], pods) }
        var allowed = budgets.map { $0.status?.disruptionsAllowed ?? 0 }
        let selectors = budgets.map { budget -> LabelSelector? in
            guard let selector = budget.spec?.selector,
                  !(selector.matchLabels ?? [:]).isEmpty || !(selector.matchExpressions ?? []).isEmpty else { return nil }
            return LabelSelector.from(selector)
        }
        var violating: [PodInfo] = [], other: [PodInfo] = []
        for pod in pods {
            var violated = false
            let labels = pod.pod.metadata?.labels ?? [:]
            if !labels.isEmpty {
                for (index, budget) in budgets.enumerated() {
                    guard budget.metadata?.namespace == pod.namespace, let selector = selectors[index], selector.matches(labels),
                          budget.status?.disruptedPods?[pod.name] == nil else { continue }
                    allowed[index] -= 1
                    if allowed[index] < 0 { violated = true }
                }
            }
            if violated { violating.append(pod) } else { other.append(pod) }
        }
        return (violating, other)
    }

    /// Higher priority first; at equal priority the pod that started earlier (upstream's `MoreImportantPod`).
    static func moreImportant(_ a: PodInfo, _ b: PodInfo) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        return startTime(a) < startTime(b)
    }

    static func startTime(_ pod: PodInfo) -> Date {
        pod.pod.status?.startTime?.date ?? pod.pod.metadata?.creationTimestamp?.date ?? .distantFuture
    }

    /// Upstream's `pickOneNodeForPreemption`: the fewest PodDisruptionBudget violations, then the lowest
    /// highest-victim priority, the lowest sum of priorities, the fewest victims, the latest start of the most
    /// important victims, then the first.
    public static func selectCandidate(_ candidates: [Candidate]) -> Candidate {
        var best = candidates
        func keep(minimizing key: (Candidate) -> Int64) {
            guard let low = best.map(key).min() else { return }
            best = best.filter { key($0) == low }
        }
        if best.count > 1 { keep { Int64($0.budgetViolations) } }
        if best.count > 1 { keep { Int64($0.victims.first?.priority ?? Int32.min) } }
        if best.count > 1 { keep { $0.victims.reduce(Int64(0)) { $0 + Int64($1.priority) + Int64(Int32.max) + 1 } } }
        if best.count > 1 { keep { Int64($0.victims.count) } }
        if best.count > 1 {
            // The earliest start among the most important victims; the latest such time wins.
            func earliest(_ c: Candidate) -> Date {
                guard let top = c.victims.first?.priority else { return .distantPast }
                return c.victims.filter { $0.priority == top }.map(startTime).min() ?? .distantPast
            }
            let latest = best.map(earliest).max()
            best = best.filter { earliest($0) == latest }
        }
        return best[0]
    }

    /// Marks each victim with the DisruptionTarget condition, deletes it, and takes the nomination from pods of
    /// lower priority nominated to the same node (they would not fit once the preemptor lands).
    func prepare(_ candidate: Candidate, for pod: PodInfo, nominated: [PodInfo]) async throws {
        let schedulerName = pod.pod.spec?.schedulerName ?? Scheduler.defaultSchedulerName
        let pods = self.pods
        let events = self.events
        try await withThrowingTaskGroup(of: Void.self) { group in
            for victim in candidate.victims {
                group.addTask {
                    let hasCondition = (victim.pod.status?.conditions ?? []).contains { $0.type == "DisruptionTarget" }
                    if !hasCondition {
                        let condition: JSONValue = [
                            "type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                            "message": .string("\(schedulerName): preempting to accommodate a higher priority pod"),
                            "lastTransitionTime": .string(Time.now().rfc3339),
                        ]
                        do {
                            _ = try await pods.patch(victim.name, namespace: victim.namespace, type: .strategicMerge,
                                                     body: ["status": ["conditions": [condition]]], subresource: "status")
                        } catch {
                            if (error as? APIError)?.reason == .notFound { return }
                            throw error
                        }
                    }
                    do {
                        try await pods.delete(victim.name, namespace: victim.namespace)
                    } catch {
                        if (error as? APIError)?.reason != .notFound { throw error }
                    }
                    events?.record(victim.pod, reason: "Preempted",
                                   message: "Preempted by pod \(pod.pod.metadata?.uid ?? "") on node \(candidate.nodeName)")
                }
            }
            try await group.waitForAll()
        }
        for other in nominated where other.priority < pod.priority && other.key != pod.key {
            do {
                _ = try await pods.patch(other.name, namespace: other.namespace, type: .merge, body: ["status": ["nominatedNodeName": .null]],
                                         subresource: "status")
            } catch {
                logger.debug("cannot clear a nomination", metadata: ["pod": "\(other.key)", "error": "\(error)"])
            }
        }
    }
}
