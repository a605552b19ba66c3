import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import Synchronization

/// Watches node heartbeats (Leases in `kube-node-lease` and the Ready condition) and, for a node that stops
/// renewing within the grace period, marks its conditions Unknown, its pods not Ready, and taints it so the
/// taint eviction controller moves its pods — upstream's node lifecycle controller, including the zone rules
/// that slow or stop eviction when many nodes fail together.
public final class NodeLifecycleController: Sendable {
    let nodes: ResourceClient<Node>
    let pods: ResourceClient<Pod>
    let nodeInformer: Informer<Node>
    let leaseInformer: Informer<Lease>
    let podInformer: Informer<Pod>
    let configuration: ControllerManagerConfiguration
    let events: EventRecorder
    let logger: Logger
    let state = Mutex(State())

    struct NodeHealth {
        /// The last lease renewal or Ready heartbeat seen, to notice the next one.
        var leaseRenewal: Date?
        var readyHeartbeat: Date?
        /// When a heartbeat was last seen to move.
        var probe: Date
        /// The Ready status last seen ("True", "False", "Unknown").
        var ready: String
    }

    struct State {
        var health: [String: NodeHealth] = [:]
        var zoneStates: [String: ZoneState] = [:]
        var tainters: [String: ZoneTainter] = [:]
        var allZonesDisrupted = false
    }

    public init(transport: any APITransport, informers: SharedInformerFactory, configuration: ControllerManagerConfiguration,
                logger: Logger) {
        nodes = ResourceClient<Node>(transport: transport)
        pods = ResourceClient<Pod>(transport: transport)
        nodeInformer = informers.informer(for: Node.self)
        leaseInformer = informers.informer(for: Lease.self)
        podInformer = informers.informer(for: Pod.self, indexers: PodIndexes.byNodeName)
        self.configuration = configuration
        events = EventRecorder(transport: transport, component: "node-controller", logger: logger)
        self.logger = logger
    }

    public func run() async {
        guard await nodeInformer.waitForSync(), await leaseInformer.waitForSync(), await podInformer.waitForSync() else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while !Task.isCancelled {
                    await monitorNodeHealth(now: Date())
                    try? await Task.sleep(for: configuration.nodeMonitorPeriod)
                }
            }
            group.addTask { [self] in
                // Upstream's doNoExecuteTaintingPass runs every 100 ms; the zone rate limits decide who goes.
                while !Task.isCancelled {
                    await taintWaitingNodes(now: Date())
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            await group.waitForAll()
        }
    }

    // MARK: health

    /// One pass over every node: notice heartbeats, mark silent nodes Unknown, keep taints in line with
    /// conditions, and recompute the zones' eviction rates.
    func monitorNodeHealth(now: Date) async {
        let all = nodeInformer.indexer.list()
        let names = Set(all.compactMap { $0.metadata?.name })
        state.withLock { s in
            s.health = s.health.filter { names.contains($0.key) }
            for zone in Array(s.tainters.keys) {
                for gone in s.tainters[zone]?.waiting.filter({ !names.contains($0) }) ?? [] { s.tainters[zone]?.remove(gone) }
            }
        }
        var zoneCounts: [String: (ready: Int, notReady: Int)] = [:]
        var readiness: [(node: Node, ready: String)] = []
        for node in all where node.metadata?.deletionTimestamp == nil {
            let (current, ready) = await updateHealth(node, now: now)
            readiness.append((current, ready))
            let zone = ZoneState.zoneKey(of: current)
            var counts = zoneCounts[zone] ?? (0, 0)
            if ready == "True" { counts.ready += 1 } else { counts.notReady += 1 }
            zoneCounts[zone] = counts
        }
        let allDisrupted = !zoneCounts.isEmpty && zoneCounts.values.allSatisfy { $0.ready == 0 && $0.notReady > 0 }
        let entering = state.withLock { s -> Bool in
            let entering = allDisrupted && !s.allZonesDisrupted
            if allDisrupted != s.allZonesDisrupted {
                s.allZonesDisrupted = allDisrupted
                s.tainters = [:]
            }
            for (zone, counts) in zoneCounts {
                let zoneState = ZoneState.compute(ready: counts.ready, notReady: counts.notReady,
                                                  unhealthyThreshold: configuration.unhealthyZoneThreshold)
                s.zoneStates[zone] = zoneState
                let rate: Double
                switch zoneState {
                case .normal, .fullDisruption: rate = configuration.nodeEvictionRate
                case .partialDisruption:
                    rate = counts.ready + counts.notReady > configuration.largeClusterSizeThreshold
                        ? configuration.secondaryNodeEvictionRate : 0
                }
                s.tainters[zone, default: ZoneTainter(rate: rate)].rate = allDisrupted ? 0 : rate
            }
            return entering
        }
        if entering {
            logger.warning("every node is not ready: entering master disruption mode, no pods are evicted")
        }
        for (node, ready) in readiness {
            await reconcileTaints(node, ready: ready, allDisrupted: allDisrupted)
        }
    }

