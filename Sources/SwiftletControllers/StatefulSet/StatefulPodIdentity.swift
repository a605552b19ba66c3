import Foundation
import SwiftletAPI

/// The stable identity of a StatefulSet's pods — name `<set>-<ordinal>`, hostname, subdomain, identity labels
/// and one claim per volume claim template — and how a pod is built from a template (upstream's
/// `stateful_set_utils.go`).
enum StatefulPodIdentity {
    static let podNameLabel = "statefulset.kubernetes.io/pod-name"
    static let podIndexLabel = "apps.kubernetes.io/pod-index"
    static let revisionLabel = "controller-revision-hash"

    /// The parent set's name and the ordinal in a pod name `<parent>-<digits>`; ordinal -1 when it has none.
    static func parentAndOrdinal(_ podName: String) -> (parent: String, ordinal: Int) {
        guard let dash = podName.lastIndex(of: "-") else { return ("", -1) }
        let digits = podName[podName.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let ordinal = Int32(digits) else { return ("", -1) }
        return (String(podName[..<dash]), Int(ordinal))
    }

    static func ordinal(of pod: Pod) -> Int { parentAndOrdinal(pod.metadata?.name ?? "").ordinal }

    /// Whether the pod's name makes it one of the set's (upstream's `isMemberOf`).
    static func isMember(_ pod: Pod, of set: StatefulSet) -> Bool {
        let (parent, ordinal) = parentAndOrdinal(pod.metadata?.name ?? "")
        return ordinal >= 0 && parent == set.metadata?.name
    }

    static func podName(_ set: StatefulSet, ordinal: Int) -> String { "\(set.metadata?.name ?? "")-\(ordinal)" }

    static func claimName(_ set: StatefulSet, template: PersistentVolumeClaim, ordinal: Int) -> String {
        "\(template.metadata?.name ?? "")-\(set.metadata?.name ?? "")-\(ordinal)"
    }

    /// The claims the pod at `ordinal` uses, keyed by template (volume) name, in template order. Their labels are the
    /// template's plus the set selector's matchLabels, as upstream.
    static func claims(_ set: StatefulSet, ordinal: Int) -> [(volume: String, claim: PersistentVolumeClaim)] {
        (set.spec?.volumeClaimTemplates ?? []).map { template in
            var claim = template
            var meta = claim.metadata ?? ObjectMeta()
            meta.name = claimName(set, template: template, ordinal: ordinal)
            meta.namespace = set.metadata?.namespace
            var labels = meta.labels ?? [:]
            for (k, v) in set.spec?.selector?.matchLabels ?? [:] { labels[k] = v }
            meta.labels = labels.isEmpty ? nil : labels
            claim.metadata = meta
            claim.status = nil
            return (template.metadata?.name ?? "", claim)
        }
    }

    /// A new pod for `ordinal` from `set`'s template (upstream's `newStatefulSetPod`): the template's labels,
    /// annotations and finalizers, a controller reference to the set, the identity and the claim volumes.
    static func newPod(_ set: StatefulSet, ordinal: Int, revision: String) -> Pod {
        let template = set.spec?.template
        let owner = OwnerReference(apiVersion: StatefulSet.groupVersionKind.apiVersion, blockOwnerDeletion: true, controller: true,
                                   kind: StatefulSet.groupVersionKind.kind, name: set.metadata?.name, uid: set.metadata?.uid)
        var pod = Pod(metadata: ObjectMeta(annotations: template?.metadata?.annotations, finalizers: template?.metadata?.finalizers,
                                           generateName: "\(set.metadata?.name ?? "")-", labels: template?.metadata?.labels,
                                           name: podName(set, ordinal: ordinal), namespace: set.metadata?.namespace,
                                           ownerReferences: [owner]),
                      spec: template?.spec ?? PodSpec())
        updateIdentity(set, &pod)
        // Hostname and subdomain are immutable, so they are set on creation only.
        pod.spec?.hostname = pod.metadata?.name
        pod.spec?.subdomain = set.spec?.serviceName
        updateStorage(set, &pod)
        pod.metadata?.labels?[revisionLabel] = revision
        return pod
    }

    /// Sets the pod's name, namespace and identity labels from its ordinal.
    static func updateIdentity(_ set: StatefulSet, _ pod: inout Pod) {
        let ordinal = ordinal(of: pod)
        var meta = pod.metadata ?? ObjectMeta()
        meta.name = podName(set, ordinal: ordinal)
        meta.namespace = set.metadata?.namespace
        var labels = meta.labels ?? [:]
        labels[podNameLabel] = meta.name
        labels[podIndexLabel] = String(ordinal)
        meta.labels = labels
        pod.metadata = meta
    }

    /// Points the pod's volumes named after claim templates at the pod's claims, keeping its other volumes.
    static func updateStorage(_ set: StatefulSet, _ pod: inout Pod) {
        let claims = claims(set, ordinal: ordinal(of: pod))
        guard !claims.isEmpty else { return }
        let names = Set(claims.map(\.volume))
        var volumes = claims.map { Volume(name: $0.volume, persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: $0.claim.metadata?.name)) }
        volumes += (pod.spec?.volumes ?? []).filter { !names.contains($0.name ?? "") }
        if pod.spec == nil { pod.spec = PodSpec() }
        pod.spec?.volumes = volumes
    }

    static func identityMatches(_ set: StatefulSet, _ pod: Pod) -> Bool {
        let name = pod.metadata?.name ?? ""
        let (parent, ordinal) = parentAndOrdinal(name)
        return ordinal >= 0 && parent == set.metadata?.name && name == podName(set, ordinal: ordinal)
            && pod.metadata?.namespace == set.metadata?.namespace && pod.metadata?.labels?[podNameLabel] == name
    }

    static func storageMatches(_ set: StatefulSet, _ pod: Pod) -> Bool {
        let ordinal = ordinal(of: pod)
        guard ordinal >= 0 else { return false }
        let volumes = Dictionary((pod.spec?.volumes ?? []).map { ($0.name ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        return (set.spec?.volumeClaimTemplates ?? []).allSatisfy { template in
            volumes[template.metadata?.name ?? ""]?.persistentVolumeClaim?.claimName == claimName(set, template: template, ordinal: ordinal)
        }
    }
}
