import Foundation
import SwiftletAPI
import SwiftletControllers

/// Spreads pods that match a selector evenly over topology domains: `DoNotSchedule` constraints filter
/// (a node is rejected when placing the pod there makes its domain exceed the global minimum by more than
/// `maxSkew`), `ScheduleAnyway` constraints score. Pods without constraints get upstream's system defaults
/// (hostname maxSkew 3, zone maxSkew 5, ScheduleAnyway) over the pods of their Services and controller.
public struct PodTopologySpread: PreFilterExtensions, FilterPlugin, PreScorePlugin, ScorePlugin {
    public static let errReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints"
    public static let errReasonNodeLabelNotMatch = errReasonConstraintsNotMatch + " (missing required label)"
    static let preFilterKey = "PreFilterPodTopologySpread"
    static let preScoreKey = "PreScorePodTopologySpread"
    static let hostnameKey = "kubernetes.io/hostname"
    static let zoneKey = "topology.kubernetes.io/zone"

    public var name: String { "PodTopologySpread" }
    public var clusterEvents: [ClusterEvent] {
        [.assignedPodAdd, .assignedPodUpdate, .assignedPodDelete, .nodeAdd, .nodeUpdate]
    }

    public init() {}

    /// A constraint with its selector parsed.
    struct Constraint: Sendable {
        var maxSkew: Int32
        var topologyKey: String
        var selector: LabelSelector
        var minDomains: Int32
        var honorNodeAffinity: Bool
        var honorTaints: Bool

        /// Whether the node counts for this constraint (its node inclusion policies).
        func includes(_ node: Node?, pod: Pod) -> Bool {
            if honorNodeAffinity && !NodeSelectorMatching.requiredMatches(pod, node: node) { return false }
            if honorTaints {
                let tolerations = pod.spec?.tolerations ?? []
                for taint in node?.spec?.taints ?? [] where taint.effect == "NoSchedule" || taint.effect == "NoExecute" {
                    if !tolerations.contains(where: { $0.tolerates(taint) }) { return false }
                }
            }
            return true
        }
    }

    struct FilterState: Sendable {
        var constraints: [Constraint] = []
        /// Per constraint: matching pods by domain value.
        var matchNum: [[String: Int]] = []
        /// Per constraint: the smallest count over the domains (upstream's critical path).
        var minMatch: [Int] = []

        mutating func recomputeMinimum(_ i: Int) {
            minMatch[i] = matchNum[i].values.min() ?? 0
        }
    }

    struct ScoreState: Sendable {
        var constraints: [Constraint] = []
        var ignoredNodes: Set<String> = []
        var pairCounts: [TopologyPair: Int64] = [:]
        var normalizingWeights: [Double] = []
    }

    // MARK: constraints

    /// The pod's constraints with `whenUnsatisfiable == action`; `matchLabelKeys` add the pod's values to the selector.
    static func constraints(of pod: Pod, action: String) -> [Constraint] {
        let labels = pod.metadata?.labels ?? [:]
        return (pod.spec?.topologySpreadConstraints ?? []).compactMap { c in
            guard c.whenUnsatisfiable == action else { return nil }
            var selector = LabelSelector.from(c.labelSelector)
            for key in c.matchLabelKeys ?? [] {
                if let value = labels[key] { selector.requirements.append(.init(key: key, op: .in, values: [value])) }
            }
            return Constraint(maxSkew: c.maxSkew ?? 1, topologyKey: c.topologyKey ?? "", selector: selector, minDomains: c.minDomains ?? 1,
                              honorNodeAffinity: (c.nodeAffinityPolicy ?? "Honor") == "Honor", honorTaints: c.nodeTaintsPolicy == "Honor")
        }
    }

    /// Upstream's system default constraints over the pod's Services and controller; none when those select nothing.
    static func defaultConstraints(of pod: Pod, listers: ClusterListers) -> [Constraint] {
        let selector = defaultSelector(of: pod, listers: listers)
        if selector.isEmpty || selector.matchesNothing { return [] }
        return [
            Constraint(maxSkew: 3, topologyKey: hostnameKey, selector: selector, minDomains: 1, honorNodeAffinity: true, honorTaints: false),
            Constraint(maxSkew: 5, topologyKey: zoneKey, selector: selector, minDomains: 1, honorNodeAffinity: true, honorTaints: false),
        ]
    }

