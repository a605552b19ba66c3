import SwiftletAPI

/// The owner references a StatefulSet claim carries under `persistentVolumeClaimRetentionPolicy` (upstream's
/// `isClaimOwnerUpToDate` and `updateClaimOwnerRefForSetAndPod`), which the garbage collector turns into deletion:
/// Retain/Retain none; whenDeleted=Delete a controller reference to the set; whenScaled=Delete a controller
/// reference to the pod once its ordinal is scaled away (and then none to the set).
enum ClaimRetentionOwnership {
    static func refMatches(_ ref: OwnerReference, kind: GroupVersionKind, name: String?) -> Bool {
        ref.apiVersion == kind.apiVersion && ref.kind == kind.kind && ref.name == name
    }

    static func hasOwnerRef(_ claim: PersistentVolumeClaim, uid: String?) -> Bool {
        guard let uid, !uid.isEmpty else { return false }
        return (claim.metadata?.ownerReferences ?? []).contains { $0.uid == uid }
    }

    /// A reference to an object of that kind and name but another uid: a previous incarnation owns the claim.
    static func hasStaleOwnerRef(_ claim: PersistentVolumeClaim, kind: GroupVersionKind, name: String?, uid: String?) -> Bool {
        guard let ref = (claim.metadata?.ownerReferences ?? []).first(where: { refMatches($0, kind: kind, name: name) }) else { return false }
        return ref.uid != uid
    }

    /// Another controller manages the claim (or a stale set or pod reference does), so the policy leaves it alone.
    static func hasUnexpectedController(_ claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod) -> Bool {
        if set.whenScaled == "Retain" && set.whenDeleted == "Retain" { return false }
        for ref in claim.metadata?.ownerReferences ?? [] {
            if refMatches(ref, kind: StatefulSet.groupVersionKind, name: set.metadata?.name) {
                if ref.uid != set.metadata?.uid { return true }
                continue
            }
            if refMatches(ref, kind: Pod.groupVersionKind, name: pod.metadata?.name) {
                if ref.uid != pod.metadata?.uid { return true }
                continue
            }
            if ref.controller == true { return true }
        }
        return false
    }

    static func hasNonControllerOwner(_ claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod) -> Bool {
        (claim.metadata?.ownerReferences ?? []).contains { ref in
            (ref.uid == set.metadata?.uid || (ref.uid != nil && ref.uid == pod.metadata?.uid)) && ref.controller != true
        }
    }

    static func isUpToDate(_ claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod) -> Bool {
        if hasStaleOwnerRef(claim, kind: StatefulSet.groupVersionKind, name: set.metadata?.name, uid: set.metadata?.uid)
            || hasStaleOwnerRef(claim, kind: Pod.groupVersionKind, name: pod.metadata?.name, uid: pod.metadata?.uid) {
            return true
        }
        let setRef = hasOwnerRef(claim, uid: set.metadata?.uid), podRef = hasOwnerRef(claim, uid: pod.metadata?.uid)
        if hasUnexpectedController(claim, set: set, pod: pod) { return !(setRef || podRef) }
        if hasNonControllerOwner(claim, set: set, pod: pod) { return false }
        let scaledDown = !set.inOrdinalRange(pod)
        switch (set.whenScaled, set.whenDeleted) {
        case ("Delete", "Retain"): return !setRef && scaledDown == podRef
        case ("Delete", "Delete"): return scaledDown != setRef && scaledDown == podRef
        case ("Retain", "Delete"): return setRef && !podRef
        default: return !setRef && !podRef
        }
    }

    /// The claim's owner references once brought in line with the policy.
    static func updatedOwnerReferences(_ claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod) -> [OwnerReference] {
        let unexpected = hasUnexpectedController(claim, set: set, pod: pod)
        var refs = (claim.metadata?.ownerReferences ?? []).filter {
            !refMatches($0, kind: StatefulSet.groupVersionKind, name: set.metadata?.name) && !refMatches($0, kind: Pod.groupVersionKind, name: pod.metadata?.name)
        }
        if unexpected { return refs }
        func addController(kind: GroupVersionKind, name: String?, uid: String?) {
            guard !refs.contains(where: { $0.uid == uid }) else { return }
            refs.append(OwnerReference(apiVersion: kind.apiVersion, blockOwnerDeletion: true, controller: true, kind: kind.kind, name: name, uid: uid))
        }
        let scaledDown = !set.inOrdinalRange(pod)
        let addSet = { addController(kind: StatefulSet.groupVersionKind, name: set.metadata?.name, uid: set.metadata?.uid) }
        let addPod = { addController(kind: Pod.groupVersionKind, name: pod.metadata?.name, uid: pod.metadata?.uid) }
        switch (set.whenScaled, set.whenDeleted) {
        case ("Retain", "Delete"): addSet()
        case ("Delete", "Retain"): if scaledDown { addPod() }
        case ("Delete", "Delete"): if scaledDown { addPod() } else { addSet() }
        default: break
        }
        return refs
    }
}
