import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import Synchronization

/// Deletes pods from nodes with NoExecute taints they do not tolerate, at once, or once the shortest
/// `tolerationSeconds` of the tolerations they rely on has passed — upstream's taint eviction controller.
public final class TaintEvictionController: Sendable {
    let pods: ResourceClient<Pod>
    let nodeInformer: Informer<Node>
    let podInformer: Informer<Pod>
    let queue = WorkQueue<String>()
    let events: EventRecorder
    let logger: Logger
    /// When each pod was first seen tolerating its node's NoExecute taints for a while (upstream's scheduled eviction).
    let firstSeen = Mutex<[String: Date]>([:])

    public init(transport: any APITransport, informers: SharedInformerFactory, logger: Logger) {
        pods = ResourceClient<Pod>(transport: transport)
        nodeInformer = informers.informer(for: Node.self)
        podInformer = informers.informer(for: Pod.self, indexers: PodIndexes.byNodeName)
        events = EventRecorder(transport: transport, component: "taint-eviction-controller", logger: logger)
        self.logger = logger
    }

    public func run() async {
        _ = nodeInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] node in self?.nodeChanged(old: nil, node) },
            onUpdate: { [weak self] old, node in self?.nodeChanged(old: old, node) },
            onDelete: { _ in }))
        _ = podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [queue] pod in if pod.spec?.nodeName?.isEmpty == false { queue.add(pod.key) } },
            onUpdate: { [queue] old, pod in
                if pod.spec?.nodeName?.isEmpty == false && (old.spec?.nodeName != pod.spec?.nodeName || old.spec?.tolerations != pod.spec?.tolerations) {
                    queue.add(pod.key)
                }
            },
            onDelete: { [weak self] deleted in _ = self?.firstSeen.withLock { $0.removeValue(forKey: deleted.object.key) } }))
        guard await nodeInformer.waitForSync(), await podInformer.waitForSync() else { return }
        await queue.runWorkers(8, logger: logger, what: "taint eviction") { [self] key in try await self.sync(key) }
    }

    static func noExecuteTaints(_ node: Node?) -> [Taint] {
        node?.spec?.taints?.filter { $0.effect == "NoExecute" } ?? []
    }

    private func nodeChanged(old: Node?, _ node: Node) {
        let before = Self.noExecuteTaints(old), after = Self.noExecuteTaints(node)
        guard before != after, let name = node.metadata?.name else { return }
        for key in podInformer.indexer.indexKeys(PodIndexes.nodeName, name) { queue.add(key) }
    }

    /// Upstream's getMinTolerationTime: nil when the tolerations never run out.
    static func minTolerationTime(_ tolerations: [Toleration]) -> Double? {
        var minimum: Int64?
        for toleration in tolerations {
            guard let seconds = toleration.tolerationSeconds else { continue }
            if seconds <= 0 { return 0 }
            minimum = min(minimum ?? seconds, seconds)
        }
        return minimum.map(Double.init)
    }

    func sync(_ key: String) async throws {
        guard let pod = podInformer.indexer.get(key: key), pod.metadata?.deletionTimestamp == nil,
              let nodeName = pod.spec?.nodeName, !nodeName.isEmpty else {
            _ = firstSeen.withLock { $0.removeValue(forKey: key) }
            return
        }
        let taints = Self.noExecuteTaints(nodeInformer.indexer.get(key: nodeName))
        guard !taints.isEmpty else {
            _ = firstSeen.withLock { $0.removeValue(forKey: key) }
            return
        }
        let tolerations = pod.spec?.tolerations ?? []
        var used: [Toleration] = []
        for taint in taints {
            guard let toleration = tolerations.first(where: { $0.tolerates(taint) }) else {
                try await evict(pod)
                return
            }
            used.append(toleration)
        }
        guard let seconds = Self.minTolerationTime(used) else { return }
        let now = Date()
        let since = firstSeen.withLock { seen in
            if let at = seen[key] { return at }
            seen[key] = now
            return now
        }
        let left = seconds - now.timeIntervalSince(since)
        if left <= 0 {
            try await evict(pod)
        } else {
            queue.addAfter(key, delay: .milliseconds(Int64(left * 1000) + 50))
        }
    }

    private func evict(_ pod: Pod) async throws {
        let name = pod.metadata?.name ?? "", namespace = pod.metadata?.namespace ?? "default"
        _ = firstSeen.withLock { $0.removeValue(forKey: pod.key) }
        events.record(pod, reason: "TaintManagerEviction", message: "Marking for deletion Pod \(namespace)/\(name)")
        let condition: JSONValue = ["status": ["conditions": [[
            "type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
            "message": "Taint manager: deleting due to NoExecute taint", "lastTransitionTime": .string(Time.now().rfc3339),
        ]]]]
        _ = try? await pods.patch(name, namespace: namespace, type: .strategicMerge, body: condition, subresource: "status")
        do {
            _ = try await pods.delete(name, namespace: namespace)
        } catch let error as APIError where error.reason == .notFound {
            return
        }
    }
}
