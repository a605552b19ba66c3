import SwiftletAPI

/// Required and preferred pod affinity and anti-affinity by topology key, including the required
/// anti-affinity of pods already running (they may refuse the incoming pod as a neighbour).
public struct InterPodAffinity: PreFilterExtensions, FilterPlugin, PreScorePlugin, ScorePlugin {
    public static let errReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules"
    public static let errReasonAffinityRulesNotMatch = "node(s) didn't match pod affinity rules"
    public static let errReasonAntiAffinityRulesNotMatch = "node(s) didn't match pod anti-affinity rules"
    static let preFilterKey = "PreFilterInterPodAffinity"
    static let preScoreKey = "PreScoreInterPodAffinity"

    public var name: String { "InterPodAffinity" }
    public var clusterEvents: [ClusterEvent] {
        [.assignedPodAdd, .assignedPodUpdate, .assignedPodDelete, .nodeAdd, .nodeUpdate, ClusterEvent(.namespace, .all)]
    }
    /// The score an existing pod's required affinity term that matches the incoming pod adds (upstream's default 1).
    public var hardPodAffinityWeight: Int64

    public init(hardPodAffinityWeight: Int64 = 1) {
        self.hardPodAffinityWeight = hardPodAffinityWeight
    }

    struct FilterState: Sendable {
        /// Domains where an existing pod's required anti-affinity selects the incoming pod.
        var existingAntiAffinityCounts: [TopologyPair: Int64] = [:]
        /// Domains with pods matching all of the incoming pod's required affinity terms.
        var affinityCounts: [TopologyPair: Int64] = [:]
        /// Domains with pods matching one of the incoming pod's required anti-affinity terms.
        var antiAffinityCounts: [TopologyPair: Int64] = [:]
    }

    // MARK: PreFilter

    public func preFilter(_ state: CycleState, pod: PodInfo) -> (PreFilterResult, PluginStatus) {
        let snapshot = state.snapshot
        let lookup = state.listers.namespaceLabels
        if pod.requiredAffinityTerms.isEmpty && pod.requiredAntiAffinityTerms.isEmpty && snapshot.withRequiredAntiAffinity.isEmpty {
            return (nil, .skip)
        }
        var s = FilterState()
        for index in snapshot.withRequiredAntiAffinity {
            let node = snapshot.nodes[index]
            for existing in node.pods where existing.hasRequiredAntiAffinity {
                Self.countAntiAffinity(existing.requiredAntiAffinityTerms, matching: pod.pod, on: node, lookup: lookup, into: &s.existingAntiAffinityCounts, 1)
            }
        }
        if !pod.requiredAffinityTerms.isEmpty || !pod.requiredAntiAffinityTerms.isEmpty {
            for node in snapshot.nodes {
                for existing in node.pods {
                    Self.countAffinity(pod.requiredAffinityTerms, matching: existing.pod, on: node, lookup: lookup, into: &s.affinityCounts, 1)
                    Self.countAntiAffinity(pod.requiredAntiAffinityTerms, matching: existing.pod, on: node, lookup: lookup,
                                           into: &s.antiAffinityCounts, 1)
                }
            }
        }
        state.write(Self.preFilterKey, s)
        return (nil, .success)
    }

    public func addPod(_ state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, node: NodeInfo) {
        update(state, podToSchedule: podToSchedule, with: podToAdd, node: node, delta: 1)
    }

    public func removePod(_ state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, node: NodeInfo) {
        update(state, podToSchedule: podToSchedule, with: podToRemove, node: node, delta: -1)
    }

    private func update(_ state: CycleState, podToSchedule pod: PodInfo, with other: PodInfo, node: NodeInfo, delta: Int64) {
        let lookup = state.listers.namespaceLabels
        state.modify(Self.preFilterKey, as: FilterState.self) { s in
            Self.countAntiAffinity(other.requiredAntiAffinityTerms, matching: pod.pod, on: node, lookup: lookup, into: &s.existingAntiAffinityCounts, delta)
            Self.countAffinity(pod.requiredAffinityTerms, matching: other.pod, on: node, lookup: lookup, into: &s.affinityCounts, delta)
            Self.countAntiAffinity(pod.requiredAntiAffinityTerms, matching: other.pod, on: node, lookup: lookup, into: &s.antiAffinityCounts, delta)
        }
    }

    /// Counts the node's domains once per term when `pod` matches every term.
    static func countAffinity(_ terms: [AffinityTerm], matching pod: Pod, on node: NodeInfo, lookup: (String) -> [String: String]?,
                              into counts: inout [TopologyPair: Int64], _ delta: Int64) {
        guard !terms.isEmpty, terms.allSatisfy({ $0.matches(pod, namespaceLabels: lookup) }) else { return }
        let labels = node.labels
        for term in terms {
            if let value = labels[term.topologyKey] { counts.add(TopologyPair(key: term.topologyKey, value: value), delta) }
        }
    }

