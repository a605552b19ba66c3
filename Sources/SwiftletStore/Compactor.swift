import Logging

/// Keeps a store's history bounded, like kube-apiserver's compaction loop.
///
/// Every `interval` it compacts up to the revision it saw one interval earlier, but never into
/// the last `retainedRevisions`, so watchers less than one interval behind can still resume.
public struct Compactor: Sendable {
    public let store: any StoreBackend
    public var interval: Duration
    public var retainedRevisions: Int64
    private let logger: Logger

    public init(
        store: any StoreBackend,
        interval: Duration = .seconds(300),
        retainedRevisions: Int64 = 1_000,
        logger: Logger = Logger(label: "swiftlet.store.compactor")
    ) {
        self.store = store
        self.interval = interval
        self.retainedRevisions = retainedRevisions
        self.logger = logger
    }

    /// Compacts every `interval` until the task is cancelled or the store is closed.
    public func run() async {
        var previous = try? await store.currentRevision()
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                let current = try await store.currentRevision()
                try await compact(previous: previous ?? current, current: current)
                previous = current
            } catch StoreError.closed {
                return
            } catch is CancellationError {
                return
            } catch {
                logger.warning("Compaction failed; retrying next interval", metadata: ["error": "\(error)"])
            }
        }
    }

    private func compact(previous: Int64, current: Int64) async throws {
        let target = min(previous, current - retainedRevisions)
        guard target > (try await store.compactedRevision()) else { return }
        try await store.compact(revision: target)
        logger.debug("Compacted", metadata: ["revision": "\(target)", "current": "\(current)"])
    }
}
