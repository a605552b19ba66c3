/// A pending pod in the scheduling queue with its scheduling history (upstream's `QueuedPodInfo`).
public struct QueuedPodInfo: Sendable {
    public var podInfo: PodInfo
    /// When the pod was added to the queue or last failed; orders pods of equal priority and starts the backoff.
    public var timestamp: ContinuousClock.Instant
    /// How many times the pod was taken from the queue to be scheduled.
    public var attempts: Int = 0
    /// The plugins that rejected the pod in its last attempt; empty after an error (any event retries it then).
    public var unschedulablePlugins: Set<String> = []

    public init(podInfo: PodInfo, timestamp: ContinuousClock.Instant = .now) {
        self.podInfo = podInfo
        self.timestamp = timestamp
    }

    public var key: String { podInfo.key }
}
