import Synchronization

/// An overall token bucket (golang.org/x/time/rate's `Limiter.Reserve().Delay()`): `burst` retries at once,
/// then `perSecond`; each `when` reserves a token and returns how long until it is available.
public final class BucketRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    public let perSecond: Double
    public let burst: Int

    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let bucket: Mutex<Bucket>

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
        self.bucket = Mutex(Bucket(tokens: Double(burst), updated: .now))
    }

    public func when(_ item: Item) -> Duration {
        bucket.withLock { b in
            let now = ContinuousClock.now
            let elapsed = now - b.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            b.tokens = min(Double(burst), b.tokens + seconds * perSecond)
            b.updated = now
            b.tokens -= 1
            if b.tokens >= 0 { return .zero }
            return .nanoseconds(Int64((-b.tokens / perSecond) * 1e9))
        }
    }

    public func forget(_ item: Item) {}

    public func numRequeues(_ item: Item) -> Int { 0 }
}
