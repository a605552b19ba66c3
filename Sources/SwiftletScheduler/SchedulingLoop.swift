import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletControllers

/// One scheduler's running state and its scheduling cycle (upstream's `scheduleOne`), top to bottom: take the
/// next pod, snapshot the cache, filter nodes (PreFilter, then Filter in parallel until enough fit), on no fit
/// run PostFilter (preemption) and record why, else score, pick the best node, assume the pod there, and bind
/// in a child task that un-assumes on failure.
final class SchedulingLoop: Sendable {
    /// Fewer nodes than this are all filtered (upstream's minFeasibleNodesToFind).
    static let minFeasibleNodesToFind = 100
    /// The adaptive percentage never goes below this (upstream's minFeasibleNodesPercentageToFind).
    static let minFeasibleNodesPercentageToFind: Int32 = 5

    let framework: Framework
    let cache = SchedulerCache()
    let queue: SchedulingQueue
    let events: EventRecorder
    let pods: ResourceClient<Pod>
    let configuration: Scheduler.Configuration
    let logger: Logger
    let informers: SharedInformerFactory
    let podInformer: Informer<Pod>
    let nodeInformer: Informer<Node>
    let priorityClassInformer: Informer<PriorityClass>
    let listers: ClusterListers

    init(transport: any APITransport, informers: SharedInformerFactory, framework: Framework, events: EventRecorder,
         configuration: Scheduler.Configuration, logger: Logger) {
        self.framework = framework
        self.queue = SchedulingQueue(initialBackoff: configuration.podInitialBackoff, maxBackoff: configuration.podMaxBackoff,
                                     maxInUnschedulable: configuration.podMaxInUnschedulable, eventsByPlugin: framework.clusterEventsByPlugin)
        self.events = events
        self.pods = ResourceClient(transport: transport)
        self.configuration = configuration
        self.logger = logger
        self.informers = informers
        podInformer = informers.informer(for: Pod.self)
        nodeInformer = informers.informer(for: Node.self)
        priorityClassInformer = informers.informer(for: PriorityClass.self)
        let namespaces = informers.informer(for: Namespace.self).lister
        let services = informers.informer(for: Service.self).lister
        let rcs = informers.informer(for: ReplicationController.self).lister
        let rss = informers.informer(for: ReplicaSet.self).lister
        let sss = informers.informer(for: StatefulSet.self).lister
        let budgets = informers.informer(for: PodDisruptionBudget.self).lister
        listers = ClusterListers(
            namespaceLabels: { namespaces.get($0)?.metadata?.labels ?? (namespaces.get($0) == nil ? nil : [:]) },
            services: { services.list(namespace: $0) },
            replicationController: { rcs.get($1, namespace: $0) },
            replicaSet: { rss.get($1, namespace: $0) },
            statefulSet: { sss.get($1, namespace: $0) },
            disruptionBudgets: { budgets.list() })
    }

