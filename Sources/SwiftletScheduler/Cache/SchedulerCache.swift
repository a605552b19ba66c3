import SwiftletAPI
import Synchronization

/// The scheduler's own view of nodes and the pods on them (upstream's `internal/cache`), fed by the pod and
/// node informers and by the scheduler itself: a pod is *assumed* on its node when binding starts, so the next
/// cycle already counts it, and forgotten again if binding fails.
///
/// Snapshots are incremental: `updateSnapshot` copies only the nodes changed since the previous call, so one
/// cycle costs what changed, not the cluster's size. The cache serves one snapshot (the scheduling loop's).
public final class SchedulerCache: Sendable {
    private struct PodState {
        var nodeName: String
        var assumed: Bool
    }

    private struct State {
        var nodes: [String: NodeInfo] = [:]
        var pods: [String: PodState] = [:]
        var generation: Int64 = 0
        var changed: Set<String> = []
        var removed: Set<String> = []

        mutating func touch(_ name: String, _ change: (inout NodeInfo) -> Void) {
            generation += 1
            var info = nodes.removeValue(forKey: name) ?? NodeInfo()
            change(&info)
            info.generation = generation
            if info.node == nil && info.pods.isEmpty {
                // Neither the node nor any pod on it is left.
                removed.insert(name)
                changed.remove(name)
                return
            }
            nodes[name] = info
            if info.node == nil {
                // Pods still name a deleted node: keep their accounting, but the node is gone for scheduling.
                removed.insert(name)
                changed.remove(name)
            } else {
                changed.insert(name)
                removed.remove(name)
            }
        }
    }

    private let state = Mutex(State())

    public init() {}

    // MARK: nodes

    public func addOrUpdateNode(_ node: Node) {
        guard let name = node.metadata?.name else { return }
        state.withLock { s in s.touch(name) { $0.setNode(node) } }
    }

    public func removeNode(_ name: String) {
        state.withLock { s in
            guard s.nodes[name] != nil else { return }
            s.touch(name) { $0.removeNode() }
        }
    }

    /// How many nodes exist.
    public var nodeCount: Int {
        state.withLock { s in s.nodes.values.count { $0.node != nil } }
    }

    // MARK: pods

    /// A bound pod the informer reports (added or updated); replaces an assumed copy of it.
    public func addOrUpdatePod(_ pod: Pod) {
        guard let nodeName = pod.spec?.nodeName, !nodeName.isEmpty else { return }
        let info = PodInfo(pod)
        state.withLock { s in
            if let old = s.pods[info.key] {
                s.touch(old.nodeName) { $0.remove(key: info.key) }
            }
            s.pods[info.key] = PodState(nodeName: nodeName, assumed: false)
            s.touch(nodeName) { $0.add(info) }
        }
    }

    /// A pod that was deleted (or is no longer bound).
    public func removePod(key: String) {
        state.withLock { s in
            guard let old = s.pods.removeValue(forKey: key) else { return }
            s.touch(old.nodeName) { $0.remove(key: key) }
        }
    }

    /// Counts `pod` on `pod.spec.nodeName` before the binding is written, so later cycles see it.
    public func assume(_ pod: PodInfo) {
        guard let nodeName = pod.pod.spec?.nodeName, !nodeName.isEmpty else { return }
        state.withLock { s in
            if let old = s.pods[pod.key] {
                s.touch(old.nodeName) { $0.remove(key: pod.key) }
            }
            s.pods[pod.key] = PodState(nodeName: nodeName, assumed: true)
            s.touch(nodeName) { $0.add(pod) }
        }
    }

    /// Undoes `assume` after a failed binding; a pod the informer already reported as bound stays.
    public func forget(key: String) {
        state.withLock { s in
            guard let old = s.pods[key], old.assumed else { return }
            s.pods.removeValue(forKey: key)
            s.touch(old.nodeName) { $0.remove(key: key) }
        }
    }

    /// Whether the pod is assumed and not yet confirmed by the informer.
    public func isAssumed(key: String) -> Bool {
        state.withLock { $0.pods[key]?.assumed ?? false }
    }

    /// The node a pod is counted on (bound or assumed), if any.
    public func nodeName(ofPod key: String) -> String? {
        state.withLock { $0.pods[key]?.nodeName }
    }

    // MARK: snapshots

    /// Brings `snapshot` up to date with the cache, copying only the nodes changed since its last update.
    public func updateSnapshot(_ snapshot: inout Snapshot) {
        state.withLock { s in
            if snapshot.generation == 0 {
                // A fresh snapshot: everything.
                let all = s.nodes.values.filter { $0.node != nil }.sorted { $0.name < $1.name }
                snapshot = Snapshot(all)
                snapshot.generation = max(s.generation, 1)
            } else {
                let changed = s.changed.compactMap { s.nodes[$0] }.sorted { $0.name < $1.name }
                snapshot.apply(changed: changed, removed: s.removed, generation: s.generation)
            }
            s.changed.removeAll(keepingCapacity: true)
            s.removed.removeAll(keepingCapacity: true)
        }
    }
}
