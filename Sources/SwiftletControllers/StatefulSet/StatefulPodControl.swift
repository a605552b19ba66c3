import Foundation
import SwiftletAPI
import SwiftletClient

/// The writes the StatefulSet controller makes for one pod — its claims first, then the pod; deletions; identity
/// repairs; claim owner references for the retention policy — each recorded as an event on the set with
/// upstream's wording (`stateful_pod_control.go`).
struct StatefulPodControl: Sendable {
    let pods: ResourceClient<Pod>
    let claims: ResourceClient<PersistentVolumeClaim>
    let claimCache: Indexer<PersistentVolumeClaim>
    let events: EventRecorder

    // MARK: pods

    /// Creates the pod's missing claims, then the pod, then points the claims' owners at what the retention policy
    /// asks. Throws `alreadyExists` when the pod name is taken (the cache is behind), without an event.
    @discardableResult
    func createPod(_ set: StatefulSet, _ pod: Pod) async throws -> Pod {
        let known: [String: PersistentVolumeClaim]
        do {
            known = try await createMissingClaims(set, pod)
        } catch {
            recordPodEvent("create", set, pod, error)
            throw error
        }
        let created: Pod
        do {
            created = try await pods.create(pod, namespace: pod.metadata?.namespace)
        } catch let error as APIError {
            if error.reason != .alreadyExists { recordPodEvent("create", set, pod, error) }
            throw error
        }
        do {
            try await updateClaimsForRetentionPolicy(set, created, known: known)
        } catch {
            recordPodEvent("update", set, created, error)
            throw error
        }
        recordPodEvent("create", set, created, nil)
        return created
    }

    /// Deletes the pod, and only that incarnation of it (a uid precondition); a pod already gone counts as deleted.
    func deletePod(_ set: StatefulSet, _ pod: Pod) async throws {
        do {
            var options = DeleteOptions()
            if let uid = pod.metadata?.uid { options.preconditions = Preconditions(uid: uid) }
            _ = try await pods.delete(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace, options: options)
        } catch let error as APIError {
            // Gone, or replaced by a newer pod of that name (the uid precondition failed): nothing left to delete.
            if error.reason == .notFound || error.reason == .conflict { return }
            recordPodEvent("delete", set, pod, error)
            throw error
        }
        recordPodEvent("delete", set, pod, nil)
    }

    /// Restores the pod's identity and claim volumes and its claims' owner references (upstream's `UpdateStatefulPod`).
    func updatePod(_ set: StatefulSet, _ pod: Pod) async throws {
        var current = pod
        do {
            for attempt in 0..<3 {
                var known: [String: PersistentVolumeClaim] = [:]
                if !StatefulPodIdentity.storageMatches(set, current) {
                    known = try await createMissingClaims(set, current)
                }
                try await updateClaimsForRetentionPolicy(set, current, known: known)
                if StatefulPodIdentity.identityMatches(set, current) && StatefulPodIdentity.storageMatches(set, current) { break }
                var desired = current
                StatefulPodIdentity.updateIdentity(set, &desired)
                StatefulPodIdentity.updateStorage(set, &desired)
                do {
                    _ = try await pods.update(desired)
                    break
                } catch let error as APIError {
                    guard error.reason == .conflict, attempt < 2 else { throw error }
                    current = try await pods.get(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace)
                }
            }
        } catch {
            recordPodEvent("update", set, pod, error)
            throw error
        }
        recordPodEvent("update", set, pod, nil)
    }

    // MARK: claims

    /// Creates the claims of the pod that do not exist yet; returns every claim of the pod that exists.
    /// A claim being deleted is an error: the pod must not start on storage about to vanish.
    func createMissingClaims(_ set: StatefulSet, _ pod: Pod) async throws -> [String: PersistentVolumeClaim] {
        var known: [String: PersistentVolumeClaim] = [:]
        var failures: [String] = []
        for (_, claim) in StatefulPodIdentity.claims(set, ordinal: StatefulPodIdentity.ordinal(of: pod)) {
            let name = claim.metadata?.name ?? ""
            var existing = claimCache.get(key: ObjectKey.make(namespace: claim.metadata?.namespace, name: name))
            if existing == nil {
                do {
                    let created = try await claims.create(claim, namespace: claim.metadata?.namespace)
                    recordClaimEvent(set, pod, claim, nil)
                    known[name] = created
                    continue
                } catch let error as APIError {
                    if error.reason != .alreadyExists {
                        recordClaimEvent(set, pod, claim, error)
                        failures.append("failed to create PVC \(name): \(error.message)")
                        continue
                    }
                    existing = try? await claims.get(name, namespace: claim.metadata?.namespace)
                }
            }
            guard let existing else { continue }
            if existing.metadata?.deletionTimestamp != nil { failures.append("pvc \(name) is being deleted") }
            known[name] = existing
        }
        if !failures.isEmpty { throw StatefulSetSyncError(message: failures.joined(separator: ", ")) }
        return known
    }

