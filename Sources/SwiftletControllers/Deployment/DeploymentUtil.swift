import Foundation
import SwiftletAPI

/// Upstream's `deployment/util`: the pure rules that relate a Deployment to its ReplicaSets.
public enum DeploymentUtil {
    public static let templateHashLabel = "pod-template-hash"
    public static let revisionAnnotation = "deployment.kubernetes.io/revision"
    public static let revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
    public static let desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
    public static let maxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
    public static let changeCauseAnnotation = "kubernetes.io/change-cause"
    static let maxRevisionHistoryLength = 2000

    /// Deployment annotations never copied onto ReplicaSets (upstream's `annotationsToSkip`).
    static let annotationsNotCopied: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration", revisionAnnotation, revisionHistoryAnnotation,
        desiredReplicasAnnotation, maxReplicasAnnotation, "deprecated.deployment.rollback.to",
    ]

    // MARK: templates

    /// The template without the `pod-template-hash` label (an emptied label map counts as none).
    static func withoutHash(_ template: PodTemplateSpec?) -> PodTemplateSpec {
        var t = template ?? PodTemplateSpec()
        if var meta = t.metadata {
            meta.labels?[templateHashLabel] = nil
            if meta.labels?.isEmpty == true { meta.labels = nil }
            t.metadata = meta
        }
        return t
    }

    /// Whether two templates are equal once the `pod-template-hash` label is ignored (upstream's `EqualIgnoreHash`).
    public static func equalIgnoringHash(_ a: PodTemplateSpec?, _ b: PodTemplateSpec?) -> Bool {
        withoutHash(a) == withoutHash(b)
    }

    /// The `pod-template-hash` of a Deployment's template at `collisionCount`.
    public static func templateHash(_ template: PodTemplateSpec?, collisionCount: Int32?) -> String {
        let json = (try? JSONParser.parse(Array(JSONEncoder().encode(template ?? PodTemplateSpec())))) ?? .null
        return PodTemplateHash.compute(template: json, collisionCount: collisionCount)
    }

    /// The ReplicaSet whose template is the Deployment's (the oldest, if several are), as upstream's `FindNewReplicaSet`.
    public static func findNewReplicaSet(_ deployment: Deployment, in replicaSets: [ReplicaSet]) -> ReplicaSet? {
        byCreation(replicaSets).first { equalIgnoringHash($0.spec?.template, deployment.spec?.template) }
    }

    // MARK: ordering

    /// Oldest first; ties broken by name (upstream's `ReplicaSetsByCreationTimestamp`).
    public static func byCreation(_ replicaSets: [ReplicaSet]) -> [ReplicaSet] {
        replicaSets.sorted { a, b in
            let ta = a.metadata?.creationTimestamp?.date ?? .distantPast, tb = b.metadata?.creationTimestamp?.date ?? .distantPast
            return ta == tb ? (a.metadata?.name ?? "") < (b.metadata?.name ?? "") : ta < tb
        }
    }

    /// Lowest revision first, then oldest (upstream's `ReplicaSetsByRevision`).
    public static func byRevision(_ replicaSets: [ReplicaSet]) -> [ReplicaSet] {
        Array(byCreation(replicaSets).enumerated()).sorted { a, b in
            let ra = revision(a.element), rb = revision(b.element)
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
    }

    /// Largest first; ties go to the newer one when `newerFirst`, else the older (`ReplicaSetsBySizeNewer`/`Older`).
    static func bySize(_ replicaSets: [ReplicaSet], newerFirst: Bool) -> [ReplicaSet] {
        let ordered = byCreation(replicaSets)
        let indexed = Array(ordered.enumerated())
        return indexed.sorted { a, b in
            let sa = a.element.replicaCount, sb = b.element.replicaCount
            if sa != sb { return sa > sb }
            return newerFirst ? a.offset > b.offset : a.offset < b.offset
        }.map(\.element)
    }

    // MARK: revisions

    /// The `deployment.kubernetes.io/revision` of a ReplicaSet; 0 when missing or malformed.
    public static func revision(_ rs: ReplicaSet) -> Int64 {
        Int64(rs.metadata?.annotations?[revisionAnnotation] ?? "") ?? 0
    }

    /// The highest revision among `replicaSets` (upstream's `MaxRevision`).
    public static func maxRevision(_ replicaSets: [ReplicaSet]) -> Int64 {
        replicaSets.map(revision).max() ?? 0
    }

    /// Copies the Deployment's annotations (change-cause among them) onto the ReplicaSet; true if any changed.
    static func copyAnnotations(from deployment: Deployment, to rs: inout ReplicaSet) -> Bool {
        var changed = false
        var annotations = rs.metadata?.annotations ?? [:]
        for (k, v) in deployment.metadata?.annotations ?? [:] where !annotationsNotCopied.contains(k) && annotations[k] != v {
            annotations[k] = v
            changed = true
        }
        if changed { rs.metadata = rs.metadata ?? ObjectMeta(); rs.metadata?.annotations = annotations }
        return changed
    }

    /// Sets the desired- and max-replicas annotations; true if either changed (upstream's `SetReplicasAnnotations`).
    static func setReplicasAnnotations(_ rs: inout ReplicaSet, desired: Int32, max: Int32) -> Bool {
        var annotations = rs.metadata?.annotations ?? [:]
        var changed = false
        if annotations[desiredReplicasAnnotation] != String(desired) { annotations[desiredReplicasAnnotation] = String(desired); changed = true }
        if annotations[maxReplicasAnnotation] != String(max) { annotations[maxReplicasAnnotation] = String(max); changed = true }
        if changed { rs.metadata = rs.metadata ?? ObjectMeta(); rs.metadata?.annotations = annotations }
        return changed
    }

    /// Upstream's `SetNewReplicaSetAnnotations`: copies the Deployment's annotations, raises the revision to
    /// `newRevision` (recording the one it replaces in revision-history, as a rollback does) and, for a
    /// ReplicaSet about to be created, sets the replicas annotations. True if anything changed.
    public static func setNewReplicaSetAnnotations(_ deployment: Deployment, _ rs: inout ReplicaSet, newRevision: Int64, exists: Bool) -> Bool {
        var changed = copyAnnotations(from: deployment, to: &rs)
        var annotations = rs.metadata?.annotations ?? [:]
        let oldRevisionText = annotations[revisionAnnotation]
        let oldRevision: Int64
        if let text = oldRevisionText, !text.isEmpty {
            guard let parsed = Int64(text) else { return false }
            oldRevision = parsed
        } else {
            oldRevision = 0
        }
        if oldRevision < newRevision {
            annotations[revisionAnnotation] = String(newRevision)
            changed = true
            if let previous = oldRevisionText {
                let history = annotations[revisionHistoryAnnotation] ?? ""
                if history.isEmpty {
                    annotations[revisionHistoryAnnotation] = previous
                } else {
                    var revisions = history.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    var total = history.count + previous.count + 1
                    var start = 0
                    while total > maxRevisionHistoryLength && start < revisions.count {
                        total -= revisions[start].count + 1
                        start += 1
                    }
                    if total <= maxRevisionHistoryLength {
                        revisions = Array(revisions[start...]) + [previous]
                        annotations[revisionHistoryAnnotation] = revisions.joined(separator: ",")
                    }
                }
            }
            rs.metadata = rs.metadata ?? ObjectMeta()
            rs.metadata?.annotations = annotations
        }
        if !exists && setReplicasAnnotations(&rs, desired: deployment.desiredReplicas, max: deployment.desiredReplicas + deployment.maxSurge) {
            changed = true
        }
        return changed
    }

    // MARK: counts

    /// Sum of `spec.replicas` (upstream's `GetReplicaCountForReplicaSets`).
    static func specReplicas(_ rss: [ReplicaSet]) -> Int32 { rss.reduce(0) { $0 + $1.replicaCount } }
    /// Sum of `status.replicas` (`GetActualReplicaCountForReplicaSets`).
    static func actualReplicas(_ rss: [ReplicaSet]) -> Int32 { rss.reduce(0) { $0 + ($1.status?.replicas ?? 0) } }
    static func readyReplicas(_ rss: [ReplicaSet]) -> Int32 { rss.reduce(0) { $0 + ($1.status?.readyReplicas ?? 0) } }
    static func availableReplicas(_ rss: [ReplicaSet]) -> Int32 { rss.reduce(0) { $0 + ($1.status?.availableReplicas ?? 0) } }
    /// ReplicaSets that want pods.
    static func active(_ rss: [ReplicaSet]) -> [ReplicaSet] { rss.filter { $0.replicaCount > 0 } }

    // MARK: scaling

    /// The one ReplicaSet to give the whole count when at most one is active (upstream's `FindActiveOrLatest`).
    static func activeOrLatest(new: ReplicaSet?, old: [ReplicaSet]) -> ReplicaSet? {
        if new == nil && old.isEmpty { return nil }
        let newestOldFirst = Array(byCreation(old).reversed())
        let all = active(newestOldFirst + (new.map { [$0] } ?? []))
        switch all.count {
        case 0: return new ?? newestOldFirst.first
        case 1: return all[0]
        default: return nil
        }
    }

    /// The new ReplicaSet runs the whole Deployment, available (upstream's `IsSaturated`).
    static func isSaturated(_ deployment: Deployment, _ rs: ReplicaSet?) -> Bool {
        guard let rs, let desired = Int32(rs.metadata?.annotations?[desiredReplicasAnnotation] ?? "") else { return false }
        let want = deployment.desiredReplicas
        return rs.replicaCount == want && desired == want && (rs.status?.availableReplicas ?? 0) == want
    }

    /// The new size of every active ReplicaSet when the Deployment is scaled mid-rollout: each takes its share
    /// of the change by its max-replicas annotation, leftovers going to the largest (upstream's `scale()` for
    /// RollingUpdate). Returns (name, new size) in the order to apply, and "up"/"down".
    public static func proportionalSizes(_ deployment: Deployment, active rss: [ReplicaSet]) -> (sizes: [(String, Int32)], operation: String) {
        let want = deployment.desiredReplicas
        let allowed: Int32 = want > 0 ? want + deployment.maxSurge : 0
        let toAdd = allowed - specReplicas(rss)
        let ordered: [ReplicaSet]
        let operation: String
        if toAdd > 0 {
            ordered = bySize(rss, newerFirst: true); operation = "up"
        } else if toAdd < 0 {
            ordered = bySize(rss, newerFirst: false); operation = "down"
        } else {
            ordered = rss; operation = ""
        }
        var added: Int32 = 0
        var sizes: [(String, Int32)] = []
        for rs in ordered {
            if toAdd != 0 {
                let share = proportion(rs, deployment, toAdd: toAdd, added: added)
                sizes.append((rs.metadata?.name ?? "", rs.replicaCount + share))
                added += share
            } else {
                sizes.append((rs.metadata?.name ?? "", rs.replicaCount))
            }
        }
        if toAdd != 0, !sizes.isEmpty {
            sizes[0].1 = max(sizes[0].1 + toAdd - added, 0)
        }
        return (sizes, operation)
    }

    /// Upstream's `GetProportion`.
    static func proportion(_ rs: ReplicaSet, _ deployment: Deployment, toAdd: Int32, added: Int32) -> Int32 {
        if rs.replicaCount == 0 || toAdd == 0 || toAdd == added { return 0 }
        let fraction = replicaSetFraction(rs, deployment)
        let allowed = toAdd - added
        return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed)
    }

    /// Upstream's `getReplicaSetFraction`.
    static func replicaSetFraction(_ rs: ReplicaSet, _ deployment: Deployment) -> Int32 {
        let want = deployment.desiredReplicas
        if want == 0 { return -rs.replicaCount }
        let deploymentReplicas = want + deployment.maxSurge
        var annotated = Int32(rs.metadata?.annotations?[maxReplicasAnnotation] ?? "") ?? deployment.status?.replicas ?? 0
        if annotated == 0 { annotated = max(deployment.status?.replicas ?? 0, 1) }
        let size = (Double(rs.replicaCount) * Double(deploymentReplicas) / Double(annotated)).rounded(.toNearestOrAwayFromZero)
        return Int32(size) - rs.replicaCount
    }

    // MARK: cleanup

    /// Old ReplicaSets to delete so at most `revisionHistoryLimit` remain: lowest revisions first, and only
    /// those fully scaled down, observed and not already being deleted (upstream's `cleanupDeployment`).
    public static func replicaSetsToCleanUp(old: [ReplicaSet], limit: Int32) -> [ReplicaSet] {
        let alive = old.filter { $0.metadata?.deletionTimestamp == nil }
        let excess = alive.count - Int(max(limit, 0))
        guard excess > 0 else { return [] }
        return byRevision(alive).prefix(excess).filter { rs in
            (rs.status?.replicas ?? 0) == 0 && rs.replicaCount == 0
                && (rs.metadata?.generation ?? 0) <= (rs.status?.observedGeneration ?? 0)
        }
    }
}

