import Foundation
import Testing
@testable import SwiftletAPI
@testable import SwiftletAPIServer

@Suite struct APIServerTests {
    static func pod(_ name: String, labels: String = #"{"app":"a"}"#, node: String? = nil) -> String {
        let nodeField = node.map { #","nodeName":"\#($0)""# } ?? ""
        return #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","labels":\#(labels)},"spec":{"containers":[{"name":"c","image":"busybox:1.36"}]\#(nodeField)}}"#
    }

    @Test func discoveryListsEveryGroupAndShortNames() async throws {
        try await TestAPI.with { _, client in
            let api = try await client.call(.get, "/api/v1")
            #expect(api.status == 200)
            let resources = api.json["resources"]?.arrayValue ?? []
            let pods = resources.first { $0["name"] == "pods" }
            #expect(pods?["shortNames"] == ["po"])
            #expect(pods?["categories"] == ["all"])
            #expect(resources.contains { $0["name"] == "pods/status" })
            let groups = try await client.call(.get, "/apis")
            let names = groups.json["groups"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(names == ["apps", "batch", "coordination.k8s.io", "policy", "scheduling.k8s.io"])
            let aggregated = try await client.call(.get, "/apis", accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json")
            #expect(aggregated.headers[.contentType] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
            #expect(aggregated.json["kind"] == "APIGroupDiscoveryList")
            let version = try await client.call(.get, "/version")
            #expect(version.json["minor"] == "32")
            for field in ["major", "minor", "gitVersion", "gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"] {
                #expect(version.json[field] != nil)
            }
        }
    }

    @Test func podsGetDefaultsAndPendingStatus() async throws {
        try await TestAPI.with { _, client in
            let r = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("p"))
            #expect(r.status == 201)
            let pod = r.json
            #expect(pod["spec"]?["restartPolicy"] == "Always")
            #expect(pod["spec"]?["dnsPolicy"] == "ClusterFirst")
            #expect(pod["spec"]?["terminationGracePeriodSeconds"] == 30)
            #expect(pod["spec"]?["serviceAccountName"] == "default")
            #expect(pod["spec"]?["containers"]?[0]?["imagePullPolicy"] == "IfNotPresent")
            #expect(pod["status"]?["phase"] == "Pending")
            #expect(pod["status"]?["qosClass"] == "BestEffort")
            let tolerations = pod["spec"]?["tolerations"]?.arrayValue ?? []
            #expect(tolerations.contains { $0["key"] == "node.kubernetes.io/unreachable" && $0["tolerationSeconds"] == 300 })
        }
    }

    @Test func boundPodsDeleteGracefullyUnboundAtOnce() async throws {
        try await TestAPI.with { _, client in
            _ = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("bound", node: "n1"))
            _ = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("free"))
            let graceful = try await client.call(.delete, "/api/v1/namespaces/default/pods/bound")
            #expect(graceful.status == 200)
            #expect(graceful.json["metadata"]?["deletionTimestamp"] != nil)
            #expect(graceful.json["metadata"]?["deletionGracePeriodSeconds"] == 30)
            #expect(try await client.call(.get, "/api/v1/namespaces/default/pods/bound").status == 200)
            // The node confirms with grace period 0.
            let confirmed = try await client.call(.delete, "/api/v1/namespaces/default/pods/bound", #"{"gracePeriodSeconds":0}"#)
            #expect(confirmed.status == 200)
            #expect(try await client.call(.get, "/api/v1/namespaces/default/pods/bound").status == 404)
            let immediate = try await client.call(.delete, "/api/v1/namespaces/default/pods/free")
            #expect(immediate.status == 200)
            #expect(try await client.call(.get, "/api/v1/namespaces/default/pods/free").status == 404)
        }
    }

    @Test func finalizersHoldDeletionUntilRemoved() async throws {
        try await TestAPI.with { _, client in
            let cm = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"f","finalizers":["example.com/hold"]}}"#
            _ = try await client.call(.post, "/api/v1/namespaces/default/configmaps", cm)
            let deleting = try await client.call(.delete, "/api/v1/namespaces/default/configmaps/f")
            #expect(deleting.json["metadata"]?["deletionTimestamp"] != nil)
            #expect(try await client.call(.get, "/api/v1/namespaces/default/configmaps/f").status == 200)
            let patched = try await client.call(.patch, "/api/v1/namespaces/default/configmaps/f", #"{"metadata":{"finalizers":null}}"#,
                                                contentType: "application/merge-patch+json")
            #expect(patched.status == 200)
            #expect(try await client.call(.get, "/api/v1/namespaces/default/configmaps/f").status == 404)
        }
    }

    @Test func generationTracksSpecOnlyAndStatusIsASubresource() async throws {
        try await TestAPI.with { _, client in
            let rs = #"{"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"r"},"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i:1"}]}}},"status":{"replicas":9}}"#
            let created = try await client.call(.post, "/apis/apps/v1/namespaces/default/replicasets", rs)
            #expect(created.status == 201)
            #expect(created.json["metadata"]?["generation"] == 1)
            #expect(created.json["status"] == nil)
            let labeled = try await client.call(.patch, "/apis/apps/v1/namespaces/default/replicasets/r", #"{"metadata":{"labels":{"x":"y"}}}"#,
                                                contentType: "application/merge-patch+json")
            #expect(labeled.json["metadata"]?["generation"] == 1)
            let scaled = try await client.call(.patch, "/apis/apps/v1/namespaces/default/replicasets/r/scale", #"{"spec":{"replicas":3}}"#,
                                               contentType: "application/merge-patch+json")
            #expect(scaled.json["kind"] == "Scale")
            #expect(scaled.json["spec"]?["replicas"] == 3)
            #expect(scaled.json["status"]?["selector"] == "a=b")
            let status = try await client.call(.patch, "/apis/apps/v1/namespaces/default/replicasets/r/status", #"{"status":{"replicas":2}}"#,
                                               contentType: "application/merge-patch+json")
            #expect(status.json["status"]?["replicas"] == 2)
            let after = try await client.call(.get, "/apis/apps/v1/namespaces/default/replicasets/r")
            #expect(after.json["metadata"]?["generation"] == 2)
            #expect(after.json["spec"]?["replicas"] == 3)
            #expect(after.json["status"]?["replicas"] == 2)
            let negative = try await client.call(.put, "/apis/apps/v1/namespaces/default/replicasets/r/scale",
                                                 #"{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"r"},"spec":{"replicas":-1}}"#)
            #expect(negative.status == 422)
        }
    }

    @Test func selectorsFilterListsAndWatches() async throws {
        try await TestAPI.with { _, client in
            _ = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("a1", labels: #"{"app":"a"}"#))
            _ = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("b1", labels: #"{"app":"b"}"#, node: "n1"))
            let byLabel = try await client.call(.get, "/api/v1/namespaces/default/pods?labelSelector=app%3Db")
            #expect(byLabel.json["items"]?.arrayValue?.count == 1)
            let byField = try await client.call(.get, "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1")
            #expect(byField.json["items"]?[0]?["metadata"]?["name"] == "b1")
            let unsupported = try await client.call(.get, "/api/v1/pods?fieldSelector=spec.foo%3Dx")
            #expect(unsupported.status == 400)
            #expect(unsupported.json["message"] == "field label not supported: spec.foo")
            let badSelector = try await client.call(.get, "/api/v1/pods?labelSelector=app%20in%20x")
            #expect(badSelector.status == 400)
            let rv = byLabel.json["metadata"]?["resourceVersion"]?.stringValue ?? "0"
            // Relabelling a1 into the selection is an ADDED event for a watcher of app=b.
            _ = try await client.call(.patch, "/api/v1/namespaces/default/pods/a1", #"{"metadata":{"labels":{"app":"b"}}}"#,
                                      contentType: "application/merge-patch+json")
            let watch = try await client.call(.get, "/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Db&resourceVersion=\(rv)&timeoutSeconds=1")
            let events = watch.body.split(separator: "\n").map { (try? JSONParser.parse(String($0)))?["type"]?.stringValue ?? "" }
            #expect(events == ["ADDED"])
        }
    }

    @Test func watchListSendsInitialEventsThenABookmark() async throws {
        try await TestAPI.with { _, client in
            _ = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("w1"))
            _ = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("w2"))
            let r = try await client.call(.get, "/api/v1/namespaces/default/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1")
            let events = r.body.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            #expect(events.map { $0["type"]?.stringValue ?? "" } == ["ADDED", "ADDED", "BOOKMARK"])
            #expect(events.last?["object"]?["metadata"]?["annotations"]?["k8s.io/initial-events-end"] == "true")
            let invalid = try await client.call(.get, "/api/v1/namespaces/default/pods?watch=1&sendInitialEvents=true&timeoutSeconds=1")
            #expect(invalid.status == 422)
        }
    }

    @Test func tablesHaveUpstreamColumns() async throws {
        try await TestAPI.with { _, client in
            _ = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("t"))
            let table = try await client.call(.get, "/api/v1/namespaces/default/pods",
                                              accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
            #expect(table.json["kind"] == "Table")
            let columns = table.json["columnDefinitions"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            #expect(Array(columns.prefix(5)) == ["Name", "Ready", "Status", "Restarts", "Age"])
            #expect(table.json["columnDefinitions"]?[5]?["priority"] == 1)
            let cells = table.json["rows"]?[0]?["cells"]?.arrayValue ?? []
            #expect(cells.prefix(4) == ["t", "0/1", "Pending", "0"])
            #expect(table.json["rows"]?[0]?["object"]?["kind"] == "PartialObjectMetadata")
        }
    }

    @Test func namespaceDeletionRemovesItsContents() async throws {
        try await TestAPI.with { api, client in
            let controller = Task { await NamespaceController(registry: api.registry, logger: .init(label: "ns")).run() }
            defer { controller.cancel() }
            _ = try await client.call(.post, "/api/v1/namespaces", #"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"doomed"}}"#)
            _ = try await client.call(.post, "/api/v1/namespaces/doomed/configmaps", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#)
            let deleting = try await client.call(.delete, "/api/v1/namespaces/doomed")
            #expect(deleting.json["status"]?["phase"] == "Terminating")
            let refused = try await client.call(.post, "/api/v1/namespaces/doomed/configmaps", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d"}}"#)
            #expect(refused.status == 403 || refused.status == 404)
            var gone = false
            for _ in 0..<100 where !gone {
                try await Task.sleep(for: .milliseconds(100))
                gone = try await client.call(.get, "/api/v1/namespaces/doomed").status == 404
            }
            #expect(gone)
            #expect(try await client.call(.get, "/api/v1/namespaces/doomed/configmaps/c").status == 404)
        }
    }

    @Test func oversizedAndMalformedBodiesGetClearErrors() async throws {
        try await TestAPI.with { _, client in
            let big = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":""# + String(repeating: "x", count: 3 * 1024 * 1024 + 10) + #""}}"#
            let tooLarge = try await client.call(.post, "/api/v1/namespaces/default/configmaps", big)
            #expect(tooLarge.status == 413)
            let wrongKind = try await client.call(.post, "/api/v1/namespaces/default/configmaps", #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}"#)
            #expect(wrongKind.status == 400)
            let wrongVersion = try await client.call(.post, "/api/v1/namespaces/default/configmaps", #"{"apiVersion":"v2","kind":"ConfigMap","metadata":{"name":"x"}}"#)
            #expect(wrongVersion.status == 400)
            let yaml = try await client.call(.post, "/api/v1/namespaces/default/configmaps", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  a: \"1\"\n",
                                             contentType: "application/yaml")
            #expect(yaml.status == 201)
            #expect(yaml.json["data"]?["a"] == "1")
            let badYAML = try await client.call(.post, "/api/v1/namespaces/default/configmaps", "a: [1, 2", contentType: "application/yaml")
            #expect(badYAML.status == 400)
            let unknownResource = try await client.call(.get, "/api/v1/widgets")
            #expect(unknownResource.status == 404)
            let strict = try await client.call(.post, "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                                               #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"s"},"spec":{"foo":1}}"#)
            #expect(strict.status == 400)
            #expect(strict.json["message"] == #"strict decoding error: unknown field "spec""#)
            let warn = try await client.call(.post, "/api/v1/namespaces/default/configmaps?fieldValidation=Warn",
                                             #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w","bogus":1}}"#)
            #expect(warn.status == 201)
            #expect(warn.headers[values: .init("Warning")!].first?.contains(#"unknown field \"metadata.bogus\""#) == true)
            #expect(warn.json["metadata"]?["bogus"] == nil)
        }
    }
}
