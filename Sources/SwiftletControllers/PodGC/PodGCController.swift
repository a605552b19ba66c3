import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import Synchronization

/// Removes pods nobody else will: finished pods beyond the threshold (oldest first), pods bound to nodes that
/// no longer exist, terminating pods that were never scheduled, and terminating pods on out-of-service nodes —
/// upstream's pod garbage collector.
public final class PodGCController: Sendable {
    let pods: ResourceClient<Pod>
    let nodes: ResourceClient<Node>
    let podInformer: Informer<Pod>
    let nodeInformer: Informer<Node>
    let configuration: ControllerManagerConfiguration
    let logger: Logger
    /// Nodes seen missing once, and when (upstream's quarantine before pods of a vanished node go).
    let missingNodes = Mutex<[String: Date]>([:])
    /// How long a node must stay missing (upstream's quarantineTime).
    let quarantine: TimeInterval = 40

    public init(transport: any APITransport, informers: SharedInformerFactory, configuration: ControllerManagerConfiguration, logger: Logger) {
        pods = ResourceClient<Pod>(transport: transport)
        nodes = ResourceClient<Node>(transport: transport)
        podInformer = informers.informer(for: Pod.self, indexers: PodIndexes.byNodeName)
        nodeInformer = informers.informer(for: Node.self)
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async {
        guard await podInformer.waitForSync(), await nodeInformer.waitForSync() else { return }
        while !Task.isCancelled {
            await collect(now: Date())
            try? await Task.sleep(for: configuration.podGCPeriod)
        }
    }

    func collect(now: Date) async {
        let all = podInformer.indexer.list()
        await collectTerminated(all)
        await collectTerminatingOutOfService(all)
        await collectOrphaned(all, now: now)
        for pod in all where pod.metadata?.deletionTimestamp != nil && (pod.spec?.nodeName ?? "").isEmpty {
            await forceDelete(pod, condition: nil)
        }
    }

    private func collectTerminated(_ all: [Pod]) async {
        let threshold = configuration.terminatedPodGCThreshold
        guard threshold > 0 else { return }
        let terminated = all.filter { ["Succeeded", "Failed"].contains($0.status?.phase ?? "") && $0.metadata?.deletionTimestamp == nil }
        guard terminated.count > threshold else { return }
        let oldestFirst = terminated.sorted {
            ($0.metadata?.creationTimestamp?.date ?? .distantPast, $0.key) < ($1.metadata?.creationTimestamp?.date ?? .distantPast, $1.key)
        }
        for pod in oldestFirst.prefix(terminated.count - threshold) {
            logger.info("deleting terminated pod over the threshold", metadata: ["pod": "\(pod.key)"])
            await forceDelete(pod, condition: nil)
        }
    }

    private func collectTerminatingOutOfService(_ all: [Pod]) async {
        for pod in all where pod.metadata?.deletionTimestamp != nil {
            guard let nodeName = pod.spec?.nodeName, !nodeName.isEmpty, let node = nodeInformer.indexer.get(key: nodeName) else { continue }
            let ready = node.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
            let outOfService = node.spec?.taints?.contains { $0.key == WellKnownTaint.outOfService && $0.effect == "NoExecute" } ?? false
            guard !ready, outOfService else { continue }
            logger.info("force-deleting terminating pod on out-of-service node", metadata: ["pod": "\(pod.key)", "node": "\(nodeName)"])
            await forceDelete(pod, condition: nil)
        }
    }

    private func collectOrphaned(_ all: [Pod], now: Date) async {
        let known = Set(nodeInformer.indexer.listKeys())
        var missing: Set<String> = []
        for pod in all {
            if let nodeName = pod.spec?.nodeName, !nodeName.isEmpty, !known.contains(nodeName) { missing.insert(nodeName) }
        }
        let due: [String] = missingNodes.withLock { seen in
            seen = seen.filter { missing.contains($0.key) }
            for name in missing where seen[name] == nil { seen[name] = now }
            return seen.filter { now.timeIntervalSince($0.value) >= quarantine }.map(\.key)
        }
        for name in due {
            // The informer may lag: ask the API server before deleting anything.
            do {
                _ = try await nodes.get(name)
                missingNodes.withLock { _ = $0.removeValue(forKey: name) }
                continue
            } catch let error as APIError where error.reason == .notFound {
            } catch {
                continue
            }
            for pod in all where pod.spec?.nodeName == name {
                logger.info("deleting pod of a deleted node", metadata: ["pod": "\(pod.key)", "node": "\(name)"])
                await forceDelete(pod, condition: ("DeletionByPodGC", "PodGC: node no longer exists"))
            }
        }
    }

    /// Marks a pod that has not finished Failed (with a DisruptionTarget condition when given) and deletes
    /// it without a grace period, as upstream's markFailedAndDeletePodWithCondition.
    private func forceDelete(_ pod: Pod, condition: (reason: String, message: String)?) async {
        let name = pod.metadata?.name ?? "", namespace = pod.metadata?.namespace
        let phase = pod.status?.phase ?? ""
        if phase != "Succeeded" && phase != "Failed" {
            var status: JSONValue = ["phase": "Failed"]
            if let condition {
                status["conditions"] = [["type": "DisruptionTarget", "status": "True", "reason": .string(condition.reason),
                                         "message": .string(condition.message), "lastTransitionTime": .string(Time.now().rfc3339)]]
            }
            _ = try? await pods.patch(name, namespace: namespace, type: .strategicMerge, body: ["status": status], subresource: "status")
        }
        var options = DeleteOptions(gracePeriodSeconds: 0)
        options.preconditions = Preconditions(uid: pod.metadata?.uid)
        do {
            _ = try await pods.delete(name, namespace: namespace, options: options)
        } catch {
            logger.debug("pod GC cannot delete pod", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
        }
    }
}
