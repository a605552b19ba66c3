import SwiftletAPI
import SwiftletClient
import Testing

@Suite struct IndexerListerTests {
    static let byNode: IndexFunction<Pod> = { pod in pod.spec?.nodeName.map { [$0] } ?? [] }

    func pod(_ name: String, namespace: String, node: String? = nil, labels: [String: String]? = nil, rv: String = "1") -> Pod {
        var pod = makePod(name, namespace: namespace, labels: labels)
        pod.spec?.nodeName = node
        pod.metadata?.resourceVersion = rv
        return pod
    }

    @Test func keysAreNamespaceSlashName() {
        #expect(ObjectKey.of(pod("a", namespace: "ns")) == "ns/a")
        #expect(ObjectKey.of(Node(metadata: ObjectMeta(name: "n1"))) == "n1")
        #expect(ObjectKey.split("ns/a") == ("ns", "a"))
        #expect(ObjectKey.split("n1") == (nil, "n1"))
    }

    @Test func indexesFollowUpdatesAndDeletes() {
        let indexer = Indexer<Pod>(indexers: ["node": Self.byNode])
        indexer.upsert(pod("a", namespace: "ns1", node: "n1"))
        indexer.upsert(pod("b", namespace: "ns1", node: "n2"))
        indexer.upsert(pod("c", namespace: "ns2", node: "n1"))
        #expect(Set(indexer.byIndex("node", "n1").map { $0.metadata!.name! }) == ["a", "c"])
        #expect(Set(indexer.indexKeys(Indexer<Pod>.namespaceIndex, "ns1")) == ["ns1/a", "ns1/b"])

        let old = indexer.upsert(pod("a", namespace: "ns1", node: "n2", rv: "2"))
        #expect(old?.metadata?.resourceVersion == "1")
        #expect(indexer.byIndex("node", "n1").map { $0.metadata!.name! } == ["c"])
        #expect(Set(indexer.byIndex("node", "n2").map { $0.metadata!.name! }) == ["a", "b"])

        #expect(indexer.delete(key: "ns2/c") != nil)
        #expect(indexer.byIndex("node", "n1").isEmpty)
        #expect(!indexer.indexValues("node").contains("n1"))
        #expect(indexer.delete(key: "ns2/c") == nil)
        #expect(indexer.count == 2)
    }

    @Test func indexesAddedLaterCoverExistingObjects() {
        let indexer = Indexer<Pod>()
        indexer.upsert(pod("a", namespace: "ns", node: "n1"))
        indexer.addIndexers(["node": Self.byNode])
        #expect(indexer.byIndex("node", "n1").count == 1)
    }

    @Test func listerFiltersByNamespaceAndLabels() throws {
        let indexer = Indexer<Pod>()
        indexer.upsert(pod("web-1", namespace: "prod", labels: ["app": "web", "tier": "front"]))
        indexer.upsert(pod("web-2", namespace: "dev", labels: ["app": "web"]))
        indexer.upsert(pod("db-1", namespace: "prod", labels: ["app": "db"]))
        let lister = Lister(indexer: indexer)
        #expect(lister.list().count == 3)
        #expect(lister.list(namespace: "prod").count == 2)
        #expect(lister.list(namespace: "none").isEmpty)
        let web = try LabelSelector.parse("app=web")
        #expect(Set(lister.list(selector: web).map { ObjectKey.of($0) }) == ["prod/web-1", "dev/web-2"])
        #expect(lister.list(namespace: "prod", selector: web).map { ObjectKey.of($0) } == ["prod/web-1"])
        #expect(lister.list(namespace: "prod", selector: try LabelSelector.parse("app in (web,db),!tier")).map { ObjectKey.of($0) } == ["prod/db-1"])
        #expect(lister.list(selector: .nothing).isEmpty)
        #expect(lister.get("db-1", namespace: "prod")?.metadata?.labels?["app"] == "db")
        #expect(lister.get(key: "dev/web-2") != nil)
        #expect(lister.get("db-1", namespace: "dev") == nil)
    }
}
