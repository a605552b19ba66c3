import SwiftletAPI

extension LabelSelector {
    /// The selector a `metav1.LabelSelector` describes; nil selects nothing and an empty one everything, as upstream.
    public static func from(_ selector: MetaLabelSelector?) -> LabelSelector {
        guard let selector else { return .nothing }
        var requirements: [Requirement] = []
        for (k, v) in (selector.matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) {
            requirements.append(Requirement(key: k, op: .equals, values: [v]))
        }
        for e in selector.matchExpressions ?? [] {
            let key = e.key ?? ""
            switch e.operator ?? "" {
            case "In": requirements.append(Requirement(key: key, op: .in, values: e.values ?? []))
            case "NotIn": requirements.append(Requirement(key: key, op: .notIn, values: e.values ?? []))
            case "Exists": requirements.append(Requirement(key: key, op: .exists))
            case "DoesNotExist": requirements.append(Requirement(key: key, op: .doesNotExist))
            default: return .nothing
            }
        }
        return LabelSelector(requirements: requirements)
    }

    /// A map selector (ReplicationController's): every pair must match; empty selects nothing.
    public static func from(map: [String: String]?) -> LabelSelector {
        guard let map, !map.isEmpty else { return .nothing }
        return LabelSelector(requirements: map.sorted { $0.key < $1.key }.map { Requirement(key: $0.key, op: .equals, values: [$0.value]) })
    }
}
