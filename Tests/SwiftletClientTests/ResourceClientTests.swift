import SwiftletAPI
import SwiftletClient
import Testing

@Suite struct ResourceClientTests {
    @Test func createGetListWithSelectorsAndPages() async throws {
        try await InProcessServer.with { server in
            let cms = server.configMaps
            for (name, app) in [("a", "web"), ("b", "web"), ("c", "db")] {
                let created = try await cms.create(makeConfigMap(name, labels: ["app": app], data: ["k": name]))
                #expect(created.metadata?.uid != nil)
                #expect(created.metadata?.resourceVersion?.isEmpty == false)
            }
            let a = try await cms.get("a", namespace: "default")
            #expect(a.data == ["k": "a"])
            #expect(a.kind == "ConfigMap")

            let web = try await cms.list(namespace: "default", query: ListQuery(labelSelector: try LabelSelector.parse("app=web")))
            #expect(web.items.map { $0.metadata!.name! } == ["a", "b"])
            #expect(!web.resourceVersion.isEmpty)

            let notWeb = try await cms.list(namespace: "default", query: ListQuery(labelSelector: try LabelSelector.parse("app notin (web)")))
            #expect(notWeb.items.map { $0.metadata!.name! } == ["c"])

            let byName = try await cms.list(namespace: "default", query: ListQuery(fieldSelector: try FieldSelector.parse("metadata.name=b")))
            #expect(byName.items.map { $0.metadata!.name! } == ["b"])

            let first = try await cms.list(namespace: "default", query: ListQuery(labelSelector: try LabelSelector.parse("app"), limit: 2))
            #expect(first.items.count == 2)
            #expect(first.continueToken != nil)
            let second = try await cms.list(namespace: "default", query: ListQuery(labelSelector: try LabelSelector.parse("app"), limit: 2,
                                                                                  continueToken: first.continueToken))
            #expect(second.items.map { $0.metadata!.name! } == ["c"])
            #expect(second.continueToken == nil)

            let all = try await cms.listAll(namespace: "default", query: ListQuery(labelSelector: try LabelSelector.parse("app")), pageSize: 1)
            #expect(all.items.map { $0.metadata!.name! } == ["a", "b", "c"])

            let everywhere = try await cms.list()
            #expect(everywhere.items.count >= 3)
        }
    }

