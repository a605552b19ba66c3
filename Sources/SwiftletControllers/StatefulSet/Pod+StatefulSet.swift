import SwiftletAPI

/// What the StatefulSet logic asks of a pod (upstream's `isCreated`, `isRunningAndReady` …).
extension Pod {
    /// The API server has set a phase: the pod exists (an in-memory placeholder has none).
    var isCreated: Bool { !(status?.phase ?? "").isEmpty }
    var isTerminating: Bool { metadata?.deletionTimestamp != nil }
    var isRunningAndReady: Bool { status?.phase == "Running" && isReady }
    /// Running, ready and not being deleted.
    var isHealthy: Bool { isRunningAndReady && !isTerminating }
    var statefulRevision: String { metadata?.labels?[StatefulPodIdentity.revisionLabel] ?? "" }
}
