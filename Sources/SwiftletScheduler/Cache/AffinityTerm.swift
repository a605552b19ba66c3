import SwiftletAPI
import SwiftletControllers

/// A pod (anti-)affinity term with its selectors parsed once (upstream's `framework.AffinityTerm`).
public struct AffinityTerm: Sendable, Hashable {
    /// The namespaces listed in the term, or the owning pod's when neither these nor a namespace selector are given.
    public var namespaces: Set<String>
    /// Namespaces whose labels match are included too; `.nothing` when the term has no namespace selector.
    public var namespaceSelector: LabelSelector
    public var selector: LabelSelector
    public var topologyKey: String
    /// The weight of a preferred term (1…100); 0 for a required term.
    public var weight: Int32

    public init(_ term: PodAffinityTerm, of pod: Pod, weight: Int32 = 0) {
        let podNamespace = pod.metadata?.namespace ?? ""
        var namespaces = Set(term.namespaces ?? [])
        if namespaces.isEmpty && term.namespaceSelector == nil { namespaces.insert(podNamespace) }
        self.namespaces = namespaces
        self.namespaceSelector = LabelSelector.from(term.namespaceSelector)
        var selector = LabelSelector.from(term.labelSelector)
        // matchLabelKeys / mismatchLabelKeys add the owning pod's values of those labels (upstream merges them).
        if term.labelSelector != nil {
            let labels = pod.metadata?.labels ?? [:]
            for key in term.matchLabelKeys ?? [] {
                if let value = labels[key] { selector.requirements.append(.init(key: key, op: .in, values: [value])) }
            }
            for key in term.mismatchLabelKeys ?? [] {
                if let value = labels[key] { selector.requirements.append(.init(key: key, op: .notIn, values: [value])) }
            }
        }
        self.selector = selector
        self.topologyKey = term.topologyKey ?? ""
        self.weight = weight
    }

    /// Whether `pod` is one the term selects; `namespaceLabels` looks up a namespace's labels for the namespace selector.
    public func matches(_ pod: Pod, namespaceLabels: (String) -> [String: String]?) -> Bool {
        let namespace = pod.metadata?.namespace ?? ""
        if !namespaces.contains(namespace) {
            guard !namespaceSelector.matchesNothing, let labels = namespaceLabels(namespace), namespaceSelector.matches(labels) else {
                return false
            }
        }
        return selector.matches(pod.metadata?.labels ?? [:])
    }
}
