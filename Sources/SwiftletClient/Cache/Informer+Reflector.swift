import Logging
import SwiftletAPI

extension Informer {
    /// A watch that ended this fast without an event is treated as a failure, so a server closing watches at
    /// once is not hammered (client-go's "very short watch").
    private static var shortestHealthyWatch: Duration { .seconds(1) }

    /// List, then watch from the list's resourceVersion; re-watch when a watch ends, re-list on 410 Gone,
    /// back off after failures. Returns when cancelled.
    func reflect(into inputs: AsyncStream<Input>.Continuation) async {
        var backoff = backoffPolicy
        var resourceVersion: String?
        while !Task.isCancelled {
            do {
                if resourceVersion == nil {
                    let list = try await client.listAll(namespace: namespace, query: ListQuery(labelSelector: labelSelector, fieldSelector: fieldSelector))
                    inputs.yield(.replace(list.items, resourceVersion: list.resourceVersion))
                    resourceVersion = list.resourceVersion
                    recordProgress(list.resourceVersion)
                }
                var position = resourceVersion ?? ""
                defer { resourceVersion = position }
                try await watch(from: &position, into: inputs)
            } catch is CancellationError {
                return
            } catch let error as APIError where error.code == 410 {
                logger.info("watch resourceVersion expired; re-listing", metadata: ["error": "\(error.message)"])
                resourceVersion = nil
                if await !pause(backoff.next()) { return }
            } catch {
                if Task.isCancelled { return }
                logger.warning("list/watch failed; retrying", metadata: ["error": "\(error)", "resourceVersion": "\(resourceVersion ?? "")"])
                if await !pause(backoff.next()) { return }
            }
        }
    }

    /// One watch from `position`, advancing it with every event and bookmark. Returns when the watch ends
    /// after working for a while (the server's timeout, or a dropped connection); throws when it fails at
    /// once, and with the 410 of an expired resourceVersion.
    private func watch(from position: inout String, into inputs: AsyncStream<Input>.Continuation) async throws {
        let query = ListQuery(labelSelector: labelSelector, fieldSelector: fieldSelector, resourceVersion: position,
                              timeoutSeconds: Int.random(in: 300..<600), allowWatchBookmarks: true)
        let started = ContinuousClock.now
        var events = 0
        let stream = try await client.watch(namespace: namespace, query: query)
        var healthy: Bool { events > 0 || ContinuousClock.now - started >= Self.shortestHealthyWatch }
        do {
            for try await event in stream {
                events += 1
                switch event {
                case .added(let object), .modified(let object), .deleted(let object):
                    inputs.yield(.event(event))
                    if let rv = object.metadata?.resourceVersion, !rv.isEmpty { position = rv }
                case .bookmark(let rv):
                    if !rv.isEmpty { position = rv }
                }
                recordProgress(position)
            }
        } catch let error as APIError where error.code == 410 {
            throw error
        } catch {
            try Task.checkCancellation()
            // A watch that had been working and broke is resumed at once, as one the server ended; the retry
            // itself backs off if the server is really gone.
            guard healthy else { throw error }
            logger.debug("watch broke; resuming", metadata: ["error": "\(error)", "resourceVersion": "\(position)"])
            return
        }
        try Task.checkCancellation()
        if !healthy {
            throw APIError(.serviceUnavailable, "very short watch: the server ended it at once without events")
        }
    }

    private func recordProgress(_ resourceVersion: String) {
        state.withLock { $0.lastSyncResourceVersion = resourceVersion }
    }

    /// Sleeps; false when cancelled meanwhile.
    private func pause(_ delay: Duration) async -> Bool {
        do {
            try await Task.sleep(for: delay)
            return true
        } catch {
            return false
        }
    }
}