    /// Counts the node's domain of each term `pod` matches.
    static func countAntiAffinity(_ terms: [AffinityTerm], matching pod: Pod, on node: NodeInfo, lookup: (String) -> [String: String]?,
                                  into counts: inout [TopologyPair: Int64], _ delta: Int64) {
        let labels = node.labels
        for term in terms where term.matches(pod, namespaceLabels: lookup) {
            if let value = labels[term.topologyKey] { counts.add(TopologyPair(key: term.topologyKey, value: value), delta) }
        }
    }

    // MARK: Filter

    public func filter(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> PluginStatus {
        guard let s = state.read(Self.preFilterKey, as: FilterState.self) else { return .success }
        let labels = node.labels
        if !satisfiesAffinity(s, pod: pod, labels: labels, lookup: state.listers.namespaceLabels) {
            return .unresolvable(Self.errReasonAffinityRulesNotMatch)
        }
        for term in pod.requiredAntiAffinityTerms {
            if let value = labels[term.topologyKey], (s.antiAffinityCounts[TopologyPair(key: term.topologyKey, value: value)] ?? 0) > 0 {
                return .unschedulable(Self.errReasonAntiAffinityRulesNotMatch)
            }
        }
        if !s.existingAntiAffinityCounts.isEmpty {
            for (key, value) in labels where (s.existingAntiAffinityCounts[TopologyPair(key: key, value: value)] ?? 0) > 0 {
                return .unschedulable(Self.errReasonExistingAntiAffinityRulesNotMatch)
            }
        }
        return .success
    }

    private func satisfiesAffinity(_ s: FilterState, pod: PodInfo, labels: [String: String], lookup: (String) -> [String: String]?) -> Bool {
        var podsExist = true
        for term in pod.requiredAffinityTerms {
            // Every topology label must exist on the node.
            guard let value = labels[term.topologyKey] else { return false }
            if (s.affinityCounts[TopologyPair(key: term.topologyKey, value: value)] ?? 0) <= 0 { podsExist = false }
        }
        if podsExist { return true }
        // The first pod of a group with affinity to itself: no pod anywhere matches, but the pod matches its own
        // terms, so it may go anywhere that has the topology labels.
        return s.affinityCounts.isEmpty && pod.requiredAffinityTerms.allSatisfy { $0.matches(pod.pod, namespaceLabels: lookup) }
    }

    // MARK: Score

    public func preScore(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo]) -> PluginStatus {
        let snapshot = state.snapshot
        let lookup = state.listers.namespaceLabels
        let hasPreferences = !pod.preferredAffinityTerms.isEmpty || !pod.preferredAntiAffinityTerms.isEmpty
        let candidates: [NodeInfo] = hasPreferences ? snapshot.nodes : snapshot.withPodAffinity.map { snapshot.nodes[$0] }
        var scores: [String: [String: Int64]] = [:]
        func process(_ terms: [AffinityTerm], matching target: Pod, weight: ((AffinityTerm) -> Int64)?, labels: [String: String], _ sign: Int64) {
            for term in terms where term.matches(target, namespaceLabels: lookup) {
                guard let value = labels[term.topologyKey] else { continue }
                scores[term.topologyKey, default: [:]][value, default: 0] += (weight?(term) ?? Int64(term.weight)) * sign
            }
        }
        for node in candidates {
            let labels = node.labels
            if labels.isEmpty { continue }
            for existing in node.pods where hasPreferences || existing.hasAffinity {
                process(pod.preferredAffinityTerms, matching: existing.pod, weight: nil, labels: labels, 1)
                process(pod.preferredAntiAffinityTerms, matching: existing.pod, weight: nil, labels: labels, -1)
                if hardPodAffinityWeight > 0 {
                    process(existing.requiredAffinityTerms, matching: pod.pod, weight: { _ in hardPodAffinityWeight }, labels: labels, 1)
                }
                process(existing.preferredAffinityTerms, matching: pod.pod, weight: nil, labels: labels, 1)
                process(existing.preferredAntiAffinityTerms, matching: pod.pod, weight: nil, labels: labels, -1)
            }
        }
        if scores.isEmpty { return .skip }
        state.write(Self.preScoreKey, scores)
        return .success
    }

    public func score(_ state: CycleState, pod: PodInfo, node: NodeInfo) -> Int64 {
        guard let scores = state.read(Self.preScoreKey, as: [String: [String: Int64]].self) else { return 0 }
        var total: Int64 = 0
        let labels = node.labels
        for (key, values) in scores {
            if let value = labels[key] { total += values[value] ?? 0 }
        }
        return total
    }

    /// Min-max scaling to 0…100.
    public func normalize(_ state: CycleState, pod: PodInfo, nodes: [NodeInfo], scores: inout [Int64]) {
        guard let low = scores.min(), let high = scores.max() else { return }
        let spread = high - low
        for i in scores.indices {
            scores[i] = spread > 0 ? Int64(Double(maxNodeScore) * Double(scores[i] - low) / Double(spread)) : 0
        }
    }
}
