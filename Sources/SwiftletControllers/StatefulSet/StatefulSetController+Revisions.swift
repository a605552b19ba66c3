import Foundation
import SwiftletAPI
import SwiftletClient

/// The set's revision history: which revision its pods run now and which they move to, and old ones pruned.
extension StatefulSetController {
    struct Revisions {
        var current: ControllerRevision
        var update: ControllerRevision
        var collisionCount: Int32
    }

    /// Upstream's `getStatefulSetRevisions`: the update revision is the newest when it matches the template, an older
    /// equal one renumbered as the newest (a rollback), or a new one; the current revision is the one the status
    /// names, or the update revision when there is none.
    func resolveRevisions(_ set: StatefulSet, sorted revisions: [ControllerRevision]) async throws -> Revisions {
        var collisionCount = set.status?.collisionCount ?? 0
        let proposed = StatefulSetRevision.make(for: set, revision: (revisions.last?.revision ?? 0) + 1, collisionCount: collisionCount)
        let equal = revisions.filter { StatefulSetRevision.equal($0, proposed) }
        let update: ControllerRevision
        if let match = equal.last, let latest = revisions.last, StatefulSetRevision.equal(latest, match) {
            update = latest
        } else if var match = equal.last {
            match.revision = proposed.revision
            update = try await self.revisions.update(match)
        } else {
            update = try await createRevision(proposed, collisionCount: &collisionCount)
        }
        let current = revisions.first { $0.metadata?.name == set.status?.currentRevision } ?? update
        return Revisions(current: current, update: update, collisionCount: collisionCount)
    }

    /// Creates the revision, renaming it with a higher collision count while another revision with different data
    /// holds the name (upstream's `CreateControllerRevision`).
    private func createRevision(_ proposed: ControllerRevision, collisionCount: inout Int32) async throws -> ControllerRevision {
        var revision = proposed
        let setName = proposed.metadata?.ownerReferences?.first?.name ?? ""
        while true {
            let hash = StatefulSetRevision.hash(proposed.data ?? .null, collisionCount: collisionCount)
            revision.metadata?.name = StatefulSetRevision.name(setName: setName, hash: hash)
            revision.metadata?.labels?[StatefulSetRevision.hashLabel] = hash
            do {
                return try await revisions.create(revision, namespace: revision.metadata?.namespace)
            } catch let error as APIError {
                guard error.reason == .alreadyExists else { throw error }
                let existing = try await revisions.get(revision.metadata?.name ?? "", namespace: revision.metadata?.namespace)
                if StatefulSetRevision.sameData(existing, revision) { return existing }
                collisionCount += 1
            }
        }
    }

    /// Deletes the oldest revisions no pod, nor the current or update revision, uses beyond `revisionHistoryLimit`.
    func truncateHistory(_ set: StatefulSet, pods: [Pod], sorted revisions: [ControllerRevision], live: Revisions) async throws {
        var inUse: Set<String> = [live.current.metadata?.name ?? "", live.update.metadata?.name ?? ""]
        for pod in pods { inUse.insert(pod.statefulRevision) }
        let history = revisions.filter { !inUse.contains($0.metadata?.name ?? "") }
        let limit = Int(set.spec?.revisionHistoryLimit ?? 10)
        guard history.count > limit else { return }
        for revision in history.prefix(history.count - limit) {
            do {
                _ = try await self.revisions.delete(revision.metadata?.name ?? "", namespace: revision.metadata?.namespace)
            } catch let error as APIError {
                if error.reason != .notFound { throw error }
            }
        }
    }
}
