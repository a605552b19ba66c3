import SwiftletAPI
@testable import SwiftletScheduler
import Testing

@Suite struct NodeResourcesFitTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var pod: Pod
        var existing: [Pod]
        var reasons: [String]
        var code: PluginStatus.Code
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "fits", pod: Fixtures.pod("p", cpu: "1", memory: "1Gi"), existing: [Fixtures.pod("e", cpu: "2", memory: "2Gi")],
             reasons: [], code: .success),
        Case(name: "no requests always fit", pod: Fixtures.pod("p"), existing: [Fixtures.pod("e", cpu: "4", memory: "8Gi")],
             reasons: [], code: .success),
        Case(name: "insufficient cpu", pod: Fixtures.pod("p", cpu: "3"), existing: [Fixtures.pod("e", cpu: "2")],
             reasons: ["Insufficient cpu"], code: .unschedulable),
        Case(name: "insufficient cpu and memory", pod: Fixtures.pod("p", cpu: "3", memory: "7Gi"),
             existing: [Fixtures.pod("e", cpu: "2", memory: "2Gi")], reasons: ["Insufficient cpu", "Insufficient memory"], code: .unschedulable),
        Case(name: "more than the node has is unresolvable", pod: Fixtures.pod("p", cpu: "5"), existing: [],
             reasons: ["Insufficient cpu"], code: .unschedulableAndUnresolvable),
        Case(name: "extended resource", pod: Fixtures.pod("p", extra: ["example.com/gpu": "2"]),
             existing: [Fixtures.pod("e", extra: ["example.com/gpu": "1"])], reasons: ["Insufficient example.com/gpu"], code: .unschedulable),
        Case(name: "extended resource the node lacks", pod: Fixtures.pod("p", extra: ["example.com/fpga": "1"]), existing: [],
             reasons: ["Insufficient example.com/fpga"], code: .unschedulableAndUnresolvable),
        Case(name: "ephemeral storage", pod: Fixtures.pod("p", extra: ["ephemeral-storage": "20Gi"]),
             existing: [Fixtures.pod("e", extra: ["ephemeral-storage": "90Gi"])], reasons: ["Insufficient ephemeral-storage"], code: .unschedulable),
    ]

    @Test(arguments: cases) func filter(_ c: Case) {
        let node = Fixtures.info(Fixtures.node("n", extra: ["example.com/gpu": "2", "ephemeral-storage": "100Gi"]), pods: c.existing)
        let status = Fixtures.filter(NodeResourcesFit(), pod: c.pod, node: node)
        #expect(status.code == c.code)
        #expect(status.reasons == c.reasons)
    }

    @Test func tooManyPods() {
        let node = Fixtures.info(Fixtures.node("n", pods: 1), pods: [Fixtures.pod("e")])
        let status = Fixtures.filter(NodeResourcesFit(), pod: Fixtures.pod("p"), node: node)
        #expect(status.reasons == ["Too many pods"])
        #expect(status.code == .unschedulable)
    }

    @Test func effectiveRequestsWithInitContainersSidecarsAndOverhead() {
        func c(_ cpu: String, restart: String? = nil) -> Container {
            Container(name: "c\(cpu)", resources: ResourceRequirements(requests: ["cpu": Quantity(cpu)!]), restartPolicy: restart)
        }
        // App containers 1 + 1; a sidecar of 500m runs beside them; an init container of 2 runs after the sidecar
        // started (2.5 at its peak); another init container of 1 runs before it.
        let spec = PodSpec(containers: [c("1"), c("1")], initContainers: [c("1"), c("500m", restart: "Always"), c("2")],
                           overhead: ["cpu": Quantity("100m")!])
        #expect(ResourceAmounts.podRequests(spec).milliCPU == 2600)
        // Without the big init container the steady state (2.5) wins.
        let steady = PodSpec(containers: [c("1"), c("1")], initContainers: [c("1"), c("500m", restart: "Always")])
        #expect(ResourceAmounts.podRequests(steady).milliCPU == 2500)
        // Scoring counts containers without requests as 100m / 200Mi.
        let empty = PodSpec(containers: [Container(name: "a"), Container(name: "b")])
        let nonZero = ResourceAmounts.podRequests(empty, nonMissing: true)
        #expect(nonZero.milliCPU == 200 && nonZero.memory == 400 * 1024 * 1024)
        #expect(ResourceAmounts.podRequests(empty).isZero)
    }

    @Test func leastAllocatedScore() {
        // cpu: (4000 - 1000 - 1000) * 100 / 4000 = 50; memory: (8Gi - 2Gi - 2Gi) * 100 / 8Gi = 50.
        let busy = Fixtures.info(Fixtures.node("busy"), pods: [Fixtures.pod("e", cpu: "1", memory: "2Gi")])
        let idle = Fixtures.info(Fixtures.node("idle"))
        let scores = Fixtures.scores(NodeResourcesFit(), pod: Fixtures.pod("p", cpu: "1", memory: "2Gi"), nodes: [busy, idle])
        #expect(scores == [50, 75])
    }

    @Test func balancedAllocationScore() {
        // After placing: cpu 2/4 = 0.5 and memory 2/8 = 0.25 → 1 - 0.125 → 87; idle: 1/4 and 1/8 → 1 - 0.0625 → 93.
        let busy = Fixtures.info(Fixtures.node("busy"), pods: [Fixtures.pod("e", cpu: "1", memory: "1Gi")])
        let idle = Fixtures.info(Fixtures.node("idle"))
        let scores = Fixtures.scores(NodeResourcesBalancedAllocation(), pod: Fixtures.pod("p", cpu: "1", memory: "1Gi"), nodes: [busy, idle])
        #expect(scores == [87, 93])
        // A pod that requests nothing is skipped.
        #expect(Fixtures.scores(NodeResourcesBalancedAllocation(), pod: Fixtures.pod("p"), nodes: [busy, idle]) == [0, 0])
    }
}