    static func condition(_ node: Node, _ type: String) -> NodeCondition? {
        node.status?.conditions?.first { $0.type == type }
    }

    /// Records a moved heartbeat, or marks the node's conditions Unknown once it has been silent past the
    /// grace period. Returns the node as now stored and its Ready status.
    func updateHealth(_ node: Node, now: Date) async -> (Node, String) {
        let name = node.metadata?.name ?? ""
        let readyCondition = Self.condition(node, "Ready")
        let lease = leaseInformer.indexer.get(key: "kube-node-lease/\(name)")
        let renewal = lease?.spec?.renewTime?.date
        let heartbeat = readyCondition?.lastHeartbeatTime?.date
        let (probe, previous) = state.withLock { s -> (Date, String?) in
            guard var health = s.health[name] else {
                let start = readyCondition == nil ? (node.metadata?.creationTimestamp?.date ?? now) : now
                s.health[name] = NodeHealth(leaseRenewal: renewal, readyHeartbeat: heartbeat, probe: start,
                                            ready: readyCondition?.status ?? "Unknown")
                return (start, nil)
            }
            let previous = health.ready
            if renewal != health.leaseRenewal || heartbeat != health.readyHeartbeat {
                health.leaseRenewal = renewal
                health.readyHeartbeat = heartbeat
                health.probe = now
            }
            s.health[name] = health
            return (health.probe, previous)
        }
        let grace = readyCondition == nil ? configuration.nodeStartupGracePeriod : configuration.nodeMonitorGracePeriod
        var current = node
        var ready = readyCondition?.status ?? "Unknown"
        if now.timeIntervalSince(probe) > grace.inSeconds {
            if let updated = await markUnknown(node, neverPosted: readyCondition == nil, now: now) {
                current = updated
            }
            ready = "Unknown"
        }
        state.withLock { $0.health[name]?.ready = ready }
        if let previous, previous == "True", ready != "True" {
            logger.info("node is not ready", metadata: ["node": "\(name)", "ready": "\(ready)"])
            events.record(current, type: "Normal", reason: "NodeNotReady", message: "Node \(name) status is now: NodeNotReady")
            await markPodsNotReady(nodeName: name)
        } else if let previous, previous != "True", ready == "True" {
            events.record(current, type: "Normal", reason: "NodeReady", message: "Node \(name) status is now: NodeReady")
        }
        return (current, ready)
    }

