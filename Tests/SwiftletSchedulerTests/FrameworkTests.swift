import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
@testable import SwiftletScheduler
import Testing

@Suite struct FitErrorTests {
    @Test func messageCountsAndSortsReasons() {
        var statuses = NodeToStatus()
        statuses["n1"] = .unresolvable("node(s) were unschedulable")
        statuses["n2"] = .unschedulable("Insufficient cpu")
        statuses["n3"] = .unschedulable("Insufficient cpu", "Insufficient memory")
        var preemption = NodeToStatus()
        preemption["n2"] = .unresolvable(DefaultPreemption.noVictims)
        preemption["n3"] = .unresolvable(DefaultPreemption.noVictims)
        preemption.absentNodesStatus = .unresolvable(DefaultPreemption.notHelpful)
        let inner = FitError(numAllNodes: 3, statuses: preemption)
        let error = FitError(numAllNodes: 3, statuses: statuses, postFilterMessage: "preemption: " + inner.message)
        #expect(error.message == "0/3 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 2 Insufficient cpu. "
            + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.")
    }

    @Test func preFilterMessageReplacesNodeReasons() {
        let error = FitError(numAllNodes: 5, statuses: NodeToStatus(absentNodesStatus: .unresolvable("x")), preFilterMessage: "node(s) didn't satisfy plugin(s) [NodeAffinity]")
        #expect(error.message == "0/5 nodes are available: node(s) didn't satisfy plugin(s) [NodeAffinity].")
    }

    @Test func feasibleNodesToFind() {
        #expect(SchedulingLoop.numFeasibleNodesToFind(50, percentage: 0) == 50)
        #expect(SchedulingLoop.numFeasibleNodesToFind(100, percentage: 0) == 100)
        #expect(SchedulingLoop.numFeasibleNodesToFind(1000, percentage: 0) == 420)
        #expect(SchedulingLoop.numFeasibleNodesToFind(5000, percentage: 0) == 500)
        #expect(SchedulingLoop.numFeasibleNodesToFind(6000, percentage: 0) == 300)
        #expect(SchedulingLoop.numFeasibleNodesToFind(1000, percentage: 5) == 100)
        #expect(SchedulingLoop.numFeasibleNodesToFind(1000, percentage: 100) == 1000)
    }
}

@Suite struct PreemptionTests {
    let framework = Framework(plugins: [NodeResourcesFit(), PodTopologySpread(), InterPodAffinity()])

    func victimsOn(_ node: NodeInfo, for pod: Pod, budgets: [PodDisruptionBudget] = []) -> ([String], PluginStatus) {
        let (victims, _, status) = victimsAndViolations(node, for: pod, budgets: budgets)
        return (victims, status)
    }

    func victimsAndViolations(_ node: NodeInfo, for pod: Pod, budgets: [PodDisruptionBudget]) -> ([String], Int, PluginStatus) {
        let state = Fixtures.state([node], listers: ClusterListers(disruptionBudgets: { budgets }))
        let info = PodInfo(pod)
        _ = framework.runPreFilter(state, pod: info)
        let (victims, violations, status) = DefaultPreemption.selectVictims(on: node, for: info, state: state, framework: framework)
        return (victims.map(\.name), violations, status)
    }

    static func budget(_ labels: [String: String], allowed: Int32, disrupted: [String] = []) -> PodDisruptionBudget {
        PodDisruptionBudget(metadata: ObjectMeta(name: "pdb", namespace: "default"),
                            spec: PodDisruptionBudgetSpec(selector: MetaLabelSelector(matchLabels: labels)),
                            status: PodDisruptionBudgetStatus(currentHealthy: 2, desiredHealthy: 1, disruptedPods: disrupted.isEmpty ? nil
                                                                  : Dictionary(uniqueKeysWithValues: disrupted.map { ($0, Time(Date())) }),
                                                              disruptionsAllowed: allowed, expectedPods: 2))
    }

