@testable import SwiftletClient

import Testing

@Suite struct WorkQueueTests {
    @Test func repeatedAddsCollapse() async {
        let queue = WorkQueue<String>()
        queue.add("a")
        queue.add("b")
        queue.add("a")
        queue.add("a")
        #expect(queue.count == 2)
        #expect(await queue.get() == "a")
        #expect(await queue.get() == "b")
        #expect(queue.count == 0)
    }

    @Test func aKeyIsNeverHandedOutTwiceWhileProcessing() async {
        let queue = WorkQueue<String>()
        queue.add("a")
        let first = await queue.get()
        #expect(first == "a")
        // Added again while processing: marked dirty, but not queued until done.
        queue.add("a")
        queue.add("a")
        #expect(queue.count == 0)
        #expect(queue.processingCount == 1)
        queue.done("a")
        #expect(queue.count == 1)
        #expect(await queue.get() == "a")
        queue.done("a")
        #expect(queue.count == 0)
        #expect(queue.processingCount == 0)
    }

    @Test func doneWithoutReAddDoesNotRequeue() async {
        let queue = WorkQueue<Int>()
        queue.add(1)
        let key = await queue.get()
        queue.done(key!)
        #expect(queue.count == 0)
    }

    @Test func concurrentWorkersNeverShareAKey() async {
        let queue = WorkQueue<Int>()
        let inFlight = Locked<Set<Int>>([])
        let overlaps = Locked(0)
        let processed = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while let key = await queue.get() {
                        let clash = inFlight.withLock { !$0.insert(key).inserted }
                        if clash { overlaps.withLock { $0 += 1 } }
                        try? await Task.sleep(for: .microseconds(200))
                        inFlight.withLock { _ = $0.remove(key) }
                        processed.withLock { $0 += 1 }
                        queue.done(key)
                    }
                }
            }
            for round in 0..<200 {
                queue.add(round % 5)
                if round % 20 == 0 { try? await Task.sleep(for: .milliseconds(1)) }
            }
            while queue.count > 0 || queue.processingCount > 0 {
                try? await Task.sleep(for: .milliseconds(5))
            }
            queue.shutDown()
        }
        #expect(overlaps.withLock { $0 } == 0)
        #expect(processed.withLock { $0 } >= 5)
    }

    @Test func waitingGetReceivesAKeyAddedLater() async {
        let queue = WorkQueue<String>()
        async let key = queue.get()
        try? await Task.sleep(for: .milliseconds(20))
        queue.add("late")
        #expect(await key == "late")
        #expect(queue.processingCount == 1)
    }

    @Test func shutDownEndsEveryWaitingGet() async {
        let queue = WorkQueue<String>()
        await withTaskGroup(of: String?.self) { group in
            for _ in 0..<3 { group.addTask { await queue.get() } }
            try? await Task.sleep(for: .milliseconds(20))
            queue.shutDown()
            for await result in group { #expect(result == nil) }
        }
        queue.add("ignored")
        #expect(queue.count == 0)
        #expect(await queue.get() == nil)
    }

    @Test func shutDownStillHandsOutQueuedKeys() async {
        let queue = WorkQueue<String>()
        queue.add("a")
        queue.shutDown()
        #expect(await queue.get() == "a")
        #expect(await queue.get() == nil)
    }

    @Test func cancellingAWaitingGetReturnsNil() async {
        let queue = WorkQueue<String>()
        let waiter = Task { await queue.get() }
        try? await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        #expect(await waiter.value == nil)
        // The cancelled waiter must not swallow the next key.
        queue.add("x")
        #expect(await queue.get() == "x")
    }

    @Test func addAfterDeliversOnceTheDelayPassed() async {
        let queue = WorkQueue<String>()
        let start = ContinuousClock.now
        queue.addAfter("later", delay: .milliseconds(80))
        #expect(queue.count == 0)
        #expect(queue.delayedCount == 1)
        #expect(await queue.get() == "later")
        #expect(ContinuousClock.now - start >= .milliseconds(80))
        #expect(queue.delayedCount == 0)
    }

    @Test func addAfterKeepsTheEarlierDueTime() async {
        let queue = WorkQueue<String>()
        let start = ContinuousClock.now
        queue.addAfter("k", delay: .seconds(30))
        queue.addAfter("k", delay: .milliseconds(30))
        queue.addAfter("k", delay: .seconds(10))
        #expect(await queue.get() == "k")
        #expect(ContinuousClock.now - start < .seconds(5))
        queue.done("k")
        try? await Task.sleep(for: .milliseconds(50))
        #expect(queue.count == 0)
        #expect(queue.delayedCount == 0)
    }

    @Test func addAfterWithoutDelayAddsAtOnce() async {
        let queue = WorkQueue<String>()
        queue.addAfter("now", delay: .zero)
        #expect(queue.count == 1)
    }

    @Test func shutDownCancelsDelayedAdds() async {
        let queue = WorkQueue<String>()
        queue.addAfter("k", delay: .milliseconds(20))
        queue.shutDown()
        try? await Task.sleep(for: .milliseconds(60))
        #expect(queue.count == 0)
        #expect(await queue.get() == nil)
    }

    @Test func rateLimitedAddsBackOffPerKeyUntilForgotten() async {
        let limiter = ItemExponentialFailureRateLimiter<String>(baseDelay: .milliseconds(5), maxDelay: .seconds(1000))
        #expect(limiter.when("a") == .milliseconds(5))
        #expect(limiter.when("a") == .milliseconds(10))
        #expect(limiter.when("a") == .milliseconds(20))
        #expect(limiter.when("b") == .milliseconds(5))
        #expect(limiter.numRequeues("a") == 3)
        limiter.forget("a")
        #expect(limiter.numRequeues("a") == 0)
        #expect(limiter.when("a") == .milliseconds(5))
        for _ in 0..<100 { _ = limiter.when("c") }
        #expect(limiter.when("c") == .seconds(1000))
    }

    @Test func bucketAllowsTheBurstThenPaces() {
        let bucket = BucketRateLimiter<String>(perSecond: 10, burst: 100)
        for _ in 0..<100 { #expect(bucket.when("x") == .zero) }
        let next = bucket.when("x")
        #expect(next > .milliseconds(90) && next <= .milliseconds(100))
        let after = bucket.when("y")
        #expect(after > .milliseconds(190) && after <= .milliseconds(200))
    }

    @Test func controllerDefaultIsTheWorstOfBoth() {
        let limiter = MaxOfRateLimiter<String>.controllerDefault()
        #expect(limiter.when("a") == .milliseconds(5))
        #expect(limiter.when("a") == .milliseconds(10))
        #expect(limiter.numRequeues("a") == 2)
        limiter.forget("a")
        #expect(limiter.numRequeues("a") == 0)
    }

    @Test func queueRateLimitsRetries() async {
        let queue = WorkQueue<String>(rateLimiter: ItemExponentialFailureRateLimiter(baseDelay: .milliseconds(20), maxDelay: .seconds(1)))
        queue.addRateLimited("k")
        queue.addRateLimited("k")
        #expect(queue.numRequeues("k") == 2)
        #expect(queue.count == 0)
        #expect(await queue.get() == "k")
        queue.done("k")
        queue.forget("k")
        #expect(queue.numRequeues("k") == 0)
    }

    @Test func processNextRetriesFailuresWithBackoff() async {
        let queue = WorkQueue<String>(rateLimiter: ItemExponentialFailureRateLimiter(baseDelay: .milliseconds(5), maxDelay: .seconds(1)))
        struct Flaky: Error {}
        let attempts = Locked(0)
        queue.add("k")
        for _ in 0..<3 {
            let more = await queue.processNext { _ in
                let n = attempts.withLock { a in
                    a += 1
                    return a
                }
                if n < 3 { throw Flaky() }
            }
            #expect(more)
        }
        #expect(attempts.withLock { $0 } == 3)
        #expect(queue.numRequeues("k") == 0)
        queue.shutDown()
        #expect(await queue.processNext { _ in } == false)
    }
}
