import Synchronization

/// The latest probe results of a pod's containers, written by probe tasks and read by the pod's worker.
final class ProbeResults: Sendable {
    private let states = Mutex<[String: ProbeState]>([:])

    static func key(_ containerID: String, _ kind: ProbeKind) -> String { containerID + "/" + kind.rawValue }

    func set(_ state: ProbeState, containerID: String) {
        states.withLock { $0[Self.key(containerID, state.kind)] = state }
    }

    func state(_ containerID: String, _ kind: ProbeKind) -> ProbeState? {
        states.withLock { $0[Self.key(containerID, kind)] }
    }

    /// Forgets one container's results (it was killed and starts again under a new ID).
    func remove(containerID: String) {
        states.withLock { states in
            for kind in ProbeKind.allCases { states[Self.key(containerID, kind)] = nil }
        }
    }

    /// Forgets the results of containers not in `live`.
    func retain(containerIDs live: Set<String>) {
        states.withLock { states in
            states = states.filter { key, _ in live.contains(String(key.split(separator: "/").first ?? "")) }
        }
    }
}