    /// Pods a budget protects are spared first: among equal victims the unprotected one goes, and a node whose
    /// preemption breaks a budget loses to one whose preemption does not.
    @Test func disruptionBudgetsAreSparedWhenTheyCanBe() {
        let node = Fixtures.info(Fixtures.node("n", cpu: "2"), pods: [
            Fixtures.pod("free", cpu: "1", labels: ["app": "batch"], nodeName: "n", priority: 1),
            Fixtures.pod("guarded", cpu: "1", labels: ["app": "db"], nodeName: "n", priority: 1),
        ])
        let pod = Fixtures.pod("p", cpu: "1", priority: 10)
        // Without a budget, of two equal pods the first listed is spared; with one, the protected pod is.
        #expect(victimsOn(node, for: pod).0 == ["guarded"])
        let protected = Self.budget(["app": "db"], allowed: 0)
        let (victims, violations, status) = victimsAndViolations(node, for: pod, budgets: [protected])
        #expect(status.isSuccess)
        #expect(victims == ["free"])
        #expect(violations == 0)
        // When both must go, the protected one counts as a violation; a budget with room does not.
        let (both, broken, _) = victimsAndViolations(node, for: Fixtures.pod("p", cpu: "2", priority: 10), budgets: [protected])
        #expect(Set(both) == ["guarded", "free"])
        #expect(broken == 1)
        let (_, roomy, _) = victimsAndViolations(node, for: Fixtures.pod("p", cpu: "2", priority: 10), budgets: [Self.budget(["app": "db"], allowed: 1)])
        #expect(roomy == 0)
        // A pod the budget already counts as disrupted does not use up the budget again.
        let (_, counted, _) = victimsAndViolations(node, for: Fixtures.pod("p", cpu: "2", priority: 10),
                                                   budgets: [Self.budget(["app": "db"], allowed: 0, disrupted: ["guarded"])])
        #expect(counted == 0)

        func info(_ name: String, _ priority: Int32) -> PodInfo { PodInfo(Fixtures.pod(name, priority: priority)) }
        let breaking = DefaultPreemption.Candidate(nodeName: "breaking", victims: [info("x", 1)], budgetViolations: 1)
        let costly = DefaultPreemption.Candidate(nodeName: "costly", victims: [info("y", 5), info("z", 5)])
        #expect(DefaultPreemption.selectCandidate([breaking, costly]).nodeName == "costly")
    }

    @Test func removesTheFewestLeastImportantPods() {
        let node = Fixtures.info(Fixtures.node("n", cpu: "4"), pods: [
            Fixtures.pod("low-1", cpu: "1", nodeName: "n", priority: 1), Fixtures.pod("low-2", cpu: "1", nodeName: "n", priority: 2),
            Fixtures.pod("mid", cpu: "1", nodeName: "n", priority: 5), Fixtures.pod("high", cpu: "1", nodeName: "n", priority: 100),
        ])
        let (victims, status) = victimsOn(node, for: Fixtures.pod("p", cpu: "2", priority: 10))
        #expect(status.isSuccess)
        #expect(victims == ["low-2", "low-1"])
        let (one, _) = victimsOn(node, for: Fixtures.pod("p", cpu: "1", priority: 10))
        #expect(one == ["low-1"])
    }

    @Test func removingAVictimUpdatesPreFilterState() {
        // The only obstacle is anti-affinity to a lower-priority pod: InterPodAffinity's state must forget it.
        let node = Fixtures.info(Fixtures.node("n", cpu: "8"), pods: [
            Fixtures.pod("web-old", labels: ["app": "web"], nodeName: "n", priority: 1),
            Fixtures.pod("other", labels: ["app": "db"], nodeName: "n", priority: 1),
        ])
        let pod = Fixtures.pod("web-new", labels: ["app": "x"], priority: 10, affinity: Fixtures.antiAffinity(["app": "web"]))
        let state = Fixtures.state([node])
        _ = framework.runPreFilter(state, pod: PodInfo(pod))
        #expect(framework.runFilters(state, pod: PodInfo(pod), node: node).reasons == [InterPodAffinity.errReasonAntiAffinityRulesNotMatch])
        let (victims, status) = victimsOn(node, for: pod)
        #expect(status.isSuccess)
        #expect(victims == ["web-old"])
    }

    @Test func noVictimsOrNotEnough() {
        let node = Fixtures.info(Fixtures.node("n", cpu: "2"), pods: [Fixtures.pod("high", cpu: "2", nodeName: "n", priority: 100)])
        let (victims, status) = victimsOn(node, for: Fixtures.pod("p", cpu: "1", priority: 10))
        #expect(victims.isEmpty && status.reasons == [DefaultPreemption.noVictims] && status.code == .unschedulableAndUnresolvable)
        let small = Fixtures.info(Fixtures.node("n", cpu: "2"), pods: [Fixtures.pod("low", cpu: "1", nodeName: "n", priority: 1)])
        let (_, tooBig) = victimsOn(small, for: Fixtures.pod("p", cpu: "3", priority: 10))
        #expect(tooBig.reasons == ["Insufficient cpu"])
    }

    @Test func candidateSelectionPrefersLowerPriorityVictimsThenFewer() {
        func info(_ name: String, _ priority: Int32) -> PodInfo { PodInfo(Fixtures.pod(name, priority: priority)) }
        let a = DefaultPreemption.Candidate(nodeName: "a", victims: [info("a1", 5)])
        let b = DefaultPreemption.Candidate(nodeName: "b", victims: [info("b1", 3), info("b2", 3)])
        let c = DefaultPreemption.Candidate(nodeName: "c", victims: [info("c1", 3)])
        #expect(DefaultPreemption.selectCandidate([a, b, c]).nodeName == "c")
        #expect(DefaultPreemption.selectCandidate([a, b]).nodeName == "b")
    }
}

