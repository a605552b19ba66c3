
/// Node selector terms against a node (upstream's `nodeaffinity.NodeSelector`): terms are ORed, the
/// requirements of a term ANDed, and a term without requirements matches nothing.
public enum NodeSelectorMatching {
    /// Whether the pod's `nodeSelector` and required node affinity both accept the node.
    public static func requiredMatches(_ pod: Pod, node: Node?) -> Bool {
        let labels = node?.metadata?.labels ?? [:]
        for (key, value) in pod.spec?.nodeSelector ?? [:] where labels[key] != value { return false }
        if let required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution {
            return matches(anyOf: required.nodeSelectorTerms ?? [], node: node)
        }
        return true
    }

    public static func matches(anyOf terms: [NodeSelectorTerm], node: Node?) -> Bool {
        terms.contains { matches($0, node: node) }
    }

    public static func matches(_ term: NodeSelectorTerm, node: Node?) -> Bool {
        let expressions = term.matchExpressions ?? [], fields = term.matchFields ?? []
        if expressions.isEmpty && fields.isEmpty { return false }
        let labels = node?.metadata?.labels ?? [:]
        for requirement in expressions where !matches(requirement, value: labels[requirement.key ?? ""]) { return false }
        for requirement in fields {
            // Only metadata.name is a supported field.
            guard requirement.key == "metadata.name" else { return false }
            guard requirement.operator == "In" || requirement.operator == "NotIn" else { return false }
            if !matches(requirement, value: node?.metadata?.name) { return false }
        }
        return true
    }

    /// One requirement against a label's value (nil when the node lacks the label).
    static func matches(_ requirement: NodeSelectorRequirement, value: String?) -> Bool {
        let values = requirement.values ?? []
        switch requirement.operator ?? "" {
        case "In": return value.map(values.contains) ?? false
        case "NotIn": return !(value.map(values.contains) ?? false)
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard values.count == 1, let bound = Int64(values[0]), let value, let actual = Int64(value) else { return false }
            return requirement.operator == "Gt" ? actual > bound : actual < bound
        default: return false
        }
    }
}