    /// The union of the selectors of the Services selecting the pod and of its ReplicationController,
    /// ReplicaSet or StatefulSet (upstream's `helper.DefaultSelector`).
    static func defaultSelector(of pod: Pod, listers: ClusterListers) -> LabelSelector {
        let namespace = pod.metadata?.namespace ?? ""
        let labels = pod.metadata?.labels ?? [:]
        var merged: [String: String] = [:]
        for service in listers.services(namespace) {
            guard let selector = service.spec?.selector, !selector.isEmpty else { continue }
            if selector.allSatisfy({ labels[$0.key] == $0.value }) { merged.merge(selector) { _, new in new } }
        }
        var requirements = merged.sorted { $0.key < $1.key }.map { LabelSelector.Requirement(key: $0.key, op: .equals, values: [$0.value]) }
        if let owner = pod.controllerRef, let ownerName = owner.name {
            switch (owner.apiVersion ?? "", owner.kind ?? "") {
            case ("v1", "ReplicationController"):
                if let rc = listers.replicationController(namespace, ownerName) {
                    for (k, v) in (rc.spec?.selector ?? [:]) where merged[k] == nil {
                        requirements.append(.init(key: k, op: .equals, values: [v]))
                    }
                }
            case ("apps/v1", "ReplicaSet"):
                if let rs = listers.replicaSet(namespace, ownerName), rs.spec?.selector != nil {
                    requirements += LabelSelector.from(rs.spec?.selector).requirements
                }
            case ("apps/v1", "StatefulSet"):
                if let ss = listers.statefulSet(namespace, ownerName), ss.spec?.selector != nil {
                    requirements += LabelSelector.from(ss.spec?.selector).requirements
                }
            default: break
            }
        }
        return LabelSelector(requirements: requirements)
    }

    static func countMatching(_ pods: [PodInfo], _ selector: LabelSelector, namespace: String) -> Int {
        if selector.matchesNothing { return 0 }
        return pods.count { !$0.isTerminating && $0.namespace == namespace && selector.matches($0.labels) }
    }

    static func hasAllKeys(_ labels: [String: String], _ constraints: [Constraint]) -> Bool {
        constraints.allSatisfy { labels[$0.topologyKey] != nil }
    }

    // MARK: PreFilter and Filter

    public func preFilter(_ state: CycleState, pod: PodInfo) -> (PreFilterResult, PluginStatus) {
        let constraints = Self.constraints(of: pod.pod, action: "DoNotSchedule")
        if constraints.isEmpty { return (nil, .skip) }
        var s = FilterState(constraints: constraints, matchNum: Array(repeating: [:], count: constraints.count),
                            minMatch: Array(repeating: 0, count: constraints.count))
        for node in state.snapshot.nodes {
            let labels = node.labels
            guard Self.hasAllKeys(labels, constraints) else { continue }
            for (i, c) in constraints.enumerated() where c.includes(node.node, pod: pod.pod) {
                s.matchNum[i][labels[c.topologyKey]!, default: 0] += Self.countMatching(node.pods, c.selector, namespace: pod.namespace)
            }
        }
        for i in constraints.indices { s.recomputeMinimum(i) }
        state.write(Self.preFilterKey, s)
        return (nil, .success)
    }

    public func addPod(_ state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, node: NodeInfo) {
        update(state, preemptor: podToSchedule, with: podToAdd, node: node, delta: 1)
    }

    public func removePod(_ state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, node: NodeInfo) {
        update(state, preemptor: podToSchedule, with: podToRemove, node: node, delta: -1)
    }

    private func update(_ state: CycleState, preemptor: PodInfo, with other: PodInfo, node: NodeInfo, delta: Int) {
        guard other.namespace == preemptor.namespace, node.node != nil else { return }
        state.modify(Self.preFilterKey, as: FilterState.self) { s in
            let labels = node.labels
            guard Self.hasAllKeys(labels, s.constraints) else { return }
            for (i, c) in s.constraints.enumerated() where c.selector.matches(other.labels) && c.includes(node.node, pod: preemptor.pod) {
                s.matchNum[i][labels[c.topologyKey]!, default: 0] += delta
                s.recomputeMinimum(i)
            }
        }
    }

