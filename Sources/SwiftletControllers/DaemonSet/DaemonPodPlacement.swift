import SwiftletAPI

/// Which nodes a DaemonSet's pod belongs on, and how its pods are pinned there: upstream's
/// `NodeShouldRunDaemonPod`, `AddOrUpdateDaemonPodTolerations`, `ReplaceDaemonSetPodNodeNameNodeAffinity`
/// and `GetTargetNodeName` (pkg/controller/daemon).
public enum DaemonPodPlacement {
    /// The field the pinning affinity matches on (`metav1.ObjectNameField`).
    static let nodeNameField = "metadata.name"

    /// The tolerations upstream adds to every daemon pod so node problems do not evict or block it.
    static func daemonTolerations(hostNetwork: Bool) -> [Toleration] {
        var tolerations = [
            Toleration(effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists"),
            Toleration(effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists"),
            Toleration(effect: "NoSchedule", key: "node.kubernetes.io/disk-pressure", operator: "Exists"),
            Toleration(effect: "NoSchedule", key: "node.kubernetes.io/memory-pressure", operator: "Exists"),
            Toleration(effect: "NoSchedule", key: "node.kubernetes.io/pid-pressure", operator: "Exists"),
            Toleration(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable", operator: "Exists"),
        ]
        if hostNetwork {
            tolerations.append(Toleration(effect: "NoSchedule", key: "node.kubernetes.io/network-unavailable", operator: "Exists"))
        }
        return tolerations
    }

    /// Adds the daemon tolerations, replacing a toleration with the same key, operator, value and effect
    /// (upstream's `AddOrUpdateTolerationInPodSpec`).
    public static func addDaemonTolerations(_ spec: inout PodSpec) {
        var tolerations = spec.tolerations ?? []
        for toleration in daemonTolerations(hostNetwork: spec.hostNetwork == true) {
            let same = { (t: Toleration) in
                (t.key ?? "") == (toleration.key ?? "") && (t.effect ?? "") == (toleration.effect ?? "")
                    && (t.operator ?? "") == (toleration.operator ?? "") && (t.value ?? "") == (toleration.value ?? "")
            }
            if let index = tolerations.firstIndex(where: same) {
                tolerations[index] = toleration
            } else {
                tolerations.append(toleration)
            }
        }
        spec.tolerations = tolerations
    }

    /// Replaces the required node affinity with one term matching only `nodeName`, keeping the rest of the
    /// affinity: the scheduler then binds the pod there.
    public static func pin(_ affinity: Affinity?, to nodeName: String) -> Affinity {
        let term = NodeSelectorTerm(matchFields: [NodeSelectorRequirement(key: nodeNameField, operator: "In", values: [nodeName])])
        var affinity = affinity ?? Affinity()
        var nodeAffinity = affinity.nodeAffinity ?? NodeAffinity()
        var required = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution ?? NodeSelector()
        required.nodeSelectorTerms = [term]
        nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = required
        affinity.nodeAffinity = nodeAffinity
        return affinity
    }

    /// The node a daemon pod is on or is meant for: `spec.nodeName`, else the node its pinning affinity names.
    public static func targetNodeName(of pod: Pod) -> String? {
        if let name = pod.spec?.nodeName, !name.isEmpty { return name }
        for term in pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [] {
            for field in term.matchFields ?? [] where field.key == nodeNameField && field.operator == "In" {
                guard let values = field.values, values.count == 1 else { return nil }
                return values[0]
            }
        }
        return nil
    }

    /// Whether a new daemon pod should run on `node` and whether one already there may keep running
    /// (it may when only NoSchedule taints are not tolerated).
    public static func shouldRun(_ ds: DaemonSet, on node: Node) -> (shouldRun: Bool, shouldContinueRunning: Bool) {
        var spec = ds.spec?.template?.spec ?? PodSpec()
        let nodeName = node.metadata?.name ?? ""
        if let wanted = spec.nodeName, !wanted.isEmpty, wanted != nodeName { return (false, false) }
        addDaemonTolerations(&spec)
        guard matchesRequiredAffinity(spec, node: node) else { return (false, false) }
        let taints = node.spec?.taints ?? []
        let tolerations = spec.tolerations ?? []
        let untolerated = { (effects: Set<String>) in
            taints.contains { taint in
                effects.contains(taint.effect ?? "") && !tolerations.contains { tolerates($0, taint) }
            }
        }
        if untolerated(["NoSchedule", "NoExecute"]) {
            return (false, !untolerated(["NoExecute"]))
        }
        return (true, true)
    }

    /// Upstream's `Toleration.ToleratesTaint`.
    static func tolerates(_ toleration: Toleration, _ taint: Taint) -> Bool {
        if let effect = toleration.effect, !effect.isEmpty, effect != taint.effect { return false }
        if let key = toleration.key, !key.isEmpty, key != taint.key { return false }
        switch toleration.operator ?? "" {
        case "", "Equal": return (toleration.value ?? "") == (taint.value ?? "")
        case "Exists": return true
        default: return false
        }
    }

    /// `nodeSelector` and the required node affinity (upstream's `GetRequiredNodeAffinity(pod).Match(node)`).
    static func matchesRequiredAffinity(_ spec: PodSpec, node: Node) -> Bool {
        let labels = node.metadata?.labels ?? [:]
        for (key, value) in spec.nodeSelector ?? [:] where labels[key] != value { return false }
        guard let required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution else { return true }
        let fields = ["metadata.name": node.metadata?.name ?? ""]
        return (required.nodeSelectorTerms ?? []).contains { term in
            let expressions = term.matchExpressions ?? [], matchFields = term.matchFields ?? []
            if expressions.isEmpty && matchFields.isEmpty { return false }
            return expressions.allSatisfy { matches($0, labels) } && matchFields.allSatisfy { matches($0, fields) }
        }
    }

    /// One node selector requirement against labels (or fields); an unknown operator matches nothing.
    static func matches(_ requirement: NodeSelectorRequirement, _ values: [String: String]) -> Bool {
        let key = requirement.key ?? ""
        let wanted = requirement.values ?? []
        let actual = values[key]
        switch requirement.operator ?? "" {
        case "In": return actual.map(wanted.contains) ?? false
        case "NotIn": return actual.map { !wanted.contains($0) } ?? true
        case "Exists": return actual != nil
        case "DoesNotExist": return actual == nil
        case "Gt", "Lt":
            guard wanted.count == 1, let bound = Int64(wanted[0]), let actual, let number = Int64(actual) else { return false }
            return requirement.operator == "Gt" ? number > bound : number < bound
        default: return false
        }
    }
}
