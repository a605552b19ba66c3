import Foundation
import Logging
import SwiftletCRI
import Synchronization

/// Kubelet's PLEG and pod cache in one: once a `relist` the agent lists all its sandboxes and containers (two
/// calls, whatever the number of pods), asks for the status of the containers whose state changed, and wakes
/// the workers of the pods whose runtime state changed. Workers read their pod's state from here instead of
/// asking the runtime on every pass; after changing something in the runtime a worker marks its pod stale, and
/// its next read asks the runtime for that pod alone.
final class PodRuntimeCache: Sendable {
    /// What the runtime holds for one pod.
    struct PodState: Sendable {
        var sandboxes: [SandboxSummary] = []
        var containers: [ContainerSummary] = []
        /// The containers' statuses by container ID.
        var statuses: [String: ContainerRuntimeStatus] = [:]

        /// What a relist compares to notice a change: each sandbox's and container's ID and state.
        var fingerprint: [String] {
            (sandboxes.map { "s\($0.id)=\($0.state)" } + containers.map { "c\($0.id)=\($0.state)" }).sorted()
        }
    }

    private struct Entry {
        var state: PodState?
        /// Bumped whenever the pod's worker changed something: a read made before that is outdated.
        var version = 0
        var stale = true
        var wake: WakeSignal?
    }

    let runtime: any ContainerRuntime
    private let entries = Mutex<[String: Entry]>([:])
    private let logger: Logger

    init(runtime: any ContainerRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    /// A worker for `uid` wants to hear of changes.
    func register(_ uid: String, wake: WakeSignal) {
        entries.withLock { $0[uid, default: Entry()].wake = wake }
    }

    func unregister(_ uid: String) {
        _ = entries.withLock { $0.removeValue(forKey: uid) }
    }

    /// The worker changed the pod's sandboxes or containers: its next read goes to the runtime.
    func markStale(_ uid: String) {
        entries.withLock { entries in
            entries[uid, default: Entry()].stale = true
            entries[uid, default: Entry()].version += 1
        }
    }

    /// The pod's runtime state: the cached one, or a fresh read of this pod alone when it is stale.
    func state(of uid: String) async throws -> PodState {
        let (cached, version) = entries.withLock { entries -> (PodState?, Int) in
            let entry = entries[uid, default: Entry()]
            return (entry.stale ? nil : entry.state, entry.version)
        }
        if let cached { return cached }
        let selector = [RuntimeLabels.podUID: uid]
        let sandboxes = try await runtime.listPodSandboxes(SandboxFilter(labelSelector: selector))
        let containers = try await runtime.listContainers(ContainerFilter(labelSelector: selector))
        let previous = entries.withLock { $0[uid]?.state?.statuses ?? [:] }
        let state = PodState(sandboxes: sandboxes, containers: containers,
                             statuses: await statuses(of: containers, reusing: previous))
        entries.withLock { entries in
            guard var entry = entries[uid], entry.version == version else { return }
            entry.state = state
            entry.stale = false
            entries[uid] = entry
        }
        return state
    }

    /// Lists everything once and wakes the workers of pods whose sandboxes or containers changed.
    func relist() async {
        let managed = [RuntimeLabels.managedBy: RuntimeLabels.managedByValue]
        let versions = entries.withLock { $0.mapValues(\.version) }
        let sandboxes: [SandboxSummary], containers: [ContainerSummary]
        do {
            sandboxes = try await runtime.listPodSandboxes(SandboxFilter(labelSelector: managed))
            containers = try await runtime.listContainers(ContainerFilter(labelSelector: managed))
        } catch {
            // The workers keep what they knew; the next relist tries again.
            logger.debug("relist failed", metadata: ["error": "\(error)"])
            return
        }
        let sandboxesByPod = Dictionary(grouping: sandboxes) { $0.labels[RuntimeLabels.podUID] ?? $0.metadata.uid }
        let containersByPod = Dictionary(grouping: containers) { $0.labels[RuntimeLabels.podUID] ?? "" }
        var woken: [WakeSignal] = []
        for uid in versions.keys {
            let previous = entries.withLock { $0[uid]?.state }
            let podContainers = containersByPod[uid] ?? []
            var state = PodState(sandboxes: sandboxesByPod[uid] ?? [], containers: podContainers)
            if let previous, previous.fingerprint == state.fingerprint { continue }
            state.statuses = await statuses(of: podContainers, reusing: previous?.statuses ?? [:])
            let wake = entries.withLock { entries -> WakeSignal? in
                // A worker that changed the pod since the lists were made reads it again itself.
                guard var entry = entries[uid], entry.version == versions[uid] else { return nil }
                entry.state = state
                entry.stale = false
                entries[uid] = entry
                return previous == nil ? nil : entry.wake
            }
            if let wake { woken.append(wake) }
        }
        for wake in woken { wake.signal() }
    }

    /// Relists every `interval` until cancelled.
    func run(interval: Duration) async {
        while !Task.isCancelled {
            await relist()
            guard (try? await Task.sleep(for: interval)) != nil else { return }
        }
    }

    /// Statuses of `containers`, asking the runtime only for those that are new or changed state.
    private func statuses(of containers: [ContainerSummary], reusing previous: [String: ContainerRuntimeStatus]) async
        -> [String: ContainerRuntimeStatus] {
        var result: [String: ContainerRuntimeStatus] = [:]
        for container in containers {
            if let known = previous[container.id], known.state == container.state {
                result[container.id] = known
            } else if let status = try? await runtime.containerStatus(id: container.id) {
                result[container.id] = status
            }
        }
        return result
    }
}
