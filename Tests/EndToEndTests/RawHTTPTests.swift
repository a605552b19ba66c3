import Foundation
import Testing

/// What kubectl does not reach: conflicts, watch resumption, 410 Gone, pagination, durability across restarts.
@Suite(.serialized)
struct RawHTTPTests {
    static func configMap(_ name: String, _ value: String = "1") -> String {
        #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"\#(name)"},"data":{"k":"\#(value)"}}"#
    }

    @Test func staleResourceVersionConflicts() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let (created, status) = try await HTTP.request("POST", server.url("/api/v1/namespaces/default/configmaps"), body: Self.configMap("c"))
        #expect(status == 201)
        let rv = ((try HTTP.json(created))["metadata"] as? [String: Any])?["resourceVersion"] as? String
        #expect(rv != nil)
        let update = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","resourceVersion":"\#(rv!)"},"data":{"k":"2"}}"#
        let (_, s1) = try await HTTP.request("PUT", server.url("/api/v1/namespaces/default/configmaps/c"), body: update)
        #expect(s1 == 200)
        let (body, s2) = try await HTTP.request("PUT", server.url("/api/v1/namespaces/default/configmaps/c"), body: update)
        #expect(s2 == 409)
        let statusObject = try HTTP.json(body)
        #expect(statusObject["reason"] as? String == "Conflict")
        #expect((statusObject["message"] as? String)?.contains("the object has been modified") == true)
        #expect(body.hasSuffix("\n"))

