import Foundation
import Synchronization

/// Per-node backoff between deleting failed daemon pods (upstream's `failedPodsBackoff`, a flowcontrol
/// backoff from 1s doubling to 15 minutes), so the controller does not hot-loop against a kubelet that
/// keeps rejecting the pod.
final class FailedPodBackoff: Sendable {
    struct Entry {
        var backoff: Duration
        var lastUpdate: ContinuousClock.Instant
    }

    let initial: Duration
    let maximum: Duration
    private let entries = Mutex<[String: Entry]>([:])

    init(initial: Duration = .seconds(1), maximum: Duration = .seconds(900)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The remaining wait when `key` failed again within its backoff, else nil (and the backoff grows).
    func delayOrAdvance(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        entries.withLock { entries in
            if var entry = entries[key], now - entry.lastUpdate <= maximum * 2 {
                let elapsed = now - entry.lastUpdate
                if elapsed < entry.backoff { return entry.backoff - elapsed }
                entry.backoff = min(entry.backoff * 2, maximum)
                entry.lastUpdate = now
                entries[key] = entry
                return nil
            }
            // Entries past twice the maximum have expired; drop them so the map stays small.
            if entries.count > 4096 { entries = entries.filter { now - $0.value.lastUpdate <= maximum * 2 } }
            entries[key] = Entry(backoff: initial, lastUpdate: now)
            return nil
        }
    }
}
