import SwiftletAPI
@testable import SwiftletScheduler
import Testing

@Suite struct InterPodAffinityTests {
    let zoneA1 = Fixtures.node("a1", labels: ["zone": "a"])
    let zoneA2 = Fixtures.node("a2", labels: ["zone": "a"])
    let zoneB1 = Fixtures.node("b1", labels: ["zone": "b"])

    func statuses(_ pod: Pod, _ nodes: [NodeInfo]) -> [PluginStatus] {
        nodes.map { Fixtures.filter(InterPodAffinity(), pod: pod, node: $0, all: nodes) }
    }

    @Test func requiredAntiAffinitySpreadsByHostnameAndZone() {
        let nodes = [Fixtures.info(zoneA1, pods: [Fixtures.pod("web-0", labels: ["app": "web"], nodeName: "a1")]),
                     Fixtures.info(zoneA2), Fixtures.info(zoneB1)]
        let byHost = statuses(Fixtures.pod("web-1", labels: ["app": "web"], affinity: Fixtures.antiAffinity(["app": "web"])), nodes)
        #expect(byHost.map(\.isSuccess) == [false, true, true])
        #expect(byHost[0].reasons == ["node(s) didn't match pod anti-affinity rules"] && byHost[0].code == .unschedulable)
        let byZone = statuses(Fixtures.pod("web-1", labels: ["app": "web"], affinity: Fixtures.antiAffinity(["app": "web"], key: "zone")), nodes)
        #expect(byZone.map(\.isSuccess) == [false, false, true])
        // Another namespace is not selected by default.
        let elsewhere = statuses(Fixtures.pod("web-1", namespace: "other", labels: ["app": "web"], affinity: Fixtures.antiAffinity(["app": "web"])), nodes)
        #expect(elsewhere.allSatisfy { $0.isSuccess })
    }

    @Test func existingPodsAntiAffinity() {
        let guardPod = Fixtures.pod("loner", labels: ["app": "loner"], nodeName: "a1", affinity: Fixtures.antiAffinity(["app": "web"], key: "zone"))
        let nodes = [Fixtures.info(zoneA1, pods: [guardPod]), Fixtures.info(zoneA2), Fixtures.info(zoneB1)]
        let result = statuses(Fixtures.pod("web", labels: ["app": "web"]), nodes)
        #expect(result.map(\.isSuccess) == [false, false, true])
        #expect(result[0].reasons == ["node(s) didn't satisfy existing pods anti-affinity rules"])
        #expect(statuses(Fixtures.pod("db", labels: ["app": "db"]), nodes).allSatisfy { $0.isSuccess })
    }

    @Test func requiredAffinity() {
        let cache = Fixtures.pod("cache", labels: ["app": "cache"], nodeName: "b1")
        let nodes = [Fixtures.info(zoneA1), Fixtures.info(zoneA2), Fixtures.info(zoneB1, pods: [cache])]
        let result = statuses(Fixtures.pod("web", labels: ["app": "web"], affinity: Fixtures.affinity(["app": "cache"], key: "zone")), nodes)
        #expect(result.map(\.isSuccess) == [false, false, true])
        #expect(result[0].reasons == ["node(s) didn't match pod affinity rules"] && result[0].code == .unschedulableAndUnresolvable)
        // No pod matches anywhere, but the pod matches its own term: the first of a group may go anywhere.
        let empty = [Fixtures.info(zoneA1), Fixtures.info(zoneB1)]
        let first = statuses(Fixtures.pod("web-0", labels: ["app": "web"], affinity: Fixtures.affinity(["app": "web"], key: "zone")), empty)
        #expect(first.allSatisfy { $0.isSuccess })
        let stranger = statuses(Fixtures.pod("web-0", labels: ["app": "web"], affinity: Fixtures.affinity(["app": "cache"], key: "zone")), empty)
        #expect(stranger.allSatisfy { !$0.isSuccess })
    }

    @Test func preferredScores() {
        let weighted = Affinity(
            podAffinity: PodAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
                WeightedPodAffinityTerm(podAffinityTerm: PodAffinityTerm(labelSelector: MetaLabelSelector(matchLabels: ["app": "cache"]), topologyKey: "zone"), weight: 10),
            ]),
            podAntiAffinity: PodAntiAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
                WeightedPodAffinityTerm(podAffinityTerm: PodAffinityTerm(labelSelector: MetaLabelSelector(matchLabels: ["app": "web"]), topologyKey: "kubernetes.io/hostname"), weight: 5),
            ]))
        let nodes = [Fixtures.info(zoneA1, pods: [Fixtures.pod("cache", labels: ["app": "cache"], nodeName: "a1"), Fixtures.pod("web-0", labels: ["app": "web"], nodeName: "a1")]),
                     Fixtures.info(zoneA2), Fixtures.info(zoneB1)]
        // Raw: a1 = 10 − 5 = 5, a2 = 10, b1 = 0 → min-max scaled.
        #expect(Fixtures.scores(InterPodAffinity(), pod: Fixtures.pod("web-1", labels: ["app": "web"], affinity: weighted), nodes: nodes) == [50, 100, 0])
    }
}

@Suite struct PodTopologySpreadTests {
    static func constraint(_ key: String, maxSkew: Int32 = 1, minDomains: Int32? = nil, when: String = "DoNotSchedule") -> TopologySpreadConstraint {
        TopologySpreadConstraint(labelSelector: MetaLabelSelector(matchLabels: ["app": "web"]), maxSkew: maxSkew, minDomains: minDomains,
                                 topologyKey: key, whenUnsatisfiable: when)
    }