    /// Ready, MemoryPressure, DiskPressure and PIDPressure become Unknown (upstream's wording).
    func markUnknown(_ node: Node, neverPosted: Bool, now: Date) async -> Node? {
        var updated = node
        var status = node.status ?? NodeStatus()
        var conditions = status.conditions ?? []
        var changed = false
        let time = Time(now)
        for type in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
            if let i = conditions.firstIndex(where: { $0.type == type }) {
                guard conditions[i].status != "Unknown" else { continue }
                conditions[i].status = "Unknown"
                conditions[i].reason = "NodeStatusUnknown"
                conditions[i].message = "Kubelet stopped posting node status."
                conditions[i].lastTransitionTime = time
                changed = true
            } else {
                conditions.append(NodeCondition(lastHeartbeatTime: node.metadata?.creationTimestamp, lastTransitionTime: time,
                                                message: "Kubelet never posted node status.", reason: "NodeStatusNeverUpdated",
                                                status: "Unknown", type: type))
                changed = true
            }
        }
        guard changed else { return nil }
        status.conditions = conditions
        updated.status = status
        do {
            return try await nodes.updateStatus(updated)
        } catch {
            logger.debug("cannot mark node unknown", metadata: ["node": "\(node.key)", "error": "\(error)"])
            return nil
        }
    }

    /// Every pod on the node gets Ready=False, so Services stop sending it traffic.
    func markPodsNotReady(nodeName: String) async {
        let now = Time.now().rfc3339
        for pod in podInformer.indexer.byIndex(PodIndexes.nodeName, nodeName) {
            guard let ready = pod.status?.conditions?.first(where: { $0.type == "Ready" }), ready.status != "False" else { continue }
            let body: JSONValue = ["status": ["conditions": [["type": "Ready", "status": "False", "lastTransitionTime": .string(now)]]]]
            do {
                _ = try await pods.patch(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace, type: .strategicMerge,
                                         body: body, subresource: "status")
                events.record(pod, type: "Warning", reason: "NodeNotReady", message: "Node is not ready")
            } catch {
                logger.debug("cannot mark pod not ready", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
            }
        }
    }

    // MARK: taints

    /// NoSchedule taints follow the conditions at once (upstream's TaintNodesByCondition); a NoExecute taint
    /// is removed at once, swapped at once, and added only when the zone's rate lets the node through.
    func reconcileTaints(_ node: Node, ready: String, allDisrupted: Bool) async {
        let name = node.metadata?.name ?? ""
        var taints = node.spec?.taints ?? []
        let original = taints
        let noSchedule: [(String, Bool)] = [
            (WellKnownTaint.notReady, ready == "False"),
            (WellKnownTaint.unreachable, ready == "Unknown"),
            (WellKnownTaint.unschedulable, node.spec?.unschedulable == true),
            (WellKnownTaint.memoryPressure, Self.condition(node, "MemoryPressure")?.status == "True"),
            (WellKnownTaint.diskPressure, Self.condition(node, "DiskPressure")?.status == "True"),
            (WellKnownTaint.pidPressure, Self.condition(node, "PIDPressure")?.status == "True"),
            (WellKnownTaint.networkUnavailable, Self.condition(node, "NetworkUnavailable")?.status == "True"),
        ]
        for (key, wanted) in noSchedule {
            let has = taints.contains { $0.key == key && $0.effect == "NoSchedule" }
            if wanted && !has { taints.append(Taint(effect: "NoSchedule", key: key)) }
            if !wanted && has { taints.removeAll { $0.key == key && $0.effect == "NoSchedule" } }
        }
        let wantedNoExecute: String? = allDisrupted ? nil : (ready == "False" ? WellKnownTaint.notReady : ready == "Unknown" ? WellKnownTaint.unreachable : nil)
        let present = taints.first { $0.effect == "NoExecute" && ($0.key == WellKnownTaint.notReady || $0.key == WellKnownTaint.unreachable) }
        let zone = ZoneState.zoneKey(of: node)
        if let wantedNoExecute {
            if let present, present.key != wantedNoExecute {
                taints.removeAll { $0.matches(present) }
                taints.append(Taint(effect: "NoExecute", key: wantedNoExecute, timeAdded: .now()))
            } else if present == nil {
                state.withLock { $0.tainters[zone, default: ZoneTainter(rate: configuration.nodeEvictionRate)].add(name) }
            }
        } else {
            state.withLock { $0.tainters[zone]?.remove(name) }
            if let present { taints.removeAll { $0.matches(present) } }
        }
        if taints != original { await writeTaints(taints, to: node) }
    }

    /// Lets the nodes through that the zone rates allow, each getting its NoExecute taint.
    func taintWaitingNodes(now: Date) async {
        let due: [String] = state.withLock { s in
            var due: [String] = []
            for zone in s.tainters.keys {
                while let node = s.tainters[zone]?.next(now: now) { due.append(node) }
            }
            return due
        }
        for name in due {
            guard let node = nodeInformer.indexer.get(key: name) else { continue }
            let ready = state.withLock { $0.health[name]?.ready } ?? Self.condition(node, "Ready")?.status ?? "Unknown"
            guard ready != "True" else { continue }
            let key = ready == "False" ? WellKnownTaint.notReady : WellKnownTaint.unreachable
            var taints = node.spec?.taints ?? []
            guard !taints.contains(where: { $0.key == key && $0.effect == "NoExecute" }) else { continue }
            taints.removeAll { $0.effect == "NoExecute" && ($0.key == WellKnownTaint.notReady || $0.key == WellKnownTaint.unreachable) }
            taints.append(Taint(effect: "NoExecute", key: key, timeAdded: Time(now)))
            logger.info("tainting node for eviction", metadata: ["node": "\(name)", "taint": "\(key):NoExecute"])
            await writeTaints(taints, to: node)
        }
    }

    private func writeTaints(_ taints: [Taint], to node: Node) async {
        var updated = node
        var spec = node.spec ?? NodeSpec()
        spec.taints = taints.isEmpty ? nil : taints
        updated.spec = spec
        do {
            _ = try await nodes.update(updated)
        } catch {
            // A conflict means the node changed; the next pass works from the new version.
            logger.debug("cannot update node taints", metadata: ["node": "\(node.key)", "error": "\(error)"])
        }
    }
}
