import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Keeps each PodDisruptionBudget's status current — how many of its pods are healthy, how many must be,
/// and so how many disruptions the eviction API may allow now — as upstream's disruption controller
/// (pkg/controller/disruption) does. Evictions the API server approved but whose pods are not gone yet
/// (`disruptedPods`) do not count as healthy for two minutes.
public final class DisruptionController: Sendable {
    /// How long an approved eviction keeps its pod out of the healthy count (upstream's `DeletionTimeout`).
    static let deletionTimeout: TimeInterval = 120

    let budgets: ResourceClient<PodDisruptionBudget>
    let budgetInformer: Informer<PodDisruptionBudget>
    let podInformer: Informer<Pod>
    let replicaSetInformer: Informer<ReplicaSet>
    let deploymentInformer: Informer<Deployment>
    let replicationControllerInformer: Informer<ReplicationController>
    let statefulSetInformer: Informer<StatefulSet>
    let queue = WorkQueue<String>()
    let events: EventRecorder
    let logger: Logger

    public init(transport: any APITransport, informers: SharedInformerFactory, logger: Logger) {
        budgets = ResourceClient(transport: transport)
        budgetInformer = informers.informer(for: PodDisruptionBudget.self)
        podInformer = informers.informer(for: Pod.self)
        replicaSetInformer = informers.informer(for: ReplicaSet.self)
        deploymentInformer = informers.informer(for: Deployment.self)
        replicationControllerInformer = informers.informer(for: ReplicationController.self)
        statefulSetInformer = informers.informer(for: StatefulSet.self)
        events = EventRecorder(transport: transport, component: "controllermanager", logger: logger)
        self.logger = logger
    }