@Suite struct SimpleFilterTests {
    @Test func nodeName() {
        let node = Fixtures.info(Fixtures.node("a"))
        #expect(Fixtures.filter(NodeName(), pod: Fixtures.pod("p"), node: node).isSuccess)
        #expect(Fixtures.filter(NodeName(), pod: Fixtures.pod("p", nodeName: "a"), node: node).isSuccess)
        let status = Fixtures.filter(NodeName(), pod: Fixtures.pod("p", nodeName: "b"), node: node)
        #expect(status.code == .unschedulableAndUnresolvable && status.reasons == ["node(s) didn't match the requested node name"])
    }

    @Test func nodeUnschedulable() {
        let cordoned = Fixtures.info(Fixtures.node("a", unschedulable: true))
        let status = Fixtures.filter(NodeUnschedulable(), pod: Fixtures.pod("p"), node: cordoned)
        #expect(status.code == .unschedulableAndUnresolvable && status.reasons == ["node(s) were unschedulable"])
        let tolerating = Fixtures.pod("p", tolerations: [Toleration(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable", operator: "Exists")])
        #expect(Fixtures.filter(NodeUnschedulable(), pod: tolerating, node: cordoned).isSuccess)
        #expect(Fixtures.filter(NodeUnschedulable(), pod: Fixtures.pod("p"), node: Fixtures.info(Fixtures.node("b"))).isSuccess)
    }

    @Test func taintToleration() {
        let tainted = Fixtures.info(Fixtures.node("a", taints: [Taint(effect: "NoSchedule", key: "dedicated", value: "gpu")]))
        let status = Fixtures.filter(TaintToleration(), pod: Fixtures.pod("p"), node: tainted)
        #expect(status.code == .unschedulableAndUnresolvable && status.reasons == ["node(s) had untolerated taint {dedicated: gpu}"])
        let equal = Fixtures.pod("p", tolerations: [Toleration(effect: "NoSchedule", key: "dedicated", operator: "Equal", value: "gpu")])
        #expect(Fixtures.filter(TaintToleration(), pod: equal, node: tainted).isSuccess)
        let wrongValue = Fixtures.pod("p", tolerations: [Toleration(key: "dedicated", value: "cpu")])
        #expect(!Fixtures.filter(TaintToleration(), pod: wrongValue, node: tainted).isSuccess)
        let existsAll = Fixtures.pod("p", tolerations: [Toleration(operator: "Exists")])
        #expect(Fixtures.filter(TaintToleration(), pod: existsAll, node: tainted).isSuccess)
        let noExecute = Fixtures.info(Fixtures.node("b", taints: [Taint(effect: "NoExecute", key: "k")]))
        #expect(!Fixtures.filter(TaintToleration(), pod: Fixtures.pod("p"), node: noExecute).isSuccess)
        // PreferNoSchedule does not filter.
        let prefer = Fixtures.info(Fixtures.node("c", taints: [Taint(effect: "PreferNoSchedule", key: "k")]))
        #expect(Fixtures.filter(TaintToleration(), pod: Fixtures.pod("p"), node: prefer).isSuccess)
    }

    @Test func taintTolerationScore() {
        let clean = Fixtures.info(Fixtures.node("clean"))
        let one = Fixtures.info(Fixtures.node("one", taints: [Taint(effect: "PreferNoSchedule", key: "a")]))
        let two = Fixtures.info(Fixtures.node("two", taints: [Taint(effect: "PreferNoSchedule", key: "a"), Taint(effect: "PreferNoSchedule", key: "b")]))
        #expect(Fixtures.scores(TaintToleration(), pod: Fixtures.pod("p"), nodes: [clean, one, two]) == [100, 50, 0])
        let tolerant = Fixtures.pod("p", tolerations: [Toleration(effect: "PreferNoSchedule", key: "a", operator: "Exists")])
        #expect(Fixtures.scores(TaintToleration(), pod: tolerant, nodes: [clean, one, two]) == [100, 100, 0])
    }

    @Test func nodePorts() {
        let node = Fixtures.info(Fixtures.node("a"), pods: [Fixtures.pod("e", hostPorts: [8080])])
        let status = Fixtures.filter(NodePorts(), pod: Fixtures.pod("p", hostPorts: [8080]), node: node)
        #expect(status.code == .unschedulable && status.reasons == ["node(s) didn't have free ports for the requested pod ports"])
        #expect(Fixtures.filter(NodePorts(), pod: Fixtures.pod("p", hostPorts: [8081]), node: node).isSuccess)
        #expect(HostPort(ip: "10.0.0.1", port: 80).conflicts(with: HostPort(port: 80)))
        #expect(!HostPort(ip: "10.0.0.1", port: 80).conflicts(with: HostPort(ip: "10.0.0.2", port: 80)))
        #expect(!HostPort(protocol: "UDP", port: 80).conflicts(with: HostPort(port: 80)))
    }

    @Test func imageLocality() {
        let mb: Int64 = 1024 * 1024
        let withImage = Fixtures.info(Fixtures.node("a", images: [ContainerImage(names: ["nginx:latest"], sizeBytes: 500 * mb)]))
        let without = Fixtures.info(Fixtures.node("b"))
        // 500 MB × (1 of 2 nodes) = 250 MB → 100 × (250 − 23) / (1000 − 23) = 23.
        #expect(Fixtures.scores(ImageLocality(), pod: Fixtures.pod("p"), nodes: [withImage, without]) == [23, 0])
    }
}

@Suite struct NodeAffinityTests {
    static func require(_ key: String, _ op: String, _ values: [String] = []) -> Affinity {
        Affinity(nodeAffinity: SwiftletAPI.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: NodeSelector(nodeSelectorTerms: [
            NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: key, operator: op, values: values)]),
        ])))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var key: String, op: String, values: [String], fits: Bool
        var testDescription: String { "\(key) \(op) \(values) → \(fits)" }
    }

    static let cases: [Case] = [
        Case(key: "zone", op: "In", values: ["a", "b"], fits: true),
        Case(key: "zone", op: "In", values: ["b"], fits: false),
        Case(key: "zone", op: "NotIn", values: ["b"], fits: true),
        Case(key: "zone", op: "NotIn", values: ["a"], fits: false),
        Case(key: "missing", op: "NotIn", values: ["a"], fits: true),
        Case(key: "zone", op: "Exists", values: [], fits: true),
        Case(key: "missing", op: "Exists", values: [], fits: false),
        Case(key: "missing", op: "DoesNotExist", values: [], fits: true),
        Case(key: "zone", op: "DoesNotExist", values: [], fits: false),
        Case(key: "cores", op: "Gt", values: ["8"], fits: true),
        Case(key: "cores", op: "Gt", values: ["16"], fits: false),
        Case(key: "cores", op: "Lt", values: ["32"], fits: true),
        Case(key: "cores", op: "Lt", values: ["16"], fits: false),
        Case(key: "zone", op: "Gt", values: ["1"], fits: false),
    ]

    @Test(arguments: cases) func requiredExpressions(_ c: Case) {
        let node = Fixtures.info(Fixtures.node("n", labels: ["zone": "a", "cores": "16"]))
        let status = Fixtures.filter(SwiftletScheduler.NodeAffinity(), pod: Fixtures.pod("p", affinity: Self.require(c.key, c.op, c.values)), node: node)
        #expect(status.isSuccess == c.fits)
        if !c.fits { #expect(status.reasons == ["node(s) didn't match Pod's node affinity/selector"] && status.code == .unschedulableAndUnresolvable) }
    }

    @Test func nodeSelectorAndFields() {
        let node = Fixtures.info(Fixtures.node("n1", labels: ["disk": "ssd"]))
        let plugin = SwiftletScheduler.NodeAffinity()
        #expect(Fixtures.filter(plugin, pod: Fixtures.pod("p", nodeSelector: ["disk": "ssd"]), node: node).isSuccess)
        #expect(!Fixtures.filter(plugin, pod: Fixtures.pod("p", nodeSelector: ["disk": "hdd"]), node: node).isSuccess)
        func fields(_ op: String, _ names: [String]) -> Affinity {
            Affinity(nodeAffinity: SwiftletAPI.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: NodeSelector(nodeSelectorTerms: [
                NodeSelectorTerm(matchFields: [NodeSelectorRequirement(key: "metadata.name", operator: op, values: names)]),
            ])))
        }
        #expect(Fixtures.filter(plugin, pod: Fixtures.pod("p", affinity: fields("In", ["n1"])), node: node).isSuccess)
        #expect(!Fixtures.filter(plugin, pod: Fixtures.pod("p", affinity: fields("In", ["n2"])), node: node).isSuccess)
        #expect(!Fixtures.filter(plugin, pod: Fixtures.pod("p", affinity: fields("NotIn", ["n1"])), node: node).isSuccess)
        // Terms are ORed; an empty term matches nothing.
        let either = Affinity(nodeAffinity: SwiftletAPI.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: NodeSelector(nodeSelectorTerms: [
            NodeSelectorTerm(), NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: "disk", operator: "In", values: ["ssd"])]),
        ])))
        #expect(Fixtures.filter(plugin, pod: Fixtures.pod("p", affinity: either), node: node).isSuccess)
    }

    @Test func preferredScore() {
        let affinity = Affinity(nodeAffinity: SwiftletAPI.NodeAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
            PreferredSchedulingTerm(preference: NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: "zone", operator: "In", values: ["a"])]), weight: 20),
            PreferredSchedulingTerm(preference: NodeSelectorTerm(matchExpressions: [NodeSelectorRequirement(key: "disk", operator: "Exists")]), weight: 60),
        ]))
        let nodes = [Fixtures.info(Fixtures.node("a", labels: ["zone": "a"])), Fixtures.info(Fixtures.node("b", labels: ["disk": "ssd"])),
                     Fixtures.info(Fixtures.node("c", labels: ["zone": "a", "disk": "ssd"])), Fixtures.info(Fixtures.node("d"))]
        #expect(Fixtures.scores(SwiftletScheduler.NodeAffinity(), pod: Fixtures.pod("p", affinity: affinity), nodes: nodes) == [25, 75, 100, 0])
    }
}