    @Test func errorsArriveAsTheServersAPIError() async throws {
        try await InProcessServer.with { server in
            await #expect {
                try await server.configMaps.get("missing", namespace: "default")
            } throws: { error in
                let e = error as! APIError
                return e.reason == .notFound && e.code == 404 && e.name == "missing" && e.message == #"configmaps "missing" not found"#
            }
            var invalid = makePod("p")
            invalid.spec?.containers = []
            await #expect {
                try await server.pods.create(invalid)
            } throws: { error in
                let e = error as! APIError
                return e.reason == .invalid && e.code == 422 && e.causes.contains { $0.field == "spec.containers" }
            }
            _ = try await server.configMaps.create(makeConfigMap("dup"))
            await #expect {
                try await server.configMaps.create(makeConfigMap("dup"))
            } throws: { error in (error as! APIError).reason == .alreadyExists }
            await #expect(throws: APIError.self) {
                try await server.configMaps.get("x")  // a namespaced resource needs a namespace
            }
        }
    }

    @Test func updatesCheckTheResourceVersion() async throws {
        try await InProcessServer.with { server in
            let created = try await server.configMaps.create(makeConfigMap("u", data: ["v": "1"]))
            var changed = created
            changed.data = ["v": "2"]
            let updated = try await server.configMaps.update(changed)
            #expect(updated.data == ["v": "2"])
            #expect(updated.metadata?.resourceVersion != created.metadata?.resourceVersion)
            var stale = created
            stale.data = ["v": "3"]
            await #expect {
                try await server.configMaps.update(stale)
            } throws: { error in
                let e = error as! APIError
                return e.reason == .conflict && e.message.contains("the object has been modified")
            }
        }
    }

    @Test func updateStatusChangesOnlyTheStatus() async throws {
        try await InProcessServer.with { server in
            var pod = try await server.pods.create(makePod("s"))
            pod.status?.phase = "Running"
            pod.spec?.activeDeadlineSeconds = 99
            let updated = try await server.pods.updateStatus(pod)
            #expect(updated.status?.phase == "Running")
            #expect(updated.spec?.activeDeadlineSeconds == nil)
        }
    }

    @Test func patchesOfEveryKind() async throws {
        try await InProcessServer.with { server in
            let cms = server.configMaps
            _ = try await cms.create(makeConfigMap("p", data: ["a": "1"]))
            let merged = try await cms.patch("p", namespace: "default", type: .merge, body: ["data": ["b": "2"]])
            #expect(merged.data == ["a": "1", "b": "2"])
            let strategic = try await cms.patch("p", namespace: "default", type: .strategicMerge, body: ["data": ["a": nil]])
            #expect(strategic.data == ["b": "2"])
            let jsonPatched = try await cms.patch("p", namespace: "default", type: .json,
                                                  body: [["op": "add", "path": "/metadata/labels", "value": ["x": "y"]]])
            #expect(jsonPatched.metadata?.labels == ["x": "y"])

            let applied = try await cms.apply(makeConfigMap("applied", data: ["owned": "yes"]), fieldManager: "tool-a")
            #expect(applied.data == ["owned": "yes"])
            #expect(applied.metadata?.managedFields?.contains { $0.manager == "tool-a" && $0.operation == "Apply" } == true)
            await #expect {
                try await cms.apply(makeConfigMap("applied", data: ["owned": "no"]), fieldManager: "tool-b")
            } throws: { error in (error as! APIError).reason == .conflict }
            let forced = try await cms.apply(makeConfigMap("applied", data: ["owned": "no"]), fieldManager: "tool-b", force: true)
            #expect(forced.data == ["owned": "no"])
        }
    }

    @Test func theFieldManagerComesFromTheComponentName() async throws {
        try await InProcessServer.with { server in
            let created = try await server.configMaps.create(makeConfigMap("m"))
            #expect(created.metadata?.managedFields?.first?.manager == "swiftlet-test")
            let named = try await server.configMaps.create(makeConfigMap("n"), query: WriteQuery(fieldManager: "explicit"))
            #expect(named.metadata?.managedFields?.first?.manager == "explicit")
            _ = try await server.configMaps.create(makeConfigMap("dry"), query: WriteQuery(dryRun: true))
            await #expect(throws: APIError.self) { try await server.configMaps.get("dry", namespace: "default") }
        }
    }

    @Test func deletesReturnWhatTheServerReturns() async throws {
        try await InProcessServer.with { server in
            _ = try await server.configMaps.create(makeConfigMap("d"))
            let answer = try await server.configMaps.delete("d", namespace: "default")
            #expect(answer == nil)
            _ = try await server.pods.create(makePod("d"))
            let pod = try await server.pods.delete("d", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 0))
            #expect(pod?.metadata?.name == "d")
            await #expect(throws: APIError.self) { try await server.pods.get("d", namespace: "default") }

            var held = makeConfigMap("held")
            held.metadata?.finalizers = ["example.com/hold"]
            let created = try await server.configMaps.create(held)
            await #expect {
                try await server.configMaps.delete("held", namespace: "default",
                                                   options: DeleteOptions(preconditions: Preconditions(uid: "not-the-uid")))
            } throws: { error in (error as! APIError).reason == .conflict }
            let terminating = try await server.configMaps.delete("held", namespace: "default",
                                                                 options: DeleteOptions(preconditions: Preconditions(uid: created.metadata?.uid)))
            #expect(terminating?.metadata?.deletionTimestamp != nil)

            for name in ["x1", "x2", "y1"] {
                _ = try await server.configMaps.create(makeConfigMap(name, labels: ["group": String(name.prefix(1))]))
            }
            let deleted = try await server.configMaps.deleteCollection(namespace: "default", query: ListQuery(labelSelector: try LabelSelector.parse("group=x")))
            #expect(Set(deleted.map { $0.metadata!.name! }) == ["x1", "x2"])
            let left = try await server.configMaps.list(namespace: "default", query: ListQuery(labelSelector: try LabelSelector.parse("group")))
            #expect(left.items.map { $0.metadata!.name! } == ["y1"])
        }
    }

    @Test func watchFromAListsResourceVersion() async throws {
        try await InProcessServer.with { server in
            _ = try await server.configMaps.create(makeConfigMap("before"))
            let list = try await server.configMaps.list(namespace: "default")
            let stream = try await server.configMaps.watch(namespace: "default", query: ListQuery(resourceVersion: list.resourceVersion))
            _ = try await server.configMaps.create(makeConfigMap("after"))
            _ = try await server.configMaps.patch("after", namespace: "default", type: .merge, body: ["data": ["x": "1"]])
            try await server.configMaps.delete("after", namespace: "default")
            var seen: [String] = []
            for try await event in stream {
                switch event {
                case .added(let cm): seen.append("added \(cm.metadata!.name!)")
                case .modified(let cm): seen.append("modified \(cm.metadata!.name!) \(cm.data ?? [:])")
                case .deleted(let cm): seen.append("deleted \(cm.metadata!.name!)")
                case .bookmark: continue
                }
                if seen.count == 3 { break }
            }
            #expect(seen == ["added after", #"modified after ["x": "1"]"#, "deleted after"])
        }
    }

    @Test func watchFromAnExpiredVersionFailsWithGone() async throws {
        try await InProcessServer.with(writesBeforePrime: 5) { server in
            let stream = try await server.configMaps.watch(namespace: "default", query: ListQuery(resourceVersion: "2"))
            await #expect {
                for try await _ in stream {}
            } throws: { error in
                let e = error as! APIError
                return e.code == 410 && e.reason == .expired
            }
        }
    }

    @Test func scaleBindingAndEvictionSubresources() async throws {
        try await InProcessServer.with { server in
            let deployments = ResourceClient<Deployment>(transport: server.transport)
            let labels = ["app": "web"]
            let deployment = Deployment(
                metadata: ObjectMeta(name: "web", namespace: "default"),
                spec: DeploymentSpec(replicas: 1, selector: MetaLabelSelector(matchLabels: labels),
                                     template: PodTemplateSpec(metadata: ObjectMeta(labels: labels),
                                                               spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main")]))))
            _ = try await deployments.create(deployment)
            var scale = try await deployments.getScale("web", namespace: "default")
            #expect(scale.spec?.replicas == 1)
            scale.spec?.replicas = 3
            let scaled = try await deployments.updateScale("web", namespace: "default", scale: scale)
            #expect(scaled.spec?.replicas == 3)
            #expect(try await deployments.get("web", namespace: "default").spec?.replicas == 3)

            _ = try await server.pods.create(makePod("bound"))
            try await server.pods.bind(Binding(metadata: ObjectMeta(name: "bound"), target: ObjectReference(kind: "Node", name: "node-1")),
                                       namespace: "default")
            #expect(try await server.pods.get("bound", namespace: "default").spec?.nodeName == "node-1")
            await #expect {
                try await server.pods.bind(Binding(metadata: ObjectMeta(name: "bound"), target: ObjectReference(kind: "Node", name: "node-2")),
                                           namespace: "default")
            } throws: { error in (error as! APIError).reason == .conflict }

            _ = try await server.pods.create(makePod("evicted"))
            try await server.pods.evict("evicted", namespace: "default")
            await #expect(throws: APIError.self) { try await server.pods.get("evicted", namespace: "default") }
        }
    }

    @Test func dynamicClientSpeaksJSON() async throws {
        try await InProcessServer.with { server in
            let resource = ResourceCatalog.resource(for: ConfigMap.groupVersionKind)!
            let dynamic = DynamicClient(transport: server.transport, resource: resource)
            let created = try await dynamic.create(["metadata": ["name": "dyn", "namespace": "default"], "data": ["a": "1"]])
            #expect(created["kind"] == "ConfigMap")
            var object = try await dynamic.get("dyn", namespace: "default")
            #expect(object["data"]?["a"] == "1")
            object["data"] = ["a": "2"]
            let updated = try await dynamic.update(object)
            #expect(updated["data"]?["a"] == "2")
            let patched = try await dynamic.patch("dyn", namespace: "default", type: .merge, body: ["data": ["b": "3"]])
            #expect(patched["data"]?["b"] == "3")
            let list = try await dynamic.list(namespace: "default")
            #expect(list.items.contains { $0["metadata"]?["name"] == "dyn" })
            let status = try await dynamic.delete("dyn", namespace: "default")
            #expect(status["kind"] == "Status")
        }
    }
}
