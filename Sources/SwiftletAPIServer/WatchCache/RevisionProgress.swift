import Synchronization

/// The store revision up to which every watch cache is current, with waiters for a revision to be reached.
public final class RevisionProgress: Sendable {
    private struct State {
        var revision: Int64 = 0
        var waiters: [(Int64, Int, CheckedContinuation<Bool, Never>)] = []
        var nextID = 0
    }
    private let state = Mutex(State())

    public init() {}

    public var revision: Int64 { state.withLock { $0.revision } }

    public func advance(to revision: Int64) {
        let ready: [CheckedContinuation<Bool, Never>] = state.withLock { s in
            guard revision > s.revision else { return [] }
            s.revision = revision
            var ready: [CheckedContinuation<Bool, Never>] = []
            s.waiters.removeAll { w in
                if w.0 <= revision { ready.append(w.2); return true }
                return false
            }
            return ready
        }
        for c in ready { c.resume(returning: true) }
    }

    /// Waits until the caches have seen `revision`; false after `timeout` seconds.
    public func wait(for revision: Int64, timeout: Duration = .seconds(3)) async -> Bool {
        if state.withLock({ $0.revision >= revision }) { return true }
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                    let resumeNow = self.state.withLock { s -> Bool in
                        if s.revision >= revision { return true }
                        s.waiters.append((revision, id, c))
                        return false
                    }
                    if resumeNow { c.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            if !first {
                // Release the waiter so the task group can finish.
                let pending = self.state.withLock { s -> [CheckedContinuation<Bool, Never>] in
                    var out: [CheckedContinuation<Bool, Never>] = []
                    s.waiters.removeAll { w in
                        if w.1 == id { out.append(w.2); return true }
                        return false
                    }
                    return out
                }
                for c in pending { c.resume(returning: false) }
            }
            group.cancelAll()
            return first
        }
    }
}
