import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
import SwiftletStore
import Synchronization
import Testing

/// An API server on the in-memory store, reached through `InProcessTransport` — no socket.
struct InProcessServer {
    let registry: ResourceRegistry
    let transport: InProcessTransport

    /// Runs `body` against a fresh server. `writesBeforePrime` advances the store's revision before the watch
    /// caches load, so that watches from older revisions get 410 Gone.
    static func with(writesBeforePrime: Int = 0, _ body: (InProcessServer) async throws -> Void) async throws {
        let logger = Logger(label: "test")
        let store = MemoryBackend()
        for i in 0..<writesBeforePrime {
            _ = try await store.create("/swiftlet-test/filler-\(i)", value: Array("{}".utf8))
        }
        let registry = ResourceRegistry(store: store, logger: logger)
        let start = try await registry.dispatcher.prime()
        let dispatcher = registry.dispatcher
        let task = Task { await dispatcher.run(from: start) }
        defer { task.cancel() }
        try await Bootstrap.ensureDefaults(registry: registry, logger: logger)
        let handler = APIRequestHandler(registry: registry, discovery: DiscoveryDocuments(resources: ResourceCatalog.all),
                                        serverAddress: { "127.0.0.1:6443" }, isReady: { true },
                                        openAPI: OpenAPIDocuments(resources: ResourceCatalog.all), logger: logger)
        try await body(InProcessServer(registry: registry, transport: InProcessTransport(handler: handler, identity: ClientIdentity(component: "test"))))
    }

    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }
    var configMaps: ResourceClient<ConfigMap> { ResourceClient(transport: transport) }
}

func makePod(_ name: String, namespace: String = "default", labels: [String: String]? = nil) -> Pod {
    Pod(metadata: ObjectMeta(labels: labels, name: name, namespace: namespace),
        spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main")]))
}

func makeConfigMap(_ name: String, namespace: String = "default", labels: [String: String]? = nil, data: [String: String] = [:]) -> ConfigMap {
    ConfigMap(metadata: ObjectMeta(labels: labels, name: name, namespace: namespace), data: data)
}

/// Waits until `condition` holds, polling; fails the test after `timeout`.
func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now > deadline {
            Issue.record("timed out waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// What an informer's handlers saw, as lines such as `add default/a`, `update default/a 5->6`, `tombstone default/b`.
final class EventRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func contains(_ line: String) -> Bool { all.contains(line) }

    func clear() { lines.withLock { $0.removeAll() } }

    func handler<Object: KubernetesObject>(for type: Object.Type = Object.self) -> ResourceEventHandler<Object> {
        ResourceEventHandler(
            onAdd: { object in self.record("add \(ObjectKey.of(object))") },
            onUpdate: { old, new in
                self.record("update \(ObjectKey.of(new)) \(old.metadata?.resourceVersion ?? "")->\(new.metadata?.resourceVersion ?? "")")
            },
            onDelete: { deleted in
                switch deleted {
                case .deleted(let object): self.record("delete \(ObjectKey.of(object))")
                case .finalStateUnknown(let key, _): self.record("tombstone \(key)")
                }
            })
    }

    private func record(_ line: String) {
        lines.withLock { $0.append(line) }
    }
}

/// A value shared between test tasks.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: Value { mutex.withLock { $0 } }
}
