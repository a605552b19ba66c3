import SwiftletAPI
import SwiftletClient
import Synchronization

/// Wraps a real transport so a test can break watches, make them start from a too-old resourceVersion
/// (the real server then answers 410 Gone), hold lists, and slip extra events into watches.
final class ControllableTransport: APITransport {
    let inner: any APITransport

    private struct State {
        var watches: [Int: AsyncThrowingStream<WatchEvent, any Error>.Continuation] = [:]
        var nextWatch = 0
        var expireWatchesFrom: String?
        var listsHeld = false
        var heldLists: [CheckedContinuation<Void, Never>] = []
        var lists = 0
        var watchResourceVersions: [String] = []
        var expiredWatches = 0
    }

    private let state = Mutex(State())

    init(_ inner: any APITransport) {
        self.inner = inner
    }

    /// How many lists were sent (held ones included).
    var listCount: Int { state.withLock { $0.lists } }
    /// How many lists wait for `releaseLists()`.
    var heldListCount: Int { state.withLock { $0.heldLists.count } }
    /// The resourceVersion each watch asked for, in order.
    var watchResourceVersions: [String] { state.withLock { $0.watchResourceVersions } }
    var expiredWatchCount: Int { state.withLock { $0.expiredWatches } }
    var openWatchCount: Int { state.withLock { $0.watches.count } }

    /// Until the next list, watches start from `resourceVersion` instead of what the client asked.
    func expireWatches(from resourceVersion: String) {
        state.withLock { $0.expireWatchesFrom = resourceVersion }
    }

    func holdLists() {
        state.withLock { $0.listsHeld = true }
    }

    func releaseLists() {
        let held = state.withLock { s in
            s.listsHeld = false
            defer { s.heldLists.removeAll() }
            return s.heldLists
        }
        for c in held { c.resume() }
    }

    /// Fails every open watch, as a dropped connection would.
    func breakWatches() {
        let open = state.withLock { s in
            defer { s.watches.removeAll() }
            return Array(s.watches.values)
        }
        for c in open { c.finish(throwing: APIError(.serviceUnavailable, "connection reset by test")) }
    }

    /// Delivers `event` on every open watch.
    func inject(_ event: WatchEvent) {
        let open = state.withLock { Array($0.watches.values) }
        for c in open { c.yield(event) }
    }

    func send(_ request: APIRequest) async throws -> APIResponse {
        let isList = request.method == .get && !request.query.contains { $0.name == "watch" }
        if isList {
            let hold = state.withLock { s in
                s.lists += 1
                s.expireWatchesFrom = nil
                return s.listsHeld
            }
            if hold {
                await withCheckedContinuation { c in
                    let now = state.withLock { s in
                        if !s.listsHeld { return true }
                        s.heldLists.append(c)
                        return false
                    }
                    if now { c.resume() }
                }
            }
        }
        return try await inner.send(request)
    }

    func watch(_ request: APIRequest) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        var request = request
        let forced = state.withLock { s in
            s.watchResourceVersions.append(request.query.first { $0.name == "resourceVersion" }?.value ?? "")
            if s.expireWatchesFrom != nil { s.expiredWatches += 1 }
            return s.expireWatchesFrom
        }
        if let forced {
            request.query.removeAll { $0.name == "resourceVersion" }
            request.query.append(.init("resourceVersion", forced))
        }
        let upstream = try await inner.watch(request)
        let (events, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent.self)
        let id = state.withLock { s in
            s.nextWatch += 1
            s.watches[s.nextWatch] = continuation
            return s.nextWatch
        }
        let pump = Task {
            do {
                for try await event in upstream { continuation.yield(event) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { [weak self] _ in
            pump.cancel()
            self?.state.withLock { _ = $0.watches.removeValue(forKey: id) }
        }
        return events
    }
}