    private func claim(_ name: String, namespace: String?, known: [String: PersistentVolumeClaim]) -> PersistentVolumeClaim? {
        claimCache.get(key: ObjectKey.make(namespace: namespace, name: name)) ?? known[name]
    }

    /// Whether every existing claim of the pod has the owner references the retention policy asks for.
    func claimsMatchRetentionPolicy(_ set: StatefulSet, _ pod: Pod) -> Bool {
        StatefulPodIdentity.claims(set, ordinal: StatefulPodIdentity.ordinal(of: pod)).allSatisfy { _, template in
            guard let claim = claim(template.metadata?.name ?? "", namespace: set.metadata?.namespace, known: [:]) else { return true }
            return ClaimRetentionOwnership.isUpToDate(claim, set: set, pod: pod)
        }
    }

    /// Rewrites the owner references of the pod's existing claims to match the retention policy; a missing claim
    /// is picked up by a later sync.
    func updateClaimsForRetentionPolicy(_ set: StatefulSet, _ pod: Pod, known: [String: PersistentVolumeClaim]) async throws {
        for (_, template) in StatefulPodIdentity.claims(set, ordinal: StatefulPodIdentity.ordinal(of: pod)) {
            let name = template.metadata?.name ?? ""
            guard var claim = claim(name, namespace: set.metadata?.namespace, known: known) else { continue }
            if ClaimRetentionOwnership.hasUnexpectedController(claim, set: set, pod: pod) {
                events.record(set, type: "Warning", reason: "ConflictingController",
                              message: "PersistentVolumeClaim \(name) has a conflicting OwnerReference that acts as a manging controller, the retention policy is ignored for this claim")
            }
            guard !ClaimRetentionOwnership.isUpToDate(claim, set: set, pod: pod) else { continue }
            let refs = ClaimRetentionOwnership.updatedOwnerReferences(claim, set: set, pod: pod)
            claim.metadata?.ownerReferences = refs.isEmpty ? nil : refs
            do {
                _ = try await claims.update(claim)
            } catch {
                throw StatefulSetSyncError(message: "could not update claim \(name) for delete policy ownerRefs: \(error)")
            }
        }
    }

    /// Whether a claim of the pod still belongs to an earlier pod of that name (scaled away under whenScaled=Delete
    /// and not yet collected): the pod must wait rather than reuse storage about to be deleted.
    func podClaimIsStale(_ set: StatefulSet, _ pod: Pod) -> Bool {
        guard set.whenScaled != "Retain" else { return false }
        return StatefulPodIdentity.claims(set, ordinal: StatefulPodIdentity.ordinal(of: pod)).contains { _, template in
            guard let claim = claim(template.metadata?.name ?? "", namespace: set.metadata?.namespace, known: [:]) else { return false }
            return ClaimRetentionOwnership.hasStaleOwnerRef(claim, kind: Pod.groupVersionKind, name: pod.metadata?.name, uid: pod.metadata?.uid)
        }
    }

    // MARK: events

    private func recordPodEvent(_ verb: String, _ set: StatefulSet, _ pod: Pod, _ error: (any Error)?) {
        let podName = pod.metadata?.name ?? "", setName = set.metadata?.name ?? ""
        if let error {
            events.record(set, type: "Warning", reason: "Failed\(verb.capitalized)",
                          message: "\(verb) Pod \(podName) in StatefulSet \(setName) failed error: \(Self.text(error))")
        } else {
            events.record(set, reason: "Successful\(verb.capitalized)", message: "\(verb) Pod \(podName) in StatefulSet \(setName) successful")
        }
    }

    private func recordClaimEvent(_ set: StatefulSet, _ pod: Pod, _ claim: PersistentVolumeClaim, _ error: (any Error)?) {
        let podName = pod.metadata?.name ?? "", setName = set.metadata?.name ?? "", claimName = claim.metadata?.name ?? ""
        if let error {
            events.record(set, type: "Warning", reason: "FailedCreate",
                          message: "create Claim \(claimName) for Pod \(podName) in StatefulSet \(setName) failed error: \(Self.text(error))")
        } else {
            events.record(set, reason: "SuccessfulCreate", message: "create Claim \(claimName) Pod \(podName) in StatefulSet \(setName) success")
        }
    }

    static func text(_ error: any Error) -> String {
        (error as? APIError)?.message ?? "\(error)"
    }
}

/// Why a StatefulSet sync stopped; retried with backoff.
struct StatefulSetSyncError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