@Suite struct SchedulingQueueTests {
    @Test func popsByPriorityThenArrival() async {
        let queue = SchedulingQueue()
        await queue.add(PodInfo(Fixtures.pod("low", priority: 1)))
        await queue.add(PodInfo(Fixtures.pod("first", priority: 5)))
        await queue.add(PodInfo(Fixtures.pod("second", priority: 5)))
        await queue.add(PodInfo(Fixtures.pod("high", priority: 10)))
        var order: [String] = []
        for _ in 0..<4 { order.append(await queue.pop()?.podInfo.name ?? "") }
        #expect(order == ["high", "first", "second", "low"])
    }

    @Test func backoffDoublesUpToTheMaximum() async {
        let queue = SchedulingQueue()
        var durations: [Duration] = []
        for attempts in 1...6 { durations.append(await queue.backoffDuration(attempts: attempts)) }
        #expect(durations == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
    }

    @Test func unschedulablePodsMoveOnlyOnEventsTheirPluginsRegistered() async {
        let queue = SchedulingQueue(initialBackoff: .zero, maxBackoff: .zero, eventsByPlugin: ["NodeResourcesFit": [.assignedPodDelete, .nodeAdd]])
        await queue.add(PodInfo(Fixtures.pod("p")))
        var popped = await queue.pop()!
        let cycle = await queue.schedulingCycle
        popped.unschedulablePlugins = ["NodeResourcesFit"]
        await queue.addUnschedulableIfNotPresent(popped, cycle: cycle)
        #expect(await queue.isUnschedulable(key: "default/p"))
        await queue.moveAllToActiveOrBackoff(.nodeUpdate)
        #expect(await queue.isUnschedulable(key: "default/p"))
        await queue.moveAllToActiveOrBackoff(.assignedPodDelete)
        #expect(await !queue.isUnschedulable(key: "default/p"))
        #expect(await queue.pop()?.attempts == 2)
    }

    @Test func aMoveDuringTheAttemptSendsThePodToBackoff() async {
        let queue = SchedulingQueue(eventsByPlugin: ["NodeResourcesFit": [.nodeAdd]])
        await queue.add(PodInfo(Fixtures.pod("p")))
        var popped = await queue.pop()!
        let cycle = await queue.schedulingCycle
        await queue.moveAllToActiveOrBackoff(.nodeAdd)
        popped.unschedulablePlugins = ["NodeResourcesFit"]
        await queue.addUnschedulableIfNotPresent(popped, cycle: cycle)
        let counts = await queue.counts()
        #expect(counts.backoff == 1 && counts.unschedulable == 0)
    }
}

@Suite struct PodUpdateTests {
    @Test func statusOnlyUpdatesDoNotCount() {
        let old = Fixtures.pod("p", labels: ["a": "1"])
        var statusOnly = old
        statusOnly.status = PodStatus(conditions: [PodCondition(status: "False", type: "PodScheduled")])
        statusOnly.metadata?.resourceVersion = "42"
        #expect(!SchedulingLoop.changedBeyondStatus(old, statusOnly))
        var relabelled = statusOnly
        relabelled.metadata?.labels = ["a": "2"]
        #expect(SchedulingLoop.changedBeyondStatus(old, relabelled))
    }
}

@Suite struct SchedulerCacheTests {
    @Test func assumeForgetAndIncrementalSnapshots() {
        let cache = SchedulerCache()
        cache.addOrUpdateNode(Fixtures.node("a"))
        cache.addOrUpdateNode(Fixtures.node("b"))
        var snapshot = Snapshot()
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodes.map(\.name) == ["a", "b"])
        let assumed = PodInfo(Fixtures.pod("p", cpu: "1", nodeName: "a"))
        cache.assume(assumed)
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.node(named: "a")?.requested.milliCPU == 1000)
        #expect(cache.isAssumed(key: "default/p"))
        cache.forget(key: "default/p")
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.node(named: "a")?.pods.isEmpty == true)
        // The informer confirming a binding replaces the assumed copy; forget then keeps it.
        cache.assume(assumed)
        cache.addOrUpdatePod(Fixtures.pod("p", cpu: "1", nodeName: "a"))
        cache.forget(key: "default/p")
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.node(named: "a")?.pods.count == 1)
        cache.removeNode("b")
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodes.map(\.name) == ["a"])
        cache.removePod(key: "default/p")
        cache.removeNode("a")
        cache.updateSnapshot(&snapshot)
        #expect(snapshot.nodes.isEmpty)
    }
}