        let (dup, s3) = try await HTTP.request("POST", server.url("/api/v1/namespaces/default/configmaps"), body: Self.configMap("c"))
        #expect(s3 == 409)
        #expect(try HTTP.json(dup)["reason"] as? String == "AlreadyExists")
        let (missing, s4) = try await HTTP.get(server.url("/api/v1/namespaces/default/configmaps/nope"))
        #expect(s4 == 404)
        #expect(missing == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \"nope\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404}"# + "\n")
        let (_, s5) = try await HTTP.request("POST", server.url("/api/v1/namespaces/nowhere/configmaps"), body: Self.configMap("c"))
        #expect(s5 == 404)
        let (_, s6) = try await HTTP.request("POST", server.url("/api/v1/namespaces/default/configmaps"), body: "{not json")
        #expect(s6 == 400)
    }

    @Test func watchFromARevisionReplaysOnlyNewerChanges() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let base = "/api/v1/namespaces/default/configmaps"
        let (created, _) = try await HTTP.request("POST", server.url(base), body: Self.configMap("w", "1"))
        let rv1 = ((try HTTP.json(created))["metadata"] as? [String: Any])?["resourceVersion"] as? String ?? ""
        _ = try await HTTP.request("PATCH", server.url(base + "/w"), body: #"{"data":{"k":"2"}}"#, contentType: "application/merge-patch+json")
        _ = try await HTTP.request("DELETE", server.url(base + "/w"))
        let (stream, status) = try await HTTP.get(server.url(base + "?watch=1&resourceVersion=\(rv1)&timeoutSeconds=1"))
        #expect(status == 200)
        let types = stream.split(separator: "\n").compactMap { try? HTTP.json(String($0))["type"] as? String }
        #expect(types == ["MODIFIED", "DELETED"])

        // Without a resourceVersion the watch starts with the current state.
        _ = try await HTTP.request("POST", server.url(base), body: Self.configMap("x"))
        let (initial, _) = try await HTTP.get(server.url(base + "?watch=1&timeoutSeconds=1"))
        let initialTypes = initial.split(separator: "\n").compactMap { try? HTTP.json(String($0))["type"] as? String }
        #expect(initialTypes == ["ADDED"])
    }

    @Test func paginationWithLimitAndContinue() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        for i in 0..<5 {
            _ = try await HTTP.request("POST", server.url("/api/v1/namespaces/default/configmaps"), body: Self.configMap("p\(i)"))
        }
        var names: [String] = []
        var token: String? = nil
        var pages = 0
        repeat {
            var path = "/api/v1/namespaces/default/configmaps?limit=2"
            if let token { path += "&continue=" + token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
            let (body, status) = try await HTTP.get(server.url(path))
            #expect(status == 200)
            let list = try HTTP.json(body)
            let items = list["items"] as? [[String: Any]] ?? []
            #expect(items.count <= 2)
            names += items.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
            token = (list["metadata"] as? [String: Any])?["continue"] as? String
            if pages == 0 { #expect((list["metadata"] as? [String: Any])?["remainingItemCount"] as? Int == 3) }
            pages += 1
        } while token != nil && pages < 10
        #expect(pages == 3)
        #expect(names == ["p0", "p1", "p2", "p3", "p4"])
        let (_, bad) = try await HTTP.get(server.url("/api/v1/namespaces/default/configmaps?limit=2&continue=garbage"))
        #expect(bad == 400)
    }

    @Test func serverSideApplyOwnsFieldsAndReportsConflicts() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let path = "/api/v1/namespaces/default/configmaps/ssa"
        let applyA = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{"a":"1","shared":"x"}}"#
        let (created, s1) = try await HTTP.request("PATCH", server.url(path + "?fieldManager=alice"), body: applyA,
                                                   contentType: "application/apply-patch+yaml")
        #expect(s1 == 201)
        let managed = (try HTTP.json(created)["metadata"] as? [String: Any])?["managedFields"] as? [[String: Any]]
        #expect(managed?.first?["manager"] as? String == "alice")
        #expect(managed?.first?["operation"] as? String == "Apply")
        // Bob sets a field Alice owns to another value: 409 naming the field and its manager.
        let applyB = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  shared: y\n"
        let (conflict, s2) = try await HTTP.request("PATCH", server.url(path + "?fieldManager=bob"), body: applyB,
                                                    contentType: "application/apply-patch+yaml")
        #expect(s2 == 409)
        let status = try HTTP.json(conflict)
        #expect(status["reason"] as? String == "Conflict")
        #expect((status["message"] as? String)?.contains(#"conflict with "alice""#) == true)
        let causes = (status["details"] as? [String: Any])?["causes"] as? [[String: Any]]
        #expect(causes?.first?["field"] as? String == ".data.shared")
        #expect(causes?.first?["reason"] as? String == "FieldManagerConflict")
        // Forced, Bob takes the field over.
        let (_, s3) = try await HTTP.request("PATCH", server.url(path + "?fieldManager=bob&force=true"), body: applyB,
                                             contentType: "application/apply-patch+yaml")
        #expect(s3 == 200)
        // Alice drops "a" from her configuration: the field goes.
        let (after, _) = try await HTTP.request("PATCH", server.url(path + "?fieldManager=alice"),
                                                body: #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ssa"},"data":{}}"#,
                                                contentType: "application/apply-patch+yaml")
        let data = try HTTP.json(after)["data"] as? [String: String]
        #expect(data == ["shared": "y"])
        let (_, noManager) = try await HTTP.request("PATCH", server.url(path), body: applyA, contentType: "application/apply-patch+yaml")
        #expect(noManager == 422)
    }

    @Test func continueTokensExpireWithCompaction() async throws {
        let server = try ServerProcess()
        try await server.start(extraArguments: ["--etcd-compaction-interval", "1s"])
        defer { server.stop() }
        for i in 0..<5 {
            _ = try await HTTP.request("POST", server.url("/api/v1/namespaces/default/configmaps"), body: Self.configMap("e\(i)"))
        }
        let (first, _) = try await HTTP.get(server.url("/api/v1/namespaces/default/configmaps?limit=2"))
        let token = try #require((try HTTP.json(first)["metadata"] as? [String: Any])?["continue"] as? String)
        // More than the 1,000 revisions the compactor always keeps, then a few compaction intervals.
        for i in 0..<1100 {
            _ = try await HTTP.request("PATCH", server.url("/api/v1/namespaces/default/configmaps/e0"), body: #"{"data":{"k":"\#(i)"}}"#,
                                       contentType: "application/merge-patch+json")
        }
        try await Task.sleep(for: .seconds(3))
        let escaped = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let (body, status) = try await HTTP.get(server.url("/api/v1/namespaces/default/configmaps?limit=2&continue=\(escaped)"))
        #expect(status == 410)
        let object = try HTTP.json(body)
        #expect(object["reason"] as? String == "Expired")
        #expect((object["message"] as? String)?.contains("The provided continue parameter is too old") == true)
    }

    @Test func everyAcknowledgedWriteSurvivesRestartAndKill() async throws {
        let server = try ServerProcess()
        try await server.start()
        for i in 0..<20 {
            let (_, status) = try await HTTP.request("POST", server.url("/api/v1/namespaces/default/configmaps"), body: Self.configMap("d\(i)"))
            #expect(status == 201)
        }
        server.stop(signal: SIGTERM)
        try await server.start()
        var (body, _) = try await HTTP.get(server.url("/api/v1/namespaces/default/configmaps"))
        #expect((try HTTP.json(body)["items"] as? [Any])?.count == 20)
        for i in 20..<40 {
            let (_, status) = try await HTTP.request("POST", server.url("/api/v1/namespaces/default/configmaps"), body: Self.configMap("d\(i)"))
            #expect(status == 201)
        }
        server.stop(signal: SIGKILL)
        try await server.start()
        (body, _) = try await HTTP.get(server.url("/api/v1/namespaces/default/configmaps"))
        #expect((try HTTP.json(body)["items"] as? [Any])?.count == 40)

        // A watch from before the restart is too old: one ERROR event carrying 410 Expired.
        let (stream, status) = try await HTTP.get(server.url("/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=2&timeoutSeconds=1"))
        #expect(status == 200)
        let event = try HTTP.json(String(stream.split(separator: "\n").first ?? ""))
        #expect(event["type"] as? String == "ERROR")
        let object = event["object"] as? [String: Any]
        #expect(object?["code"] as? Int == 410)
        #expect(object?["reason"] as? String == "Expired")
        server.stop()
    }
}
