/// Runs `count` calls in growing batches (1, 2, 4 …), stopping after the first batch with an error, as
/// upstream's `slowStartBatch` does so a failing quota or admission is not hammered with many requests.
enum SlowStart {
    struct Outcome {
        var successes: Int
        var firstError: (any Error)?
    }

    static func run(count: Int, initialBatch: Int = 1, _ call: @escaping @Sendable () async throws -> Void) async -> Outcome {
        var remaining = count
        var batch = min(initialBatch, count)
        var successes = 0
        while batch > 0 {
            let results = await withTaskGroup(of: (any Error)?.self) { group in
                for _ in 0..<batch {
                    group.addTask {
                        do {
                            try await call()
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                var errors: [any Error] = []
                for await result in group { if let result { errors.append(result) } }
                return errors
            }
            successes += batch - results.count
            if let first = results.first { return Outcome(successes: successes, firstError: first) }
            remaining -= batch
            batch = min(2 * batch, remaining)
        }
        return Outcome(successes: successes, firstError: nil)
    }
}
