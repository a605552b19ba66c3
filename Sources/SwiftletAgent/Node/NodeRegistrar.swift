import Logging
import SwiftletAPI
import SwiftletClient

/// Registers a node with the API server, as kubelet's registerWithAPIServer: create the Node, or when it
/// exists already (an agent restart), take it over with the current labels, capacity and status.
public struct NodeRegistrar: Sendable {
    let nodes: ResourceClient<Node>
    let logger: Logger

    public init(transport: any APITransport, logger: Logger) {
        nodes = ResourceClient<Node>(transport: transport)
        self.logger = logger
    }

    /// Registers `description`, retrying until the API server accepts it or the task is cancelled.
    @discardableResult
    public func register(_ description: NodeDescription) async throws -> Node {
        var delay = Duration.milliseconds(100)
        while true {
            do {
                return try await registerOnce(description)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("cannot register node, retrying", metadata: ["node": "\(description.name)", "error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(7))
            }
        }
    }

    func registerOnce(_ description: NodeDescription) async throws -> Node {
        let now = Time.now()
        do {
            return try await nodes.create(description.node(now: now))
        } catch let error as APIError where error.reason == .alreadyExists {
            var existing = try await nodes.get(description.name)
            var labels = existing.metadata?.labels ?? [:]
            for (key, value) in description.labels { labels[key] = value }
            if labels != existing.metadata?.labels {
                existing.metadata?.labels = labels
                existing = try await nodes.update(existing)
            }
            let since = existing.status?.conditions?.first { $0.type == "Ready" && $0.status == "True" }?.lastTransitionTime
            existing.status = description.status(now: now, conditions: NodeDescription.healthyConditions(now: now, since: since))
            return try await nodes.updateStatus(existing)
        }
    }
}
