import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftletAPI
@testable import SwiftletAPIServer

/// The eviction subresource against PodDisruptionBudgets whose status the test writes itself.
@Suite struct EvictionTests {
    static let pods = "/api/v1/namespaces/default/pods"
    static let budgets = "/apis/policy/v1/namespaces/default/poddisruptionbudgets"

    /// A pod labelled app=web, bound to a node (so deletion is graceful) unless `bound` is false.
    static func makePod(_ client: some TestClientProtocol, _ name: String, phase: String = "Running", ready: Bool = true,
                        bound: Bool = true) async throws {
        let node = bound ? #","nodeName":"n1""# : ""
        let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"busybox:1.36"}]\#(node)}}"#
        #expect(try await client.call(.post, pods, pod).status == 201)
        let status = #"{"status":{"phase":"\#(phase)","conditions":[{"type":"Ready","status":"\#(ready ? "True" : "False")"}]}}"#
        #expect(try await client.call(.patch, "\(pods)/\(name)/status", status, contentType: "application/merge-patch+json").status == 200)
    }

    /// A budget selecting app=web with the given status; `observed` nil leaves observedGeneration at the generation.
    static func makeBudget(_ client: some TestClientProtocol, _ name: String = "pdb", spec: String = #""minAvailable":2"#,
                           allowed: Int, current: Int = 2, desired: Int = 2, observed: Int? = nil) async throws {
        let budget = #"{"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"\#(name)"},"spec":{\#(spec),"selector":{"matchLabels":{"app":"web"}}}}"#
        let created = try await client.call(.post, budgets, budget)
        #expect(created.status == 201)
        let generation = created.json["metadata"]?["generation"]?.intValue ?? 1
        let status = #"{"status":{"observedGeneration":\#(observed ?? Int(generation)),"disruptionsAllowed":\#(allowed),"currentHealthy":\#(current),"desiredHealthy":\#(desired),"expectedPods":3}}"#
        #expect(try await client.call(.patch, "\(budgets)/\(name)/status", status, contentType: "application/merge-patch+json").status == 200)
    }

    static func evict(_ client: some TestClientProtocol, _ name: String, _ deleteOptions: String? = nil) async throws -> Reply {
        let options = deleteOptions.map { #","deleteOptions":\#($0)"# } ?? ""
        return try await client.call(.post, "\(pods)/\(name)/eviction",
                                     #"{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"\#(name)"}\#(options)}"#)
    }

    @Test func withoutBudgetThePodIsDeleted() async throws {
        try await TestAPI.with { _, client in
            try await Self.makePod(client, "free", bound: false)
            let reply = try await Self.evict(client, "free")
            #expect(reply.status == 201)
            #expect(reply.json["status"] == "Success")
            #expect(try await client.call(.get, "\(Self.pods)/free").status == 404)
            #expect(try await Self.evict(client, "free").status == 404)
        }
    }

    @Test func budgetWithNoDisruptionsLeftRefusesWith429() async throws {
        try await TestAPI.with { _, client in
            try await Self.makePod(client, "p")
            try await Self.makeBudget(client, allowed: 0)
            let reply = try await Self.evict(client, "p")
            #expect(reply.status == 429)
            #expect(reply.json["reason"] == "TooManyRequests")
            #expect(reply.json["message"] == "Cannot evict pod as it would violate the pod's disruption budget.")
            #expect(reply.json["details"]?["causes"]?[0]?["reason"] == "DisruptionBudget")
            #expect(reply.json["details"]?["causes"]?[0]?["message"] == "The disruption budget pdb needs 2 healthy pods and has 2 currently")
            #expect(reply.json["details"]?["retryAfterSeconds"] == nil)
            let pod = try await client.call(.get, "\(Self.pods)/p")
            #expect(pod.status == 200 && pod.json["metadata"]?["deletionTimestamp"] == nil)
        }
    }

    @Test func approvedEvictionSpendsADisruptionAndRecordsThePod() async throws {
        try await TestAPI.with { _, client in
            try await Self.makePod(client, "p")
            try await Self.makeBudget(client, allowed: 1, current: 3)
            let reply = try await Self.evict(client, "p")
            #expect(reply.status == 201)
            let budget = try await client.call(.get, "\(Self.budgets)/pdb").json
            #expect(budget["status"]?["disruptionsAllowed"] == 0)
            #expect(budget["status"]?["disruptedPods"]?["p"]?.stringValue != nil)
            let condition = budget["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "DisruptionAllowed" }
            #expect(condition?["status"] == "False" && condition?["reason"] == "InsufficientPods")
            // Bound, so the deletion is graceful; the pod carries the DisruptionTarget condition.
            let pod = try await client.call(.get, "\(Self.pods)/p").json
            #expect(pod["metadata"]?["deletionTimestamp"] != nil)
            let target = pod["status"]?["conditions"]?.arrayValue?.first { $0["type"] == "DisruptionTarget" }
            #expect(target?["reason"] == "EvictionByEvictionAPI" && target?["message"] == "Eviction API: evicting")

            try await Self.makePod(client, "q")
            let refused = try await Self.evict(client, "q")
            #expect(refused.status == 429)
        }
    }

    @Test func budgetNotYetObservedRefusesWithRetryAfter() async throws {
        try await TestAPI.with { _, client in
            try await Self.makePod(client, "p")
            try await Self.makeBudget(client, allowed: 5, observed: 0)
            let reply = try await Self.evict(client, "p")
            #expect(reply.status == 429)
            #expect(reply.json["details"]?["causes"]?[0]?["message"] == "The disruption budget pdb is still being processed by the server.")
            #expect(reply.json["details"]?["retryAfterSeconds"] == 10)
            #expect(reply.headers[.retryAfter] == "10")
        }
    }

    @Test func moreThanOneBudgetIsAnError() async throws {
        try await TestAPI.with { _, client in
            try await Self.makePod(client, "p")
            try await Self.makeBudget(client, "a", allowed: 1)
            try await Self.makeBudget(client, "b", allowed: 1)
            let reply = try await Self.evict(client, "p")
            #expect(reply.status == 500)
            #expect(reply.json["message"] == "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
            #expect(reply.json["status"] == "Failure")
        }
    }

    @Test func pendingAndTerminatingPodsIgnoreTheBudget() async throws {
        try await TestAPI.with { _, client in
            try await Self.makeBudget(client, allowed: 0)
            try await Self.makePod(client, "pending", phase: "Pending", ready: false)
            #expect(try await Self.evict(client, "pending").status == 201)
            try await Self.makePod(client, "done", phase: "Succeeded", ready: false)
            #expect(try await Self.evict(client, "done").status == 201)
            #expect(try await client.call(.get, "\(Self.pods)/done").status == 404)
            try await Self.makePod(client, "going")
            let deleted = try await client.call(.delete, "\(Self.pods)/going")
            #expect(deleted.json["metadata"]?["deletionTimestamp"] != nil)
            #expect(try await Self.evict(client, "going").status == 201)
            // Still in its grace period.
            #expect(try await client.call(.get, "\(Self.pods)/going").status == 200)
            let budget = try await client.call(.get, "\(Self.budgets)/pdb").json
            #expect(budget["status"]?["disruptedPods"] == nil)
        }
    }

    @Test(arguments: [
        // (policy, currentHealthy, desiredHealthy, expected status)
        ("AlwaysAllow", 1, 2, 201),
        ("IfHealthyBudget", 2, 2, 201),
        ("IfHealthyBudget", 1, 2, 429),
        ("", 2, 2, 201),
        ("", 1, 2, 429),
    ])
    func unhealthyPodsFollowTheEvictionPolicy(policy: String, current: Int, desired: Int, expected: Int) async throws {
        try await TestAPI.with { _, client in
            try await Self.makePod(client, "sick", ready: false)
            let spec = policy.isEmpty ? #""minAvailable":2"# : #""minAvailable":2,"unhealthyPodEvictionPolicy":"\#(policy)""#
            try await Self.makeBudget(client, spec: spec, allowed: 0, current: current, desired: desired)
            #expect(try await Self.evict(client, "sick").status == expected)
            // An unhealthy pod never spends a disruption.
            let budget = try await client.call(.get, "\(Self.budgets)/pdb").json
            #expect(budget["status"]?["disruptionsAllowed"] == 0 && budget["status"]?["disruptedPods"] == nil)
        }
    }

    @Test func mismatchedNameAndDryRun() async throws {
        try await TestAPI.with { _, client in
            try await Self.makePod(client, "p")
            let mismatch = try await client.call(.post, "\(Self.pods)/p/eviction",
                                                 #"{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"other"}}"#)
            #expect(mismatch.status == 400)
            #expect(mismatch.json["message"] == "name in URL does not match name in Eviction object")
            try await Self.makeBudget(client, allowed: 1)
            #expect(try await Self.evict(client, "p", #"{"dryRun":["All"]}"#).status == 201)
            let pod = try await client.call(.get, "\(Self.pods)/p").json
            #expect(pod["metadata"]?["deletionTimestamp"] == nil)
            let budget = try await client.call(.get, "\(Self.budgets)/pdb").json
            #expect(budget["status"]?["disruptionsAllowed"] == 1)
        }
    }
}
