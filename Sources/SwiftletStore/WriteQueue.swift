import Synchronization

/// Writes waiting for the group committer: callers park here until their write is durable.
final class WriteQueue: Sendable {
    struct Pending: Sendable {
        let op: SQLiteLog.WriteOp
        let continuation: CheckedContinuation<KeyValue, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())

    /// Queues `op` and returns once it is committed (or failed). A write already queued is not
    /// withdrawn when the caller is cancelled: like etcd, it may still take effect.
    func submit(_ op: SQLiteLog.WriteOp) async throws -> KeyValue {
        try await withCheckedThrowingContinuation { continuation in
            let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard !state.closed else { return (false, nil) }
                state.pending.append(Pending(op: op, continuation: continuation))
                defer { state.waiter = nil }
                return (true, state.waiter)
            }
            if accepted {
                waiter?.resume()
            } else {
                continuation.resume(throwing: StoreError.closed)
            }
        }
    }

    /// Everything waiting (at most `limit`), waiting for a first write if none; nil once closed and drained.
    func nextBatch(limit: Int) async -> [Pending]? {
        while true {
            let batch = state.withLock { state -> [Pending]? in
                if state.pending.isEmpty { return state.closed ? nil : [] }
                if state.pending.count <= limit {
                    defer { state.pending = [] }
                    return state.pending
                }
                defer { state.pending.removeFirst(limit) }
                return Array(state.pending.prefix(limit))
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if !state.pending.isEmpty || state.closed { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Refuses new writes; those already queued are still committed.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