    /// Runs the workers until cancelled.
    public func run() async {
        _ = budgetInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] in queue.add($0.key) },
            onUpdate: { [queue] _, new in queue.add(new.key) },
            onDelete: { [queue] in queue.add($0.object.key) }))
        _ = podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] in self?.enqueueBudgets(of: $0) },
            onUpdate: { [weak self] old, new in
                self?.enqueueBudgets(of: new)
                if old.metadata?.labels != new.metadata?.labels { self?.enqueueBudgets(of: old) }
            },
            onDelete: { [weak self] in self?.enqueueBudgets(of: $0.object) }))
        guard await budgetInformer.waitForSync(), await podInformer.waitForSync(), await replicaSetInformer.waitForSync(),
              await deploymentInformer.waitForSync(), await replicationControllerInformer.waitForSync(),
              await statefulSetInformer.waitForSync() else { return }
        await queue.runWorkers(2, logger: logger, what: "disruption budget sync") { [self] key in try await self.sync(key) }
    }

    private func enqueueBudgets(of pod: Pod) {
        let labels = pod.metadata?.labels ?? [:]
        for budget in Lister(indexer: budgetInformer.indexer).list(namespace: pod.metadata?.namespace ?? "") {
            let selector = LabelSelector.from(budget.spec?.selector)
            if !selector.isEmpty && selector.matches(labels) { queue.add(budget.key) }
        }
    }

    // MARK: sync

    func sync(_ key: String) async throws {
        guard let budget = budgetInformer.indexer.get(key: key) else { return }
        do {
            try await trySync(budget)
        } catch let error as APIError where error.reason == .conflict {
            throw error
        } catch {
            // Fail closed: with the status unknown, allow no disruptions until a sync succeeds.
            logger.warning("disruption budget sync failed", metadata: ["key": "\(key)", "error": "\(error)"])
            try await failSafe(budget, error: error)
            throw error
        }
    }

    private func trySync(_ budget: PodDisruptionBudget) async throws {
        let pods = podsFor(budget)
        if pods.isEmpty { events.record(budget, reason: "NoPods", message: "No matching pods found") }
        let expected: (count: Int32, desiredHealthy: Int32, unmanaged: [String])
        do {
            expected = try expectedPodCount(budget, pods: pods)
        } catch {
            events.record(budget, type: "Warning", reason: "CalculateExpectedPodCountFailed",
                          message: "Failed to calculate the number of expected pods: \(error)")
            throw error
        }
        if !expected.unmanaged.isEmpty {
            events.record(budget, type: "Warning", reason: "UnmanagedPods",
                          message: "Pods selected by this PodDisruptionBudget (selector: \(LabelSelector.from(budget.spec?.selector))) were found "
                            + "to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "
                            + "To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.")
        }
        let now = Date()
        let (disrupted, recheck) = disruptedPods(pods, budget: budget, now: now)
        let healthy = Self.countHealthy(pods, disrupted: disrupted, now: now)
        try await updateStatus(budget, currentHealthy: healthy, desiredHealthy: expected.desiredHealthy, expectedCount: expected.count,
                               disrupted: disrupted)
        if let recheck { queue.addAfter(budget.key, delay: .milliseconds(Int64(max(recheck.timeIntervalSince(now), 0) * 1000) + 100)) }
    }

    /// The budget's pods: none for an empty or missing selector, as upstream.
    func podsFor(_ budget: PodDisruptionBudget) -> [Pod] {
        let selector = LabelSelector.from(budget.spec?.selector)
        if selector.isEmpty { return [] }
        return Lister(indexer: podInformer.indexer).list(namespace: budget.metadata?.namespace ?? "", selector: selector)
    }

    /// The pods the budget should see and how many of them must be healthy (upstream's `getExpectedPodCount`).
    func expectedPodCount(_ budget: PodDisruptionBudget, pods: [Pod]) throws -> (count: Int32, desiredHealthy: Int32, unmanaged: [String]) {
        if let maxUnavailable = budget.spec?.maxUnavailable {
            let (count, unmanaged) = try expectedScale(pods)
            guard let allowed = maxUnavailable.scaledValue(total: Int(count), roundUp: true) else { throw Self.invalidValue(maxUnavailable) }
            return (count, max(count - Int32(allowed), 0), unmanaged)
        }
        switch budget.spec?.minAvailable {
        case .int(let n)?:
            return (Int32(pods.count), n, [])
        case let percent?:
            let (count, unmanaged) = try expectedScale(pods)
            guard let minAvailable = percent.scaledValue(total: Int(count), roundUp: true) else { throw Self.invalidValue(percent) }
            return (count, Int32(minAvailable), unmanaged)
        case nil:
            return (0, 0, [])
        }
    }

    static func invalidValue(_ value: IntOrString) -> APIError {
        APIError.badRequest("invalid value for IntOrString: invalid value \(value): a percentage must end with '%'")
    }

    /// The sum of the scales of the pods' controllers (upstream's `getExpectedScale`); pods without a
    /// controller are reported, a controller that is not found or has no scale is an error.
    func expectedScale(_ pods: [Pod]) throws -> (count: Int32, unmanaged: [String]) {
        var scales: [String: Int32] = [:]
        var unmanaged: [String] = []
        for pod in pods {
            guard let ref = pod.controllerRef else {
                unmanaged.append(pod.metadata?.name ?? "")
                continue
            }
            if scales[ref.uid ?? ""] != nil { continue }
            guard let (uid, scale) = controllerScale(ref, namespace: pod.metadata?.namespace) else {
                throw APIError(.notFound, "found no controllers for pod \"\(pod.metadata?.name ?? "")\"")
            }
            scales[uid] = scale
        }
        return (scales.values.reduce(0, +), unmanaged)
    }

    /// The controller a reference names and its desired replicas: a Deployment through its ReplicaSet, a
    /// ReplicaSet of its own, a ReplicationController or a StatefulSet (upstream's finders).
    private func controllerScale(_ ref: OwnerReference, namespace: String?) -> (uid: String, scale: Int32)? {
        let key = ObjectKey.make(namespace: namespace, name: ref.name ?? "")
        let group = ref.apiVersion?.split(separator: "/").dropLast().first.map(String.init) ?? ""
        switch (group, ref.kind ?? "") {
        case ("apps", "ReplicaSet"):
            guard let rs = replicaSetInformer.indexer.get(key: key), rs.metadata?.uid == ref.uid else { return nil }
            if let owner = rs.metadata?.ownerReferences?.first(where: { $0.controller == true }), owner.kind == "Deployment" {
                let deploymentKey = ObjectKey.make(namespace: namespace, name: owner.name ?? "")
                guard let deployment = deploymentInformer.indexer.get(key: deploymentKey), deployment.metadata?.uid == owner.uid else { return nil }
                return (deployment.metadata?.uid ?? "", deployment.spec?.replicas ?? 1)
            }
            return (rs.metadata?.uid ?? "", rs.spec?.replicas ?? 1)
        case ("", "ReplicationController"):
            guard let rc = replicationControllerInformer.indexer.get(key: key), rc.metadata?.uid == ref.uid else { return nil }
            return (rc.metadata?.uid ?? "", rc.spec?.replicas ?? 1)
        case ("apps", "StatefulSet"):
            guard let sts = statefulSetInformer.indexer.get(key: key), sts.metadata?.uid == ref.uid else { return nil }
            return (sts.metadata?.uid ?? "", sts.spec?.replicas ?? 1)
        default:
            return nil
        }
    }

    /// The approved evictions still pending, and when the earliest of them times out (upstream's `buildDisruptedPodMap`).
    private func disruptedPods(_ pods: [Pod], budget: PodDisruptionBudget, now: Date) -> ([String: Time], Date?) {
        guard let recorded = budget.status?.disruptedPods else { return ([:], nil) }
        var result: [String: Time] = [:]
        var recheck: Date?
        for pod in pods where pod.metadata?.deletionTimestamp == nil {
            guard let name = pod.metadata?.name, let at = recorded[name] else { continue }
            let expectedDeletion = at.date.addingTimeInterval(Self.deletionTimeout)
            if expectedDeletion < now {
                events.record(pod, type: "Warning", reason: "NotDeleted",
                              message: "Pod was expected by PDB \(budget.metadata?.namespace ?? "")/\(budget.metadata?.name ?? "") to be deleted but it wasn't")
            } else {
                recheck = min(recheck ?? expectedDeletion, expectedDeletion)
                result[name] = at
            }
        }
        return (result, recheck)
    }

    /// Ready pods that are neither being deleted nor about to be (upstream's `countHealthyPods`).
    static func countHealthy(_ pods: [Pod], disrupted: [String: Time], now: Date) -> Int32 {
        Int32(pods.filter { pod in
            if pod.metadata?.deletionTimestamp != nil { return false }
            if let at = disrupted[pod.metadata?.name ?? ""], at.date.addingTimeInterval(deletionTimeout) > now { return false }
            return pod.isReady
        }.count)
    }

    private func updateStatus(_ budget: PodDisruptionBudget, currentHealthy: Int32, desiredHealthy: Int32, expectedCount: Int32,
                              disrupted: [String: Time]) async throws {
        // No pods expected yet means no disruptions: the first pods may appear before the next sync.
        var allowed = currentHealthy - desiredHealthy
        if expectedCount <= 0 || allowed <= 0 { allowed = 0 }
        let generation = budget.metadata?.generation ?? 0
        let s = budget.status
        if s?.currentHealthy == currentHealthy && s?.desiredHealthy == desiredHealthy && s?.expectedPods == expectedCount
            && s?.disruptionsAllowed == allowed && (s?.disruptedPods ?? [:]) == disrupted && (s?.observedGeneration ?? 0) == generation
            && Self.conditionUpToDate(budget) {
            return
        }
        var status = PodDisruptionBudgetStatus(conditions: s?.conditions, currentHealthy: currentHealthy, desiredHealthy: desiredHealthy,
                                               disruptedPods: disrupted.isEmpty ? nil : disrupted, disruptionsAllowed: allowed,
                                               expectedPods: expectedCount, observedGeneration: generation)
        Self.setDisruptionAllowedCondition(&status)
        var updated = budget
        updated.status = status
        do {
            _ = try await budgets.updateStatus(updated)
        } catch let error as APIError where error.reason == .notFound {
            return
        }
    }

    /// Sets DisruptionAllowed from disruptionsAllowed (upstream's `UpdateDisruptionAllowedCondition`).
    public static func setDisruptionAllowedCondition(_ status: inout PodDisruptionBudgetStatus) {
        let allowed = (status.disruptionsAllowed ?? 0) > 0
        setCondition(&status, Condition(message: "", observedGeneration: status.observedGeneration,
                                        reason: allowed ? "SufficientPods" : "InsufficientPods", status: allowed ? "True" : "False",
                                        type: "DisruptionAllowed"))
    }

    /// `meta.SetStatusCondition`: the transition time moves only when the status changes.
    static func setCondition(_ status: inout PodDisruptionBudgetStatus, _ condition: Condition) {
        var conditions = status.conditions ?? []
        var condition = condition
        if let index = conditions.firstIndex(where: { $0.type == condition.type }) {
            let existing = conditions[index]
            condition.lastTransitionTime = existing.status == condition.status ? existing.lastTransitionTime ?? Time.now() : Time.now()
            conditions[index] = condition
        } else {
            condition.lastTransitionTime = Time.now()
            conditions.append(condition)
        }
        status.conditions = conditions
    }

    static func conditionUpToDate(_ budget: PodDisruptionBudget) -> Bool {
        guard let condition = budget.status?.conditions?.first(where: { $0.type == "DisruptionAllowed" }),
              budget.status?.observedGeneration == budget.metadata?.generation else { return false }
        if (budget.status?.disruptionsAllowed ?? 0) > 0 { return condition.status == "True" && condition.reason == "SufficientPods" }
        return condition.status == "False" && condition.reason == "InsufficientPods"
    }

    /// Sets disruptionsAllowed to 0 with a SyncFailed condition, so evictions stop while the status is unknown.
    private func failSafe(_ budget: PodDisruptionBudget, error: any Error) async throws {
        var updated = budget
        var status = budget.status ?? PodDisruptionBudgetStatus()
        status.disruptionsAllowed = 0
        status.currentHealthy = status.currentHealthy ?? 0
        status.desiredHealthy = status.desiredHealthy ?? 0
        status.expectedPods = status.expectedPods ?? 0
        Self.setCondition(&status, Condition(message: "\(error)", observedGeneration: status.observedGeneration, reason: "SyncFailed",
                                             status: "False", type: "DisruptionAllowed"))
        updated.status = status
        _ = try await budgets.updateStatus(updated)
    }
}
