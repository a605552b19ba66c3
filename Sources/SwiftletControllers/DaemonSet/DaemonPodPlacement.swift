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
        guard NodeSelectorMatching.requiredMatches(Pod(spec: spec), node: node) else { return (false, false) }
        let taints = node.spec?.taints ?? []
        let tolerations = spec.tolerations ?? []
        let untolerated = { (effects: Set<String>) in
            taints.contains { taint in
                effects.contains(taint.effect ?? "") && !taint.isTolerated(by: tolerations)
            }
        }
        if untolerated(["NoSchedule", "NoExecute"]) {
            return (false, !untolerated(["NoExecute"]))
        }
        return (true, true)
    }
}
