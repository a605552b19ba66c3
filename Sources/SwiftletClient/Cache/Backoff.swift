/// Exponential backoff with jitter that starts over after a quiet spell, as client-go's reflector uses
/// between failed list/watch attempts (800ms doubling to 30s, reset after 2 minutes without failures).
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration
    public var resetAfter: Duration
    /// Each delay is stretched by a random factor in `1 ..< 1 + jitter`.
    public var jitter: Double
    private var current: Duration?
    private var lastFailure: ContinuousClock.Instant?

    public init(initial: Duration = .milliseconds(800), maximum: Duration = .seconds(30), resetAfter: Duration = .seconds(120),
                jitter: Double = 1.0) {
        self.initial = initial
        self.maximum = maximum
        self.resetAfter = resetAfter
        self.jitter = jitter
    }

    /// The delay before the next attempt after a failure now.
    public mutating func next() -> Duration {
        let now = ContinuousClock.now
        if let last = lastFailure, now - last > resetAfter { current = nil }
        lastFailure = now
        let base = current.map { min($0 * 2, maximum) } ?? initial
        current = base
        return jitter > 0 ? base * Double.random(in: 1..<(1 + jitter)) : base
    }
}
