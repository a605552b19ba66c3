import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletCRI
import Synchronization

/// The pods bound to this node, one worker task each, fed by an informer on `spec.nodeName=<node>`; on start
/// it removes the runtime's sandboxes and containers no pod owns any more (those of existing pods are adopted
/// by their workers).
final class PodWorkers: Sendable {
    let context: PodWorkerContext
    private let workers = Mutex<[String: PodWorker]>([:])
    /// Worker tasks to start, handed from the informer's callbacks to the task group that owns them.
    private let started: AsyncStream<PodWorker>
    private let starter: AsyncStream<PodWorker>.Continuation

    init(context: PodWorkerContext) {
        self.context = context
        (started, starter) = AsyncStream.makeStream()
    }

    /// How many pods have a worker.
    var count: Int { workers.withLock { $0.count } }

    func run() async throws {
        let informer = Informer(client: context.pods, fieldSelector: try FieldSelector.parse("spec.nodeName=\(context.nodeName)"),
                                logger: context.logger)
        _ = informer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] pod in self?.podChanged(pod) },
            onUpdate: { [weak self] _, pod in self?.podChanged(pod) },
            onDelete: { [weak self] deleted in self?.podGone(deleted.object) }))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await informer.run()
                context.logger.debug("pod informer stopped")
            }
            group.addTask { [self] in
                guard await informer.waitForSync() else { return }
                let owned = Set(informer.indexer.list().compactMap { $0.metadata?.uid })
                await removeOrphans(keeping: owned)
            }
            for await worker in started {
                group.addTask { [self] in
                    defer { context.logger.debug("pod worker stopped", metadata: ["uid": "\(worker.uid)"]) }
                    await worker.run()
                    workers.withLock { _ = $0.removeValue(forKey: worker.uid) }
                }
            }
            context.logger.debug("pod workers cancelled")
            group.cancelAll()
        }
    }

    func stop() { starter.finish() }

    private func podChanged(_ pod: Pod) {
        guard let uid = pod.metadata?.uid, pod.spec?.nodeName == context.nodeName else { return }
        let new = workers.withLock { workers -> PodWorker? in
            if let worker = workers[uid] {
                worker.deliver(pod)
                return nil
            }
            // Kubelet's admission: a pod new to the node must fit beside the active pods it runs.
            var rejection: PodAdmission.Rejection?
            if PodAdmission.needsAdmission(pod) {
                let admitted = workers.values.compactMap { $0.activePod }
                rejection = context.admission.rejection(of: pod, admitted: admitted)
            }
            let worker = PodWorker(pod: pod, context: context, rejection: rejection)
            workers[uid] = worker
            return worker
        }
        if let new { starter.yield(new) }
    }

    private func podGone(_ pod: Pod) {
        guard let uid = pod.metadata?.uid else { return }
        workers.withLock { $0[uid] }?.podRemoved()
    }

    /// Stops and removes sandboxes (and their containers) of pods that no longer exist, with their volumes.
    func removeOrphans(keeping owned: Set<String>) async {
        let runtime = context.runtime
        let managed = [RuntimeLabels.managedBy: RuntimeLabels.managedByValue]
        let sandboxes = (try? await runtime.listPodSandboxes(SandboxFilter(labelSelector: managed))) ?? []
        for sandbox in sandboxes {
            let uid = sandbox.labels[RuntimeLabels.podUID] ?? sandbox.metadata.uid
            if owned.contains(uid) || workers.withLock({ $0[uid] != nil }) { continue }
            context.logger.info("removing the sandbox of a pod that no longer exists",
                                metadata: ["sandbox": "\(sandbox.id)", "pod": "\(sandbox.metadata.namespace)/\(sandbox.metadata.name)"])
            for container in (try? await runtime.listContainers(ContainerFilter(sandboxID: sandbox.id))) ?? [] {
                try? await runtime.stopContainer(id: container.id, gracePeriod: .zero)
                try? await runtime.removeContainer(id: container.id)
            }
            try? await runtime.stopPodSandbox(id: sandbox.id)
            try? await runtime.removePodSandbox(id: sandbox.id)
            PodVolumes(dataDir: context.dataDir, uid: uid, transport: context.transport).tearDown()
            try? FileManager.default.removeItem(atPath: context.logDirectory(namespace: sandbox.metadata.namespace, name: sandbox.metadata.name, uid: uid))
        }
    }
}
