import SwiftletAPI
@testable import SwiftletScheduler

/// Hand-built nodes and pods for plugin tests.
enum Fixtures {
    static func node(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: Int64 = 110, extra: [String: String] = [:],
                     labels: [String: String] = [:], taints: [Taint] = [], unschedulable: Bool? = nil,
                     images: [ContainerImage] = []) -> Node {
        var allocatable: [String: Quantity] = ["cpu": Quantity(cpu)!, "memory": Quantity(memory)!, "pods": Quantity(integer: pods)]
        for (k, v) in extra { allocatable[k] = Quantity(v)! }
        var allLabels = labels
        allLabels["kubernetes.io/hostname"] = name
        return Node(metadata: ObjectMeta(labels: allLabels, name: name),
                    spec: NodeSpec(taints: taints.isEmpty ? nil : taints, unschedulable: unschedulable),
                    status: NodeStatus(allocatable: allocatable, capacity: allocatable,
                                       conditions: [NodeCondition(status: "True", type: "Ready")], images: images.isEmpty ? nil : images))
    }

    static func pod(_ name: String, namespace: String = "default", cpu: String? = nil, memory: String? = nil, labels: [String: String] = [:],
                    nodeName: String? = nil, priority: Int32? = nil, affinity: Affinity? = nil, tolerations: [Toleration]? = nil,
                    nodeSelector: [String: String]? = nil, hostPorts: [Int32] = [], spread: [TopologySpreadConstraint]? = nil,
                    extra: [String: String] = [:]) -> Pod {
        var requests: [String: Quantity] = [:]
        if let cpu { requests["cpu"] = Quantity(cpu)! }
        if let memory { requests["memory"] = Quantity(memory)! }
        for (k, v) in extra { requests[k] = Quantity(v)! }
        let ports = hostPorts.map { ContainerPort(containerPort: $0, hostPort: $0) }
        let container = Container(image: "nginx", name: "c", ports: ports.isEmpty ? nil : ports,
                                  resources: requests.isEmpty ? nil : ResourceRequirements(requests: requests))
        return Pod(metadata: ObjectMeta(labels: labels, name: name, namespace: namespace, uid: "uid-\(name)"),
                   spec: PodSpec(affinity: affinity, containers: [container], nodeName: nodeName, nodeSelector: nodeSelector, priority: priority,
                                 tolerations: tolerations, topologySpreadConstraints: spread))
    }

    static func info(_ node: Node, pods: [Pod] = []) -> NodeInfo {
        NodeInfo(node: node, pods: pods)
    }

    static func state(_ nodes: [NodeInfo], listers: ClusterListers = ClusterListers()) -> CycleState {
        CycleState(snapshot: Snapshot(nodes), listers: listers)
    }

    static func antiAffinity(_ labels: [String: String], key: String = "kubernetes.io/hostname") -> Affinity {
        Affinity(podAntiAffinity: PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [
            PodAffinityTerm(labelSelector: MetaLabelSelector(matchLabels: labels), topologyKey: key),
        ]))
    }

    static func affinity(_ labels: [String: String], key: String = "kubernetes.io/hostname") -> Affinity {
        Affinity(podAffinity: PodAffinity(requiredDuringSchedulingIgnoredDuringExecution: [
            PodAffinityTerm(labelSelector: MetaLabelSelector(matchLabels: labels), topologyKey: key),
        ]))
    }

    /// Runs PreFilter (when the plugin has one) and then Filter on `node`.
    static func filter(_ plugin: any FilterPlugin, pod: Pod, node: NodeInfo, all: [NodeInfo]? = nil) -> PluginStatus {
        let state = state(all ?? [node])
        let info = PodInfo(pod)
        if let pre = plugin as? any PreFilterPlugin {
            let (_, status) = pre.preFilter(state, pod: info)
            if status.code == .skip { return .success }
            if !status.isSuccess { return status }
        }
        return plugin.filter(state, pod: info, node: node)
    }

    /// PreScore (when the plugin has one), Score on every node, then normalize.
    static func scores(_ plugin: any ScorePlugin, pod: Pod, nodes: [NodeInfo], listers: ClusterListers = ClusterListers()) -> [Int64] {
        let state = state(nodes, listers: listers)
        let info = PodInfo(pod)
        if let pre = plugin as? any PreScorePlugin, pre.preScore(state, pod: info, nodes: nodes).code == .skip {
            return Array(repeating: 0, count: nodes.count)
        }
        var scores = nodes.map { plugin.score(state, pod: info, node: $0) }
        plugin.normalize(state, pod: info, nodes: nodes, scores: &scores)
        return scores
    }
}
