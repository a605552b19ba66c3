import Foundation
import SwiftletAPI
import SwiftletClient

/// ControllerRevisions: one per template a DaemonSet has had, named `<ds>-<hash>`, numbered in order of
/// use, pruned to `revisionHistoryLimit` (upstream's `constructHistory`, `snapshot`, `cleanupHistory`).
extension DaemonSetController {
    /// What a revision stores: a strategic merge patch that puts the template back (upstream's `getPatch`).
    static func revisionData(_ ds: DaemonSet) -> JSONValue {
        var template = (try? JSONParser.parse(Array(JSONEncoder().encode(ds.spec?.template ?? PodTemplateSpec())))) ?? .object([:])
        template["$patch"] = "replace"
        return ["spec": ["template": template]]
    }

    /// Whether `revision` holds the DaemonSet's current template (upstream's `Match`).
    static func matches(_ ds: DaemonSet, _ revision: ControllerRevision) -> Bool {
        PodTemplateHash.canonical(revision.data ?? .null) == PodTemplateHash.canonical(revisionData(ds))
    }

    /// The current revision (created or renumbered as needed) and the old ones.
    func constructHistory(_ ds: DaemonSet) async throws -> (current: ControllerRevision, old: [ControllerRevision]) {
        var current: [ControllerRevision] = []
        var old: [ControllerRevision] = []
        for var revision in await controlledRevisions(ds) {
            if revision.metadata?.labels?[Self.revisionHashLabel] == nil {
                // Older revisions may lack the label; the name stands in for the hash, as upstream.
                var meta = revision.metadata ?? ObjectMeta()
                meta.labels = (meta.labels ?? [:]).merging([Self.revisionHashLabel: meta.name ?? ""]) { _, new in new }
                revision.metadata = meta
                revision = try await revisions.update(revision)
            }
            if Self.matches(ds, revision) { current.append(revision) } else { old.append(revision) }
        }
        let next = (old.compactMap(\.revision).max() ?? 0) + 1
        guard !current.isEmpty else { return (try await snapshot(ds, revision: next), old) }
        var chosen = try await dedup(ds, current)
        if (chosen.revision ?? 0) < next {
            chosen.revision = next
            chosen = try await revisions.update(chosen)
        }
        return (chosen, old)
    }

    /// The revisions the DaemonSet owns, adopting matching orphans.
    private func controlledRevisions(_ ds: DaemonSet) async -> [ControllerRevision] {
        let uid = ds.metadata?.uid ?? ""
        let selector = LabelSelector.from(ds.spec?.selector)
        var owned: [ControllerRevision] = []
        for revision in Lister(indexer: revisionInformer.indexer).list(namespace: ds.metadata?.namespace ?? "") {
            let ref = revision.metadata?.ownerReferences?.first { $0.controller == true }
            if ref?.uid == uid {
                owned.append(revision)
                continue
            }
            guard ref == nil, selector.matches(revision.metadata?.labels ?? [:]) else { continue }
            let owner: JSONValue = ["apiVersion": "apps/v1", "kind": "DaemonSet", "name": .string(ds.metadata?.name ?? ""),
                                    "uid": .string(uid), "controller": true, "blockOwnerDeletion": true]
            let patch: JSONValue = ["metadata": ["ownerReferences": [owner], "uid": .string(revision.metadata?.uid ?? "")]]
            if let adopted = try? await revisions.patch(revision.metadata?.name ?? "", namespace: revision.metadata?.namespace,
                                                        type: .strategicMerge, body: patch) {
                owned.append(adopted)
            }
        }
        return owned
    }

    /// Keeps the highest-numbered of several revisions of the current template, moving pods off the others.
    private func dedup(_ ds: DaemonSet, _ revisions: [ControllerRevision]) async throws -> ControllerRevision {
        let sorted = revisions.sorted { ($0.revision ?? 0) > ($1.revision ?? 0) }
        let keep = sorted[0]
        guard sorted.count > 1 else { return keep }
        let keepHash = keep.metadata?.labels?[Self.revisionHashLabel] ?? ""
        let pods = await nodesToDaemonPods(ds, includeDeletedTerminal: true).values.joined()
        for duplicate in sorted.dropFirst() {
            let hash = duplicate.metadata?.labels?[Self.revisionHashLabel]
            for pod in pods where pod.metadata?.labels?[Self.revisionHashLabel] == hash {
                let patch: JSONValue = ["metadata": ["labels": .object([Self.revisionHashLabel: .string(keepHash)])]]
                _ = try await self.pods.patch(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace, type: .merge, body: patch)
            }
            do {
                _ = try await self.revisions.delete(duplicate.metadata?.name ?? "", namespace: duplicate.metadata?.namespace)
            } catch let error as APIError where error.reason == .notFound {
                continue
            }
        }
        return keep
    }

    /// Records the current template as revision `number`; a name taken by another template bumps collisionCount.
    private func snapshot(_ ds: DaemonSet, revision number: Int64) async throws -> ControllerRevision {
        let hash = DeploymentUtil.templateHash(ds.spec?.template, collisionCount: ds.status?.collisionCount)
        let name = "\(ds.metadata?.name ?? "")-\(hash)"
        var labels = ds.spec?.template?.metadata?.labels ?? [:]
        labels[Self.revisionHashLabel] = hash
        let owner = OwnerReference(apiVersion: "apps/v1", blockOwnerDeletion: true, controller: true, kind: "DaemonSet",
                                   name: ds.metadata?.name, uid: ds.metadata?.uid)
        let revision = ControllerRevision(metadata: ObjectMeta(annotations: ds.metadata?.annotations, labels: labels, name: name,
                                                               namespace: ds.metadata?.namespace, ownerReferences: [owner]),
                                          data: Self.revisionData(ds), revision: number)
        do {
            return try await revisions.create(revision, namespace: ds.metadata?.namespace)
        } catch let error as APIError where error.reason == .alreadyExists {
            let existing = try await revisions.get(name, namespace: ds.metadata?.namespace)
            if Self.matches(ds, existing) { return existing }
            var fresh = try await daemonSets.get(ds.metadata?.name ?? "", namespace: ds.metadata?.namespace)
            guard fresh.status?.collisionCount == ds.status?.collisionCount else {
                throw APIError(.conflict, "found a stale collision count of DaemonSet \"\(ds.metadata?.name ?? "")\" while processing; will retry until it is updated")
            }
            var status = fresh.status ?? DaemonSetStatus()
            status.collisionCount = (status.collisionCount ?? 0) + 1
            fresh.status = status
            _ = try await daemonSets.updateStatus(fresh)
            throw error
        }
    }

    /// Deletes the oldest revisions beyond `revisionHistoryLimit` that no pod still runs.
    func cleanupHistory(_ ds: DaemonSet, old: [ControllerRevision]) async throws {
        var toKill = old.count - Int(ds.spec?.revisionHistoryLimit ?? 10)
        guard toKill > 0 else { return }
        let liveHashes = Set(await nodesToDaemonPods(ds, includeDeletedTerminal: true).values.joined()
            .compactMap { $0.metadata?.labels?[Self.revisionHashLabel] })
        for revision in old.sorted(by: { ($0.revision ?? 0) < ($1.revision ?? 0) }) where toKill > 0 {
            if let hash = revision.metadata?.labels?[Self.revisionHashLabel], liveHashes.contains(hash) { continue }
            do {
                _ = try await revisions.delete(revision.metadata?.name ?? "", namespace: revision.metadata?.namespace)
            } catch let error as APIError where error.reason == .notFound {}
            toKill -= 1
        }
    }
}