extension Deployment {
    var desiredReplicas: Int32 { spec?.replicas ?? 1 }
    var isRecreate: Bool { spec?.strategy?.type == "Recreate" }
    var isPaused: Bool { spec?.paused ?? false }
    var hasProgressDeadline: Bool { (spec?.progressDeadlineSeconds ?? 600) != Int32.max }
    var progressDeadlineSeconds: Int32 { spec?.progressDeadlineSeconds ?? 600 }

    private var fenceposts: (surge: Int, unavailable: Int) {
        RollingUpdateMath.resolveFenceposts(maxSurge: spec?.strategy?.rollingUpdate?.maxSurge,
                                            maxUnavailable: spec?.strategy?.rollingUpdate?.maxUnavailable, desired: Int(desiredReplicas))
    }

    /// 0 for Recreate (upstream's `MaxSurge`).
    var maxSurge: Int32 { isRecreate ? 0 : Int32(fenceposts.surge) }

    /// 0 for Recreate or no replicas, at most the replicas (upstream's `MaxUnavailable`).
    var maxUnavailable: Int32 {
        if isRecreate || desiredReplicas == 0 { return 0 }
        return min(Int32(fenceposts.unavailable), desiredReplicas)
    }
}

extension ReplicaSet {
    /// `spec.replicas`, defaulting to 1 as the API server does.
    var replicaCount: Int32 { spec?.replicas ?? 1 }
}
