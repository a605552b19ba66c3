import Logging

extension WorkQueue {
    /// Runs `workers` loops that take keys and `sync` them until the task is cancelled, which shuts the
    /// queue down; a throwing sync is logged and the key re-queued with backoff by `processNext`.
    public func runWorkers(_ workers: Int, logger: Logger, what: String, sync: @escaping @Sendable (Key) async throws -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while await self.processNext(sync, onError: { key, error in
                        logger.info("\(what) failed; retrying", metadata: ["key": "\(key)", "error": "\(error)"])
                    }) {}
                }
            }
            await withTaskCancellationHandler {
                await group.waitForAll()
            } onCancel: {
                self.shutDown()
            }
        }
    }
}
