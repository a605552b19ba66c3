import SwiftletAPI
@testable import SwiftletClient
import Testing

@Suite struct InformerTests {
    /// Runs `informer` while `body` runs, then cancels it.
    func running<T: Sendable>(_ service: some SharedInformerLike, _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await service.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    @Test func listsThenWatchesIntoTheCacheAndTellsTheHandlers() async throws {
        try await InProcessServer.with { server in
            _ = try await server.pods.create(makePod("a", labels: ["app": "web"]))
            _ = try await server.pods.create(makePod("b", labels: ["app": "db"]))
            let informer = Informer(client: server.pods, backoff: Backoff(initial: .milliseconds(20)))
            let recorder = EventRecorder()
            informer.addEventHandler(recorder.handler(for: Pod.self))
            #expect(!informer.hasSynced)
            try await running(informer) {
                #expect(await informer.waitForSync())
                #expect(informer.hasSynced)
                #expect(Set(recorder.all) == ["add default/a", "add default/b"])
                #expect(informer.lister.list(namespace: "default").count == 2)
                #expect(informer.lister.list(selector: try LabelSelector.parse("app=web")).map { $0.metadata!.name! } == ["a"])
                #expect(!informer.lastSyncResourceVersion.isEmpty)
                recorder.clear()

                let c = try await server.pods.create(makePod("c"))
                try await eventually("add c") { recorder.contains("add default/c") }
                #expect(informer.lister.get("c", namespace: "default")?.metadata?.uid == c.metadata?.uid)

                let a = try await server.pods.get("a", namespace: "default")
                let relabelled = try await server.pods.patch("a", namespace: "default", type: .merge, body: ["metadata": ["labels": ["app": "api"]]])
                let update = "update default/a \(a.metadata!.resourceVersion!)->\(relabelled.metadata!.resourceVersion!)"
                try await eventually("update a") { recorder.contains(update) }
                #expect(informer.lister.list(selector: try LabelSelector.parse("app=web")).isEmpty)
                #expect(informer.lastSyncResourceVersion == relabelled.metadata!.resourceVersion!)

                try await server.pods.delete("b", namespace: "default")
                try await eventually("delete b") { recorder.contains("delete default/b") }
                #expect(informer.lister.get("b", namespace: "default") == nil)
                #expect(recorder.all == ["add default/c", update, "delete default/b"])
            }
        }
    }

    @Test func selectorsAndNamespacesLimitWhatIsCached() async throws {
        try await InProcessServer.with { server in
            _ = try await server.pods.create(makePod("web", labels: ["app": "web"]))
            _ = try await server.pods.create(makePod("db", labels: ["app": "db"]))
            let informer = Informer(client: server.pods, namespace: "default", labelSelector: try LabelSelector.parse("app=web"))
            let recorder = EventRecorder()
            informer.addEventHandler(recorder.handler(for: Pod.self))
            try await running(informer) {
                #expect(await informer.waitForSync())
                #expect(informer.lister.list().map { $0.metadata!.name! } == ["web"])
                // A pod that stops matching leaves the cache as a delete.
                _ = try await server.pods.patch("web", namespace: "default", type: .merge, body: ["metadata": ["labels": ["app": "gone"]]])
                try await eventually("web leaves") { recorder.contains("delete default/web") }
                #expect(informer.lister.list().isEmpty)
            }
        }
    }

    @Test func handlersAddedWhileRunningFirstGetTheCachedObjects() async throws {
        try await InProcessServer.with { server in
            _ = try await server.configMaps.create(makeConfigMap("one"))
            let informer = Informer(client: server.configMaps, namespace: "default")
            try await running(informer) {
                #expect(await informer.waitForSync())
                let late = EventRecorder()
                let registration = informer.addEventHandler(late.handler(for: ConfigMap.self))
                try await eventually("replayed add") { late.contains("add default/one") }
                _ = try await server.configMaps.create(makeConfigMap("two"))
                try await eventually("live add") { late.contains("add default/two") }
                informer.removeEventHandler(registration)
                _ = try await server.configMaps.create(makeConfigMap("three"))
                try await eventually("cached") { informer.lister.get("three", namespace: "default") != nil }
                #expect(!late.contains("add default/three"))
            }
        }
    }

    @Test func resyncRedeliversEveryObjectAsAnUpdate() async throws {
        try await InProcessServer.with { server in
            let created = try await server.configMaps.create(makeConfigMap("r"))
            let informer = Informer(client: server.configMaps, namespace: "default", resyncPeriod: .milliseconds(100))
            let recorder = EventRecorder()
            informer.addEventHandler(recorder.handler(for: ConfigMap.self))
            try await running(informer) {
                #expect(await informer.waitForSync())
                let rv = created.metadata!.resourceVersion!
                try await eventually("two resyncs") { recorder.all.filter { $0 == "update default/r \(rv)->\(rv)" }.count >= 2 }
            }
        }
    }

    @Test func customIndexesServeLookups() async throws {
        try await InProcessServer.with { server in
            _ = try await server.pods.create(makePod("p1"))
            _ = try await server.pods.create(makePod("p2"))
            let informer = Informer(client: server.pods, indexers: ["nodeName": { pod in pod.spec?.nodeName.map { [$0] } ?? [] }])
            try await running(informer) {
                #expect(await informer.waitForSync())
                #expect(informer.lister.byIndex("nodeName", "node-1").isEmpty)
                try await server.pods.bind(Binding(metadata: ObjectMeta(name: "p1"), target: ObjectReference(kind: "Node", name: "node-1")),
                                           namespace: "default")
                try await eventually("indexed by node") { informer.lister.byIndex("nodeName", "node-1").count == 1 }
                #expect(informer.lister.byIndex("nodeName", "node-1").first?.metadata?.name == "p1")
            }
        }
    }

    @Test func aBrokenWatchResumesFromTheLastResourceVersionIncludingBookmarks() async throws {
        try await InProcessServer.with { server in
            let transport = ControllableTransport(server.transport)
            let pods = ResourceClient<Pod>(transport: transport)
            _ = try await server.pods.create(makePod("a"))
            let informer = Informer(client: pods, backoff: Backoff(initial: .milliseconds(20)))
            let recorder = EventRecorder()
            informer.addEventHandler(recorder.handler(for: Pod.self))
            try await running(informer) {
                #expect(await informer.waitForSync())
                try await eventually("watch open") { transport.openWatchCount == 1 }
                // Move the global revision on with another kind, then tell the informer through a bookmark.
                let other = try await server.configMaps.create(makeConfigMap("elsewhere"))
                let bookmarked = other.metadata!.resourceVersion!
                transport.inject(WatchEvent(.bookmark, ["kind": "Pod", "apiVersion": "v1", "metadata": ["resourceVersion": .string(bookmarked)]]))
                try await eventually("bookmark seen") { informer.lastSyncResourceVersion == bookmarked }

                transport.breakWatches()
                try await eventually("re-watched") { transport.watchResourceVersions.count == 2 }
                #expect(transport.watchResourceVersions.last == bookmarked)
                #expect(transport.listCount == 1)
                _ = try await server.pods.create(makePod("b"))
                try await eventually("add b after resume") { recorder.contains("add default/b") }
            }
        }
    }

    @Test func aWatchGoneWith410ReListsAndReportsMissedDeletesAsTombstones() async throws {
        try await InProcessServer.with(writesBeforePrime: 5) { server in
            let transport = ControllableTransport(server.transport)
            let pods = ResourceClient<Pod>(transport: transport)
            _ = try await server.pods.create(makePod("a"))
            _ = try await server.pods.create(makePod("b"))
            let informer = Informer(client: pods, backoff: Backoff(initial: .milliseconds(20)))
            let recorder = EventRecorder()
            informer.addEventHandler(recorder.handler(for: Pod.self))
            try await running(informer) {
                #expect(await informer.waitForSync())
                try await eventually("watch open") { transport.openWatchCount == 1 }
                recorder.clear()

                // The watch drops, and its resumption asks for a revision the server's cache no longer has.
                transport.holdLists()
                transport.expireWatches(from: "2")
                transport.breakWatches()
                // While the informer is blind, b goes away and c arrives.
                try await server.pods.delete("b", namespace: "default")
                _ = try await server.pods.create(makePod("c"))
                try await eventually("re-list requested") { transport.heldListCount == 1 }
                #expect(transport.expiredWatchCount >= 1)
                #expect(recorder.all.isEmpty)
                transport.releaseLists()

                try await eventually("tombstone for b") { recorder.contains("tombstone default/b") }
                try await eventually("add c") { recorder.contains("add default/c") }
                #expect(recorder.all.contains { $0.hasPrefix("update default/a ") })
                #expect(Set(informer.lister.list().map { $0.metadata!.name! }) == ["a", "c"])
                #expect(transport.listCount == 2)

                // Watching goes on normally after the re-list.
                _ = try await server.pods.create(makePod("d"))
                try await eventually("add d") { recorder.contains("add default/d") }
            }
        }
    }

    @Test func theFactorySharesOneInformerPerKind() async throws {
        try await InProcessServer.with { server in
            let factory = SharedInformerFactory(transport: server.transport, namespace: "default")
            let pods = factory.informer(for: Pod.self)
            #expect(pods === factory.informer(for: Pod.self))
            _ = try await server.configMaps.create(makeConfigMap("cm"))
            try await running(factory) {
                #expect(await factory.waitForCacheSync())
                _ = try await server.pods.create(makePod("p"))
                try await eventually("pod cached") { pods.lister.get("p", namespace: "default") != nil }
                // An informer asked for while the factory runs starts too.
                let configMaps = factory.informer(for: ConfigMap.self, indexers: ["data-keys": { cm in Array(cm.data?.keys ?? [:].keys) }])
                #expect(await factory.waitForCacheSync())
                #expect(configMaps.hasSynced)
                #expect(configMaps.lister.get("cm", namespace: "default") != nil)
                #expect(factory.hasSynced)
            }
        }
    }

    @Test func waitForSyncEndsWhenCancelled() async throws {
        let informer = Informer(client: ResourceClient<Pod>(transport: UnreachableTransport()))
        let waiter = Task { await informer.waitForSync() }
        try await Task.sleep(for: .milliseconds(20))
        waiter.cancel()
        #expect(await waiter.value == false)
    }

    @Test func failingListsAreRetriedUntilCancelled() async throws {
        let transport = UnreachableTransport()
        let informer = Informer(client: ResourceClient<Pod>(transport: transport), backoff: Backoff(initial: .milliseconds(5), jitter: 0))
        let task = Task { await informer.run() }
        try await eventually("retries") { transport.attempts >= 3 }
        task.cancel()
        await task.value
        #expect(!informer.hasSynced)
    }
}

/// What the tests run as services.
protocol SharedInformerLike: Sendable {
    func run() async
}

extension Informer: SharedInformerLike {}
extension SharedInformerFactory: SharedInformerLike {}

/// A transport whose every request fails, as with the server down.
final class UnreachableTransport: APITransport {
    private let count = Locked(0)
    var attempts: Int { count.value }

    func send(_ request: APIRequest) async throws -> APIResponse {
        count.withLock { $0 += 1 }
        throw APIError(.serviceUnavailable, "connection refused")
    }

    func watch(_ request: APIRequest) async throws -> AsyncThrowingStream<WatchEvent, any Error> {
        count.withLock { $0 += 1 }
        throw APIError(.serviceUnavailable, "connection refused")
    }
}
