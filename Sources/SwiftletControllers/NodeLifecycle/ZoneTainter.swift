import Foundation

/// The nodes of one zone waiting for their NoExecute taint, let through at the zone's eviction rate
/// (upstream's RateLimitedTimedQueue with a token bucket of burst 1).
struct ZoneTainter: Sendable {
    /// Nodes per second; 0 stops tainting in this zone.
    var rate: Double
    private(set) var waiting: [String] = []
    private var lastTaint: Date?

    init(rate: Double) { self.rate = rate }

    mutating func add(_ node: String) {
        if !waiting.contains(node) { waiting.append(node) }
    }

    mutating func remove(_ node: String) { waiting.removeAll { $0 == node } }

    /// The next node allowed through now, if the rate lets one through.
    mutating func next(now: Date) -> String? {
        guard rate > 0, !waiting.isEmpty else { return nil }
        if let lastTaint, now.timeIntervalSince(lastTaint) < 1 / rate { return nil }
        lastTaint = now
        return waiting.removeFirst()
    }
}
