import Synchronization

/// Per-cycle data plugins share between their extension points (upstream's `framework.CycleState`): PreFilter
/// computes, Filter and Score read. Also carries the cycle's snapshot and the cluster listers.
///
/// Reads happen from the parallel filter and score tasks, so the store is behind a mutex; values are copied out.
public final class CycleState: Sendable {
    /// The cluster as this cycle sees it.
    public let snapshot: Snapshot
    /// Objects other than nodes and pods some plugins consult.
    public let listers: ClusterListers
    /// Pods nominated to nodes by earlier preemptions (by node name), as of the cycle's start.
    public let nominatedPods: [String: [PodInfo]]
    private let store: Mutex<[String: any Sendable]>
    /// Plugins whose PreFilter or PreScore returned `skip`, by the extension point they skip.
    private let skipped: Mutex<[SkippedPoint: Set<String>]>

    enum SkippedPoint: Hashable { case filter, score }

    public init(snapshot: Snapshot, listers: ClusterListers = ClusterListers(), nominatedPods: [String: [PodInfo]] = [:]) {
        self.snapshot = snapshot
        self.listers = listers
        self.nominatedPods = nominatedPods
        self.store = Mutex([:])
        self.skipped = Mutex([:])
    }

    private init(copying other: CycleState) {
        snapshot = other.snapshot
        listers = other.listers
        nominatedPods = other.nominatedPods
        store = Mutex(other.store.withLock { $0 })
        skipped = Mutex(other.skipped.withLock { $0 })
    }

    /// A copy whose writes do not affect this one (preemption simulates removals on copies).
    public func clone() -> CycleState { CycleState(copying: self) }

    public func read<Value: Sendable>(_ key: String, as type: Value.Type = Value.self) -> Value? {
        store.withLock { $0[key] as? Value }
    }

    public func write(_ key: String, _ value: any Sendable) {
        store.withLock { $0[key] = value }
    }

    /// Changes a stored value in place; does nothing when there is none.
    public func modify<Value: Sendable>(_ key: String, as type: Value.Type = Value.self, _ change: (inout Value) -> Void) {
        store.withLock { s in
            guard var value = s[key] as? Value else { return }
            s[key] = nil
            change(&value)
            s[key] = value
        }
    }

    func markSkipped(_ plugin: String, at point: SkippedPoint) {
        _ = skipped.withLock { $0[point, default: []].insert(plugin) }
    }

    /// The plugins skipped at `point` (read once per node, not once per plugin).
    func skippedPlugins(at point: SkippedPoint) -> Set<String> {
        skipped.withLock { $0[point] ?? [] }
    }
}
