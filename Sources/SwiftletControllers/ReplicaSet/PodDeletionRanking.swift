import Foundation
import SwiftletAPI

/// Which pods a ReplicaSet removes first when scaling down: the least valuable, as upstream's
/// `ActivePodsWithRanks` orders them.
public enum PodDeletionRanking {
    /// A pod with what the ordering looks at, extracted once.
    public struct Candidate: Sendable {
        public var name: String
        public var nodeName: String
        public var phase: String
        public var ready: Bool
        public var readySince: Date?
        public var restarts: Int64
        public var created: Date?
        public var deletionCost: Int64
        /// How many of the set's active pods share this pod's node (more co-located pods go first).
        public var podsOnSameNode: Int

        public init(pod: JSONValue, podsOnSameNode: Int) {
            name = pod["metadata"]?["name"]?.stringValue ?? ""
            nodeName = pod["spec"]?["nodeName"]?.stringValue ?? ""
            phase = pod["status"]?["phase"]?.stringValue ?? "Pending"
            let ready = (pod["status"]?["conditions"]?.arrayValue ?? []).first { $0["type"]?.stringValue == "Ready" }
            self.ready = ready?["status"]?.stringValue == "True"
            readySince = self.ready ? ready?["lastTransitionTime"]?.stringValue.flatMap(RFC3339.parse) : nil
            restarts = (pod["status"]?["containerStatuses"]?.arrayValue ?? []).map { $0["restartCount"]?.intValue ?? 0 }.max() ?? 0
            created = pod["metadata"]?["creationTimestamp"]?.stringValue.flatMap(RFC3339.parse)
            deletionCost = pod["metadata"]?["annotations"]?["controller.kubernetes.io/pod-deletion-cost"]?.stringValue.flatMap { Int64($0) } ?? 0
            self.podsOnSameNode = podsOnSameNode
        }
    }

    static func phaseRank(_ phase: String) -> Int {
        switch phase {
        case "Pending": return 0
        case "Unknown": return 1
        case "Running": return 2
        default: return 3
        }
    }

    /// True when `a` should be deleted before `b`.
    public static func deleteFirst(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.nodeName.isEmpty != b.nodeName.isEmpty { return a.nodeName.isEmpty }
        if phaseRank(a.phase) != phaseRank(b.phase) { return phaseRank(a.phase) < phaseRank(b.phase) }
        if a.ready != b.ready { return !a.ready }
        if a.deletionCost != b.deletionCost { return a.deletionCost < b.deletionCost }
        if a.podsOnSameNode != b.podsOnSameNode { return a.podsOnSameNode > b.podsOnSameNode }
        if a.ready && b.ready, a.readySince != b.readySince {
            // Ready for less time goes first; an unknown time counts as the newest.
            guard let ta = a.readySince else { return true }
            guard let tb = b.readySince else { return false }
            return ta > tb
        }
        if a.restarts != b.restarts { return a.restarts > b.restarts }
        if a.created != b.created {
            guard let ta = a.created else { return true }
            guard let tb = b.created else { return false }
            return ta > tb
        }
        return a.name < b.name
    }

    /// The pods in deletion order.
    public static func ordered(_ pods: [JSONValue]) -> [JSONValue] {
        var perNode: [String: Int] = [:]
        for pod in pods {
            let node = pod["spec"]?["nodeName"]?.stringValue ?? ""
            if !node.isEmpty { perNode[node, default: 0] += 1 }
        }
        let candidates = pods.map { pod -> (Candidate, JSONValue) in
            let node = pod["spec"]?["nodeName"]?.stringValue ?? ""
            return (Candidate(pod: pod, podsOnSameNode: node.isEmpty ? 0 : perNode[node] ?? 0), pod)
        }
        return candidates.sorted { deleteFirst($0.0, $1.0) }.map(\.1)
    }
}
