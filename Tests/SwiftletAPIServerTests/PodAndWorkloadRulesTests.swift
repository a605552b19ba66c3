import SwiftletAPI
import Testing

@Suite struct GracefulDeletionTests {
    static let boundPod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","finalizers":["example.com/hold"]},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"busybox:1.36"}]}}"#

    /// A terminating pod keeps its grace period through status writes and the removal of its finalizer; only
    /// the node's final delete (grace 0) removes it, as upstream's shouldDeleteDuringUpdate decides.
    @Test func updatesDuringTheGracePeriodDoNotDelete() async throws {
        try await TestAPI.with { _, client in
            #expect(try await client.call(.post, "/api/v1/namespaces/default/pods", Self.boundPod).status == 201)
            #expect(try await client.call(.delete, "/api/v1/namespaces/default/pods/p").status == 200)
            let status = #"{"status":{"phase":"Running"}}"#
            let patched = try await client.call(.patch, "/api/v1/namespaces/default/pods/p/status", status, contentType: "application/merge-patch+json")
            #expect(patched.status == 200)
            let unfinalized = try await client.call(.patch, "/api/v1/namespaces/default/pods/p", #"{"metadata":{"finalizers":null}}"#,
                                                    contentType: "application/merge-patch+json")
            #expect(unfinalized.status == 200)
            let pod = try await client.call(.get, "/api/v1/namespaces/default/pods/p")
            #expect(pod.status == 200)
            #expect(pod.json["metadata"]?["deletionGracePeriodSeconds"] == 30)
            #expect(try await client.call(.delete, "/api/v1/namespaces/default/pods/p", #"{"gracePeriodSeconds":0}"#).status == 200)
            #expect(try await client.call(.get, "/api/v1/namespaces/default/pods/p").status == 404)
        }
    }

    /// Without a grace period, removing the last finalizer deletes the object.
    @Test func removingTheLastFinalizerDeletes() async throws {
        try await TestAPI.with { _, client in
            let cm = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","finalizers":["example.com/hold"]}}"#
            #expect(try await client.call(.post, "/api/v1/namespaces/default/configmaps", cm).status == 201)
            #expect(try await client.call(.delete, "/api/v1/namespaces/default/configmaps/c").status == 200)
            #expect(try await client.call(.get, "/api/v1/namespaces/default/configmaps/c").status == 200)
            _ = try await client.call(.patch, "/api/v1/namespaces/default/configmaps/c", #"{"metadata":{"finalizers":null}}"#,
                                      contentType: "application/merge-patch+json")
            #expect(try await client.call(.get, "/api/v1/namespaces/default/configmaps/c").status == 404)
        }
    }
}

@Suite struct SchedulingGateTests {
    @Test func gatesMayOnlyBeRemoved() async throws {
        try await TestAPI.with { _, client in
            let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"g"},"spec":{"schedulingGates":[{"name":"a"},{"name":"b"}],"containers":[{"name":"c","image":"busybox:1.36"}]}}"#
            #expect(try await client.call(.post, "/api/v1/namespaces/default/pods", pod).status == 201)
            let removed = try await client.call(.patch, "/api/v1/namespaces/default/pods/g", #"{"spec":{"schedulingGates":[{"name":"a"}]}}"#,
                                                contentType: "application/merge-patch+json")
            #expect(removed.status == 200)
            let added = try await client.call(.patch, "/api/v1/namespaces/default/pods/g", #"{"spec":{"schedulingGates":[{"name":"a"},{"name":"c"}]}}"#,
                                              contentType: "application/merge-patch+json")
            #expect(added.status == 422)
            #expect(added.body.contains("only deletion is allowed, but found new scheduling gate 'c'"))
        }
    }
}

@Suite struct StatefulSetClaimMountTests {
    /// A StatefulSet's containers may mount its claim templates by name; other unknown names stay invalid.
    @Test func claimTemplatesCountAsVolumes() async throws {
        try await TestAPI.with { _, client in
            func set(_ mount: String) -> String {
                #"{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db-\#(mount)"},"spec":{"serviceName":"db","selector":{"matchLabels":{"app":"db"}},"template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"busybox:1.36","volumeMounts":[{"name":"\#(mount)","mountPath":"/data"}]}]}},"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}}}}]}}"#
            }
            #expect(try await client.call(.post, "/apis/apps/v1/namespaces/default/statefulsets", set("data")).status == 201)
            let wrong = try await client.call(.post, "/apis/apps/v1/namespaces/default/statefulsets", set("other"))
            #expect(wrong.status == 422)
            #expect(wrong.body.contains(#"spec.template.spec.containers[0].volumeMounts[0].name: Not found: \"other\""#))
        }
    }
}

@Suite struct ContainerRestartPolicyTests {
    /// Only init containers may set a restartPolicy, and only Always (a native sidecar).
    @Test func onlyInitContainersMayBeSidecars() async throws {
        try await TestAPI.with { _, client in
            func pod(_ name: String, init initFields: String, main: String) -> String {
                #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)"},"spec":{"initContainers":[{"name":"proxy","image":"busybox:1.36"\#(initFields)}],"containers":[{"name":"c","image":"busybox:1.36"\#(main)}]}}"#
            }
            let sidecar = try await client.call(.post, "/api/v1/namespaces/default/pods",
                                                pod("ok", init: #","restartPolicy":"Always","readinessProbe":{"exec":{"command":["true"]}}"#, main: ""))
            #expect(sidecar.status == 201)
            let onMain = try await client.call(.post, "/api/v1/namespaces/default/pods", pod("main", init: "", main: #","restartPolicy":"Always""#))
            #expect(onMain.status == 422)
            #expect(onMain.body.contains("spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"))
            let never = try await client.call(.post, "/api/v1/namespaces/default/pods", pod("never", init: #","restartPolicy":"Never""#, main: ""))
            #expect(never.status == 422)
            #expect(never.body.contains(#"spec.initContainers[0].restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""#))
        }
    }
}

@Suite struct HostAliasValidationTests {
    /// hostAliases need an IP address and DNS-subdomain host names, as upstream's validateHostAliases says.
    @Test func aliasesNeedAnAddressAndHostNames() async throws {
        try await TestAPI.with { _, client in
            func pod(_ name: String, _ aliases: String) -> String {
                #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)"},"spec":{"hostAliases":\#(aliases),"containers":[{"name":"c","image":"busybox:1.36"}]}}"#
            }
            let good = try await client.call(.post, "/api/v1/namespaces/default/pods",
                                             pod("good", #"[{"ip":"10.1.2.3","hostnames":["db.local"]},{"ip":"2001:db8::1","hostnames":["v6.local"]}]"#))
            #expect(good.status == 201)
            let bad = try await client.call(.post, "/api/v1/namespaces/default/pods", pod("bad", #"[{"ip":"10.1.2","hostnames":["Not_A_Host"]}]"#))
            #expect(bad.status == 422)
            #expect(bad.body.contains(#"spec.hostAliases[0].ip: Invalid value: \"10.1.2\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"#),
                    "\(bad.body)")
            #expect(bad.body.contains(#"spec.hostAliases[0].hostnames[0]: Invalid value: \"Not_A_Host\""#), "\(bad.body)")
        }
    }
}
