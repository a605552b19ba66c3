import Synchronization

/// A one-shot signal many tasks can wait for, each wait ending early (false) when its task is cancelled.
final class SyncSignal: Sendable {
    private struct State {
        var signalled = false
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    var isSignalled: Bool { state.withLock { $0.signalled } }

    func signal() {
        let waiters = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            if s.signalled { return [] }
            s.signalled = true
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume(returning: true) }
    }

    /// True once signalled; false if the waiting task is cancelled first.
    func wait() async -> Bool {
        let id: Int? = state.withLock { s in
            if s.signalled { return nil }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now: Bool? = state.withLock { s in
                    if s.signalled { return true }
                    if s.cancelled.remove(id) != nil { return false }
                    s.waiters[id] = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                let w = s.waiters.removeValue(forKey: id)
                if w == nil { s.cancelled.insert(id) }
                return w
            }
            waiter?.resume(returning: false)
        }
    }
}
