import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
@testable import SwiftletControllers
import SwiftletStore
import Synchronization
import Testing

/// A real API server on the memory store, the StatefulSet controller and the garbage collector, and a node played
/// by the test: it marks every pod Running and Ready unless the test holds that pod name back.
struct StatefulSetCluster {
    let transport: InProcessTransport
    let held: HeldPods
    var sets: ResourceClient<StatefulSet> { ResourceClient(transport: transport) }
    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }
    var claims: ResourceClient<PersistentVolumeClaim> { ResourceClient(transport: transport) }
    var revisions: ResourceClient<ControllerRevision> { ResourceClient(transport: transport) }
    var events: ResourceClient<Event> { ResourceClient(transport: transport) }

    /// Pod names the node leaves Pending and not ready.
    final class HeldPods: Sendable {
        let names = Mutex<Set<String>>([])
        func hold(_ names: String...) { self.names.withLock { $0.formUnion(names) } }
        func release(_ names: String...) { self.names.withLock { $0.subtract(names) } }
        func contains(_ name: String) -> Bool { names.withLock { $0.contains(name) } }
    }

    static func with(_ body: (StatefulSetCluster) async throws -> Void) async throws {
        let held = HeldPods()
        try await ControllerHarness.run(controllers: { transport, informers, logger in
            let controller = StatefulSetController(transport: transport, informers: informers, logger: logger)
            let garbageCollector = GarbageCollector(transport: transport, informers: informers, logger: logger)
            return [{ await controller.run() }, { await garbageCollector.run() }]
        }, node: { transport in
            // Every pod not held back (nor failed) turns Running and Ready.
            await ControllerHarness.markPodsReady(transport, stampTransition: true) { pod in
                pod.status?.phase == "Failed" || held.contains(pod.metadata?.name ?? "")
            }
        }) { try await body(StatefulSetCluster(transport: $0, held: held)) }
    }

    static func statefulSet(replicas: Int32, image: String = "nginx:1", policy: String? = nil, updateStrategy: StatefulSetUpdateStrategy? = nil,
                            claims: Bool = false, retention: StatefulSetPersistentVolumeClaimRetentionPolicy? = nil) -> StatefulSet {
        let claimTemplates = claims ? [PersistentVolumeClaim(
            metadata: ObjectMeta(name: "data"),
            spec: PersistentVolumeClaimSpec(accessModes: ["ReadWriteOnce"], resources: VolumeResourceRequirements(requests: ["storage": Quantity("1Gi")!])))] : nil
        return StatefulSet(
            metadata: ObjectMeta(name: "web", namespace: "default"),
            spec: StatefulSetSpec(persistentVolumeClaimRetentionPolicy: retention, podManagementPolicy: policy, replicas: replicas,
                                  selector: MetaLabelSelector(matchLabels: ["app": "web"]), serviceName: "nginx",
                                  template: PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]),
                                                            spec: PodSpec(containers: [Container(image: image, name: "c")])),
                                  updateStrategy: updateStrategy, volumeClaimTemplates: claimTemplates))
    }

    func create(_ set: StatefulSet) async throws {
        _ = try await sets.create(set, namespace: "default")
    }

    func setImage(_ image: String) async throws {
        let patch: JSONValue = ["spec": ["template": ["spec": ["containers": [["name": "c", "image": .string(image)]]]]]]
        _ = try await sets.patch("web", namespace: "default", type: .strategicMerge, body: patch)
    }

    func patchSpec(_ spec: JSONValue) async throws {
        _ = try await sets.patch("web", namespace: "default", type: .merge, body: ["spec": spec])
    }

    func set() async throws -> StatefulSet { try await sets.get("web", namespace: "default") }

    func pod(_ name: String) async throws -> Pod? {
        do {
            return try await pods.get(name, namespace: "default")
        } catch let error as APIError {
            if error.reason == .notFound { return nil }
            throw error
        }
    }

    func claim(_ name: String) async throws -> PersistentVolumeClaim? {
        do {
            return try await claims.get(name, namespace: "default")
        } catch let error as APIError {
            if error.reason == .notFound { return nil }
            throw error
        }
    }

    /// Pod names, sorted.
    func podNames() async throws -> [String] {
        try await pods.list(namespace: "default").items.compactMap(\.metadata?.name).sorted()
    }

    /// Every pod `web-0 … web-(n-1)` exists, runs `image` and is ready, no other pod exists, and the status says so.
    func isSettled(replicas: Int, image: String) async throws -> Bool {
        let s = try await set()
        let all = try await pods.list(namespace: "default").items
        guard all.count == replicas else { return false }
        for ordinal in 0..<replicas {
            guard let pod = all.first(where: { $0.metadata?.name == "web-\(ordinal)" }), pod.isReady, pod.metadata?.deletionTimestamp == nil,
                  pod.spec?.containers?.first?.image == image else { return false }
        }
        let status = s.status
        return status?.observedGeneration == s.metadata?.generation && status?.replicas == Int32(replicas)
            && (status?.readyReplicas ?? 0) == Int32(replicas) && (status?.availableReplicas ?? 0) == Int32(replicas)
    }

    /// Adds (or with `nil` removes) a finalizer that keeps the pod Terminating once deleted.
    func setFinalizer(_ pod: String, _ finalizer: String?) async throws {
        let value: JSONValue = finalizer.map { [.string($0)] } ?? .null
        _ = try await pods.patch(pod, namespace: "default", type: .merge, body: ["metadata": ["finalizers": value]])
    }

    func eventMessages() async throws -> [String] {
        try await events.list(namespace: "default").items.compactMap(\.message)
    }
}