    public func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        guard let s = state.read(Self.preFilterKey, as: FilterState.self) else { return .success }
        let labels = node.labels
        for (i, c) in s.constraints.enumerated() {
            guard let value = labels[c.topologyKey] else { return .unresolvable(Self.errReasonNodeLabelNotMatch) }
            // Fewer domains than minDomains: the global minimum counts as zero.
            let minimum = s.matchNum[i].count < Int(c.minDomains) ? 0 : s.minMatch[i]
            let selfMatch = c.selector.matches(pod.labels) ? 1 : 0
            let skew = (s.matchNum[i][value] ?? 0) + selfMatch - minimum
            if skew > Int(c.maxSkew) { return .unschedulable(Self.errReasonConstraintsNotMatch) }
        }
        return .success
    }

    // MARK: Score

    public func preScore(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo]) -> PluginStatus {
        let all = state.snapshot.nodes
        if nodes.isEmpty || all.isEmpty { return .skip }
        let explicit = !(pod.pod.spec?.topologySpreadConstraints ?? []).isEmpty
        var s = ScoreState()
        s.constraints = explicit ? Self.constraints(of: pod.pod, action: "ScheduleAnyway") : Self.defaultConstraints(of: pod.pod, listers: state.listers)
        if s.constraints.isEmpty { return .skip }
        // System defaults do not require every key, so nodes without a zone still spread by hostname.
        let requireAll = explicit
        var domainCounts = Array(repeating: 0, count: s.constraints.count)
        for node in nodes {
            let labels = node.labels
            if requireAll && !Self.hasAllKeys(labels, s.constraints) {
                s.ignoredNodes.insert(node.name)
                continue
            }
            for (i, c) in s.constraints.enumerated() where c.topologyKey != Self.hostnameKey {
                let pair = TopologyPair(key: c.topologyKey, value: labels[c.topologyKey] ?? "")
                if s.pairCounts[pair] == nil {
                    s.pairCounts[pair] = 0
                    domainCounts[i] += 1
                }
            }
        }
        s.normalizingWeights = s.constraints.indices.map { i in
            let size = s.constraints[i].topologyKey == Self.hostnameKey ? nodes.count - s.ignoredNodes.count : domainCounts[i]
            return log(Double(size + 2))
        }
        for node in all {
            let labels = node.labels
            if requireAll && !Self.hasAllKeys(labels, s.constraints) { continue }
            for c in s.constraints where c.includes(node.node, pod: pod.pod) {
                let pair = TopologyPair(key: c.topologyKey, value: labels[c.topologyKey] ?? "")
                guard s.pairCounts[pair] != nil else { continue }
                s.pairCounts[pair]! += Int64(Self.countMatching(node.pods, c.selector, namespace: pod.namespace))
            }
        }
        state.write(Self.preScoreKey, s)
        return .success
    }

    public func score(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> Int64 {
        guard let s = state.read(Self.preScoreKey, as: ScoreState.self), !s.ignoredNodes.contains(node.name) else { return 0 }
        let labels = node.labels
        var score = 0.0
        for (i, c) in s.constraints.enumerated() {
            guard let value = labels[c.topologyKey] else { continue }
            let count = c.topologyKey == Self.hostnameKey
                ? Int64(Self.countMatching(node.pods, c.selector, namespace: pod.namespace))
                : s.pairCounts[TopologyPair(key: c.topologyKey, value: value)] ?? 0
            score += Double(count) * s.normalizingWeights[i] + Double(c.maxSkew - 1)
        }
        return Int64(score.rounded())
    }

    /// Fewer matching pods is better: 100 × (max + min − score) / max; ignored nodes get 0.
    public func normalize(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo], scores: inout [Int64]) {
        guard let s = state.read(Self.preScoreKey, as: ScoreState.self) else { return }
        var low = Int64.max, high: Int64 = 0
        for (i, node) in nodes.enumerated() where !s.ignoredNodes.contains(node.name) {
            low = min(low, scores[i])
            high = max(high, scores[i])
        }
        for (i, node) in nodes.enumerated() {
            if s.ignoredNodes.contains(node.name) {
                scores[i] = 0
            } else if high == 0 {
                scores[i] = maxNodeScore
            } else {
                scores[i] = maxNodeScore * (high + low - scores[i]) / high
            }
        }
    }
}
