import Synchronization

/// Waits `baseDelay * 2^failures` for an item, capped at `maxDelay` (client-go's exponential per-item limiter).
public final class ItemExponentialFailureRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    public let baseDelay: Duration
    public let maxDelay: Duration
    private let failures = Mutex<[Item: Int]>([:])

    public init(baseDelay: Duration, maxDelay: Duration) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public func when(_ item: Item) -> Duration {
        let exponent = failures.withLock { f in
            let e = f[item, default: 0]
            f[item] = e + 1
            return e
        }
        if baseDelay <= .zero { return .zero }
        // Compare as a ratio first so that large exponents never overflow the Duration arithmetic.
        if exponent >= 62 || Double(sign: .plus, exponent: exponent, significand: 1) >= maxDelay / baseDelay { return maxDelay }
        return baseDelay * (1 << exponent)
    }

    public func forget(_ item: Item) {
        failures.withLock { _ = $0.removeValue(forKey: item) }
    }

    public func numRequeues(_ item: Item) -> Int {
        failures.withLock { $0[item, default: 0] }
    }
}
