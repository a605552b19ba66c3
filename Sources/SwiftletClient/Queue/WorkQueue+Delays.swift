extension WorkQueue {
    /// Adds `key` once `delay` has passed. A key already waiting keeps the earlier of its two due times.
    public func addAfter(_ key: Key, delay: Duration) {
        if delay <= .zero {
            add(key)
            return
        }
        let deadline = ContinuousClock.now + delay
        let replaced = state.withLock { s -> Task<Void, Never>? in
            if s.shuttingDown { return nil }
            let existing = s.delayed[key]
            if let existing, existing.deadline <= deadline { return nil }
            s.nextTimerID += 1
            let timerID = s.nextTimerID
            // One sleeping task per delayed key; shutDown cancels them all.
            let timer = Task { [self] in
                do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return }
                fire(key, timerID: timerID)
            }
            s.delayed[key] = Delayed(deadline: deadline, timerID: timerID, timer: timer)
            return existing?.timer
        }
        replaced?.cancel()
    }

    /// Adds `key` after the delay its rate limiter gives it (one more failure for per-key backoff).
    public func addRateLimited(_ key: Key) {
        addAfter(key, delay: rateLimiter.when(key))
    }

    /// Clears `key`'s failure count so its next rate-limited add starts from the shortest delay.
    public func forget(_ key: Key) {
        rateLimiter.forget(key)
    }

    /// How many rate-limited adds `key` has had since it was last forgotten.
    public func numRequeues(_ key: Key) -> Int {
        rateLimiter.numRequeues(key)
    }

    /// How many keys wait for `addAfter`.
    public var delayedCount: Int { state.withLock { $0.delayed.count } }

    private func fire(_ key: Key, timerID: Int) {
        let due = state.withLock { s -> Bool in
            guard s.delayed[key]?.timerID == timerID else { return false }
            s.delayed[key] = nil
            return true
        }
        if due { add(key) }
    }
}
