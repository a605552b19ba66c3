/// Decides how long an item waits before it is retried (client-go's `workqueue.RateLimiter`).
public protocol RateLimiter<Item>: Sendable {
    associatedtype Item: Hashable & Sendable
    /// The delay for the item's next retry; counts as one more failure.
    func when(_ item: Item) -> Duration
    /// Stops tracking the item (it succeeded or was given up on).
    func forget(_ item: Item)
    /// How many failures the item has had since it was last forgotten.
    func numRequeues(_ item: Item) -> Int
}

/// The worst (longest) delay of several limiters; what controllers use by default.
public struct MaxOfRateLimiter<Item: Hashable & Sendable>: RateLimiter {
    public let limiters: [any RateLimiter<Item>]

    public init(_ limiters: [any RateLimiter<Item>]) {
        self.limiters = limiters
    }

    /// client-go's `DefaultControllerRateLimiter`: per-item exponential backoff from 5ms to 1000s, and an
    /// overall token bucket of 10 retries per second with bursts of 100.
    public static func controllerDefault() -> MaxOfRateLimiter<Item> {
        MaxOfRateLimiter([
            ItemExponentialFailureRateLimiter<Item>(baseDelay: .milliseconds(5), maxDelay: .seconds(1000)),
            BucketRateLimiter<Item>(perSecond: 10, burst: 100),
        ])
    }

    public func when(_ item: Item) -> Duration {
        limiters.reduce(Duration.zero) { max($0, $1.when(item)) }
    }

    public func forget(_ item: Item) {
        for limiter in limiters { limiter.forget(item) }
    }

    public func numRequeues(_ item: Item) -> Int {
        limiters.reduce(0) { max($0, $1.numRequeues(item)) }
    }
}
