import SwiftletAPI
import Testing

@Suite struct PriorityAdmissionTests {
    static func pod(_ name: String, spec extra: String = "") -> String {
        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)"},"spec":{\#(extra)"containers":[{"name":"c","image":"busybox:1.36"}]}}"#
    }

    @Test func priorityComesFromTheClassOrTheGlobalDefault() async throws {
        try await TestAPI.with { _, client in
            let plain = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("plain"))
            #expect(plain.json["spec"]?["priority"] == 0)
            #expect(plain.json["spec"]?["preemptionPolicy"] == "PreemptLowerPriority")

            let critical = try await client.call(.post, "/api/v1/namespaces/default/pods",
                                                 Self.pod("critical", spec: #""priorityClassName":"system-cluster-critical","#))
            #expect(critical.status == 201)
            #expect(critical.json["spec"]?["priority"] == 2_000_000_000)

            let high = #"{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"high"},"value":1000,"preemptionPolicy":"Never"}"#
            #expect(try await client.call(.post, "/apis/scheduling.k8s.io/v1/priorityclasses", high).status == 201)
            let withClass = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("high", spec: #""priorityClassName":"high","#))
            #expect(withClass.json["spec"]?["priority"] == 1000)
            #expect(withClass.json["spec"]?["preemptionPolicy"] == "Never")

            let global = #"{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"everyone"},"value":7,"globalDefault":true}"#
            #expect(try await client.call(.post, "/apis/scheduling.k8s.io/v1/priorityclasses", global).status == 201)
            let defaulted = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("defaulted"))
            #expect(defaulted.json["spec"]?["priority"] == 7)
            #expect(defaulted.json["spec"]?["priorityClassName"] == "everyone")
        }
    }

    @Test func unknownClassOrConflictingPriorityIsForbidden() async throws {
        try await TestAPI.with { _, client in
            let missing = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("m", spec: #""priorityClassName":"nope","#))
            #expect(missing.status == 403)
            #expect(missing.json["message"] == #"pods "m" is forbidden: no PriorityClass with name nope was found"#)
            let given = try await client.call(.post, "/api/v1/namespaces/default/pods", Self.pod("g", spec: #""priority":5,"#))
            #expect(given.status == 403)
            #expect(given.json["message"]?.stringValue?.contains("the integer value of priority (5) must not be provided in pod spec") == true)
            #expect(try await client.call(.get, "/api/v1/namespaces/default/pods/g").status == 404)
        }
    }
}