    func web(_ name: String, on node: String) -> Pod { Fixtures.pod(name, labels: ["app": "web"], nodeName: node) }

    @Test func filterBySkew() {
        let nodes = [Fixtures.info(Fixtures.node("a1", labels: ["zone": "a"]), pods: [web("w0", on: "a1"), web("w1", on: "a1")]),
                     Fixtures.info(Fixtures.node("b1", labels: ["zone": "b"]), pods: [web("w2", on: "b1")]),
                     Fixtures.info(Fixtures.node("c1", labels: ["zone": "c"])),
                     Fixtures.info(Fixtures.node("x"))]
        let pod = Fixtures.pod("w3", labels: ["app": "web"], spread: [Self.constraint("zone")])
        let result = nodes.map { Fixtures.filter(PodTopologySpread(), pod: pod, node: $0, all: nodes) }
        // Minimum is zone c with 0: a → 3 − 0 > 1, b → 2 − 0 > 1, c fits; x lacks the label.
        #expect(result.map(\.isSuccess) == [false, false, true, false])
        #expect(result[0].reasons == ["node(s) didn't match pod topology spread constraints"] && result[0].code == .unschedulable)
        #expect(result[3].reasons == ["node(s) didn't match pod topology spread constraints (missing required label)"])
        #expect(result[3].code == .unschedulableAndUnresolvable)
        // maxSkew 2 allows zone b too.
        let loose = Fixtures.pod("w3", labels: ["app": "web"], spread: [Self.constraint("zone", maxSkew: 2)])
        #expect(nodes.map { Fixtures.filter(PodTopologySpread(), pod: loose, node: $0, all: nodes).isSuccess } == [false, true, true, false])
        // ScheduleAnyway constraints do not filter.
        let soft = Fixtures.pod("w3", labels: ["app": "web"], spread: [Self.constraint("zone", when: "ScheduleAnyway")])
        #expect(nodes.allSatisfy { Fixtures.filter(PodTopologySpread(), pod: soft, node: $0, all: nodes).isSuccess })
    }

    @Test func minDomainsCountsMissingDomainsAsEmpty() {
        let nodes = [Fixtures.info(Fixtures.node("a1", labels: ["zone": "a"]), pods: [web("w0", on: "a1")]),
                     Fixtures.info(Fixtures.node("b1", labels: ["zone": "b"]), pods: [web("w1", on: "b1")])]
        let plain = Fixtures.pod("w2", labels: ["app": "web"], spread: [Self.constraint("zone")])
        #expect(nodes.allSatisfy { Fixtures.filter(PodTopologySpread(), pod: plain, node: $0, all: nodes).isSuccess })
        // With 3 domains required but 2 present, the global minimum is 0: 1 + 1 − 0 > 1 everywhere.
        let wide = Fixtures.pod("w2", labels: ["app": "web"], spread: [Self.constraint("zone", minDomains: 3)])
        #expect(nodes.allSatisfy { !Fixtures.filter(PodTopologySpread(), pod: wide, node: $0, all: nodes).isSuccess })
    }

    @Test func scoreFavoursEmptierDomains() {
        let nodes = [Fixtures.info(Fixtures.node("n1"), pods: [web("w0", on: "n1"), web("w1", on: "n1")]),
                     Fixtures.info(Fixtures.node("n2"), pods: [web("w2", on: "n2")]),
                     Fixtures.info(Fixtures.node("n3"))]
        let pod = Fixtures.pod("w3", labels: ["app": "web"], spread: [Self.constraint("kubernetes.io/hostname", when: "ScheduleAnyway")])
        let scores = Fixtures.scores(PodTopologySpread(), pod: pod, nodes: nodes)
        #expect(scores[2] == 100 && scores[1] > scores[0])
    }

    @Test func defaultConstraintsSpreadReplicaSetPods() {
        let owner = OwnerReference(apiVersion: "apps/v1", controller: true, kind: "ReplicaSet", name: "web-rs", uid: "rs")
        func owned(_ name: String, on node: String?) -> Pod {
            var pod = Fixtures.pod(name, labels: ["app": "web"], nodeName: node)
            pod.metadata?.ownerReferences = [owner]
            return pod
        }
        let rs = ReplicaSet(metadata: ObjectMeta(name: "web-rs", namespace: "default"),
                            spec: ReplicaSetSpec(selector: MetaLabelSelector(matchLabels: ["app": "web"])))
        let listers = ClusterListers(replicaSet: { ns, name in ns == "default" && name == "web-rs" ? rs : nil })
        let nodes = [Fixtures.info(Fixtures.node("n1"), pods: [owned("w0", on: "n1"), owned("w1", on: "n1")]),
                     Fixtures.info(Fixtures.node("n2"))]
        let scores = Fixtures.scores(PodTopologySpread(), pod: owned("w2", on: nil), nodes: nodes, listers: listers)
        #expect(scores[1] == 100 && scores[0] < scores[1])
        // Without an owner the defaults select nothing: skipped.
        #expect(Fixtures.scores(PodTopologySpread(), pod: Fixtures.pod("lone", labels: ["app": "web"]), nodes: nodes) == [0, 0])
    }
}