    /// Feeds the queue and cache from the informers, then schedules until cancelled.
    func run() async {
        // Priorities resolve from PriorityClasses, so those come first.
        guard await priorityClassInformer.waitForSync() else { return }
        let (queueEvents, queueEventSink) = AsyncStream.makeStream(of: QueueEvent.self)
        addEventHandlers(queueEventSink)
        guard await informers.waitForCacheSync() else { return }
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await event in queueEvents { await self.apply(event) }
            }
            group.addTask { await self.flushPeriodically() }
            var snapshot = Snapshot()
            var nextStartNodeIndex = 0
            await withTaskCancellationHandler {
                while let queued = await queue.pop() {
                    await scheduleOne(queued, snapshot: &snapshot, nextStartNodeIndex: &nextStartNodeIndex, bindings: &group)
                }
            } onCancel: {
                Task { await self.queue.close() }
            }
            queueEventSink.finish()
            group.cancelAll()
        }
    }

    private func flushPeriodically() async {
        var tick = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            await queue.flushBackoffCompleted()
            tick += 1
            if tick % 30 == 0 { await queue.flushUnschedulableLeftover() }
        }
    }

    // MARK: the scheduling cycle

    func scheduleOne(_ queued: QueuedPodInfo, snapshot: inout Snapshot, nextStartNodeIndex: inout Int,
                     bindings: inout DiscardingTaskGroup) async {
        let key = queued.key
        let cycle = await queue.schedulingCycle
        // The informer may know better by now: skip pods deleted, bound, or already assumed.
        guard let current = podInformer.lister.get(key: key), current.metadata?.deletionTimestamp == nil,
              (current.spec?.nodeName ?? "").isEmpty, !cache.isAssumed(key: key) else {
            await queue.done(key: key)
            return
        }
        var queued = queued
        queued.podInfo = PodInfo(resolvePriority(current))
        let pod = queued.podInfo

        cache.updateSnapshot(&snapshot)
        let state = CycleState(snapshot: snapshot, listers: listers, nominatedPods: await queue.nominatedPods())
        let nodeName: String
        do {
            nodeName = try await schedulePod(pod, state: state, nextStartNodeIndex: &nextStartNodeIndex)
        } catch var fitError as FitError {
            var nomination: String?
            if framework.hasPostFilters && fitError.numAllNodes > 0 {
                let (result, status) = await framework.runPostFilter(state, pod: pod, statuses: fitError.statuses)
                if status.code == .error {
                    logger.error("preemption failed", metadata: ["pod": "\(key)", "error": "\(status.message)"])
                } else if !status.isSuccess {
                    fitError.postFilterMessage = status.message
                }
                nomination = result?.nominatedNodeName
            }
            queued.unschedulablePlugins = fitError.unschedulablePlugins
            await handleFailure(queued, reason: "Unschedulable", message: fitError.message, cycle: cycle, nomination: nomination)
            return
        } catch let error as NoNodesAvailable {
            await handleFailure(queued, reason: "Unschedulable", message: error.description, cycle: cycle, nomination: "")
            return
        } catch {
            await handleFailure(queued, reason: "SchedulerError", message: "\(error)", cycle: cycle, nomination: nil)
            return
        }

        // Assume: the next cycles count the pod on its node before the binding is written.
        var assumedPod = pod.pod
        assumedPod.spec?.nodeName = nodeName
        let assumed = PodInfo(assumedPod)
        cache.assume(assumed)
        await queue.deleteNomination(key: key)
        let reserved = framework.runReserve(state, pod: assumed, nodeName: nodeName)
        if !reserved.isSuccess {
            framework.runUnreserve(state, pod: assumed, nodeName: nodeName)
            cache.forget(key: key)
            await handleFailure(queued, reason: "SchedulerError", message: reserved.message, cycle: cycle, nomination: nil)
            return
        }

        bindings.addTask {
            let status = await self.framework.runBind(state, pod: assumed, nodeName: nodeName)
            if status.isSuccess {
                self.events.record(pod.pod, reason: "Scheduled",
                                   message: "Successfully assigned \(pod.namespace)/\(pod.name) to \(nodeName)")
                await self.queue.done(key: key)
                return
            }
            self.framework.runUnreserve(state, pod: assumed, nodeName: nodeName)
            self.cache.forget(key: key)
            // The room the pod held is free again.
            await self.queue.moveAllToActiveOrBackoff(.assignedPodDelete)
            await self.handleFailure(queued, reason: "SchedulerError", message: "binding rejected: \(status.message)", cycle: cycle, nomination: nil)
        }
    }

    /// The node for `pod`, or a `FitError` saying why none fits.
    func schedulePod(_ pod: PodInfo, state: CycleState, nextStartNodeIndex: inout Int) async throws -> String {
        if state.snapshot.count == 0 { throw NoNodesAvailable() }
        let feasible = try await findNodesThatFit(pod, state: state, nextStartNodeIndex: &nextStartNodeIndex)
        if feasible.count == 1 { return feasible[0].name }
        let scores = await framework.runScore(state, pod: pod, nodes: feasible)
        return Self.selectHost(feasible, scores: scores)
    }

    /// The highest-scoring node; ties are broken uniformly at random.
    static func selectHost(_ nodes: [NodeInfo], scores: [Int64]) -> String {
        var best = 0, ties = 1
        for i in 1..<nodes.count {
            if scores[i] > scores[best] {
                best = i
                ties = 1
            } else if scores[i] == scores[best] {
                ties += 1
                if Int.random(in: 0..<ties) == 0 { best = i }
            }
        }
        return nodes[best].name
    }

    /// PreFilter, then the nominated node if the pod has one, then Filter over the nodes from a rotating start
    /// until enough fit (upstream's `findNodesThatFitPod`).
    func findNodesThatFit(_ pod: PodInfo, state: CycleState, nextStartNodeIndex: inout Int) async throws -> [NodeInfo] {
        let snapshot = state.snapshot
        let (narrowed, preStatus) = framework.runPreFilter(state, pod: pod)
        if !preStatus.isSuccess {
            guard preStatus.isRejected else { throw SchedulingError(message: preStatus.message) }
            try failPreFilter(preStatus, allNodes: snapshot.count)
        }
        if let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty, let node = snapshot.node(named: nominated),
           framework.runFiltersWithNominatedPods(state, pod: pod, node: node, nominated: state.nominatedPods[nominated] ?? []).isSuccess {
            return [node]
        }
        let nodes = narrowed.map { names in snapshot.nodes.filter { names.contains($0.name) } } ?? snapshot.nodes
        let wanted = Self.numFeasibleNodesToFind(Int32(nodes.count), percentage: configuration.percentageOfNodesToScore)
        let start = nodes.isEmpty ? 0 : nextStartNodeIndex % nodes.count
        let (feasible, statuses, processed) = await filter(pod, state: state, nodes: nodes, start: start, wanted: wanted)
        if !nodes.isEmpty { nextStartNodeIndex = (start + processed) % nodes.count }
        if let failure = statuses.first(where: { $0.1.code == .error }) {
            throw SchedulingError(message: "running filter plugin \(failure.1.plugin ?? ""): \(failure.1.message)")
        }
        if feasible.isEmpty {
            var all = NodeToStatus()
            var plugins: Set<String> = []
            for (name, status) in statuses {
                all[name] = status
                if let plugin = status.plugin { plugins.insert(plugin) }
            }
            if narrowed != nil {
                all.absentNodesStatus = .unresolvable("node(s) didn't satisfy plugin(s) [\(framework.preFilters.map(\.name).joined(separator: " "))]")
            }
            throw FitError(numAllNodes: snapshot.count, statuses: all, unschedulablePlugins: plugins)
        }
        return feasible
    }

    private func failPreFilter(_ status: PluginStatus, allNodes: Int) throws -> Never {
        let statuses = NodeToStatus(absentNodesStatus: status)
        throw FitError(numAllNodes: allNodes, statuses: statuses, preFilterMessage: status.message,
                       unschedulablePlugins: status.plugin.map { [$0] } ?? [])
    }

    /// Runs the filters over `nodes` from `start` on every core, stopping once `wanted` nodes fit.
    /// Returns the feasible nodes in visiting order, the statuses of rejected ones, and how many were looked at.
    func filter(_ pod: PodInfo, state: CycleState, nodes: [NodeInfo], start: Int, wanted: Int) async
        -> ([NodeInfo], [(String, PluginStatus)], Int)
    {
        let count = nodes.count
        if count == 0 { return ([], [], 0) }
        let framework = self.framework
        let check: @Sendable (Int) -> PluginStatus = { i in
            let node = nodes[(start + i) % count]
            return framework.runFiltersWithNominatedPods(state, pod: pod, node: node, nominated: state.nominatedPods[node.name] ?? [])
        }
        var results: [(Int, PluginStatus)] = []
        if count < Parallel.minimumParallelCount || Parallel.workers == 1 {
            var found = 0
            for i in 0..<count {
                let status = check(i)
                results.append((i, status))
                if status.isSuccess { found += 1 }
                if found >= wanted { break }
            }
        } else {
            let next = SharedCounter(), found = SharedCounter()
            results = await withTaskGroup(of: [(Int, PluginStatus)].self) { group in
                for _ in 0..<Parallel.workers {
                    group.addTask {
                        var local: [(Int, PluginStatus)] = []
                        while found.current < wanted {
                            let i = next.next()
                            if i >= count { break }
                            let status = check(i)
                            if status.isSuccess { _ = found.next() }
                            local.append((i, status))
                        }
                        return local
                    }
                }
                var all: [(Int, PluginStatus)] = []
                for await part in group { all += part }
                return all
            }
            results.sort { $0.0 < $1.0 }
        }
        var feasible: [NodeInfo] = []
        var rejected: [(String, PluginStatus)] = []
        var processed = 0
        for (i, status) in results {
            if feasible.count >= wanted { break }
            processed = i + 1
            let node = nodes[(start + i) % count]
            if status.isSuccess {
                feasible.append(node)
            } else {
                rejected.append((node.name, status))
            }
        }
        return (feasible, rejected, processed)
    }

    /// How many feasible nodes to look for before scoring (upstream's `numFeasibleNodesToFind`): all of up to
    /// 100 nodes; else `percentage` of them (adaptive when 0: 50% less 1% per 125 nodes, at least 5%), at least 100.
    static func numFeasibleNodesToFind(_ allNodes: Int32, percentage: Int32) -> Int {
        if allNodes < Int32(minFeasibleNodesToFind) { return Int(allNodes) }
        var percentage = percentage
        if percentage <= 0 {
            percentage = 50 - allNodes / 125
            if percentage < minFeasibleNodesPercentageToFind { percentage = minFeasibleNodesPercentageToFind }
        }
        let nodes = Int(allNodes) * Int(min(percentage, 100)) / 100
        return max(nodes, minFeasibleNodesToFind)
    }

    // MARK: failures

    /// Records why the pod was not scheduled (a FailedScheduling event and the PodScheduled=False condition),
    /// updates its nomination, and puts it back in the queue unless it was deleted or bound meanwhile.
    func handleFailure(_ queued: QueuedPodInfo, reason: String, message: String, cycle: Int, nomination: String?) async {
        let key = queued.key
        let pod = queued.podInfo.pod
        logger.debug("unable to schedule pod", metadata: ["pod": "\(key)", "reason": "\(message)"])
        events.record(pod, type: "Warning", reason: "FailedScheduling", message: message)
        guard let current = podInformer.lister.get(key: key), current.metadata?.uid == pod.metadata?.uid,
              (current.spec?.nodeName ?? "").isEmpty, current.metadata?.deletionTimestamp == nil else {
            await queue.done(key: key)
            return
        }
        var requeued = queued
        requeued.podInfo = PodInfo(resolvePriority(current))
        await queue.addUnschedulableIfNotPresent(requeued, cycle: cycle)
        if let nomination {
            if nomination.isEmpty {
                await queue.deleteNomination(key: key)
            } else {
                await queue.nominate(requeued.podInfo, on: nomination)
            }
        }
        await updateStatus(current, reason: reason, message: message, nomination: nomination)
    }

    /// Writes PodScheduled=False and the nomination, unless they are already so.
    private func updateStatus(_ pod: Pod, reason: String, message: String, nomination: String?) async {
        let existing = pod.status?.conditions?.first { $0.type == "PodScheduled" }
        let currentNomination = pod.status?.nominatedNodeName ?? ""
        let nominationChanges = nomination.map { $0 != currentNomination } ?? false
        if existing?.status == "False" && existing?.reason == reason && existing?.message == message && !nominationChanges { return }
        var condition: JSONObject = ["type": "PodScheduled", "status": "False", "reason": .string(reason), "message": .string(message),
                                     "lastProbeTime": .null]
        condition["lastTransitionTime"] = existing?.status == "False" ? (existing?.lastTransitionTime.map { .string($0.rfc3339) } ?? .null)
            : .string(Time.now().rfc3339)
        var status: JSONObject = ["conditions": [.object(condition)]]
        if let nomination, nominationChanges { status["nominatedNodeName"] = nomination.isEmpty ? .null : .string(nomination) }
        do {
            _ = try await pods.patch(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace, type: .strategicMerge,
                                     body: ["status": .object(status)], subresource: "status")
        } catch {
            logger.debug("cannot update pod status", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
        }
    }
}

/// No node exists at all.
struct NoNodesAvailable: Error, CustomStringConvertible {
    var description: String { "no nodes available to schedule pods" }
}

/// A plugin failed (not a rejection).
struct SchedulingError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
