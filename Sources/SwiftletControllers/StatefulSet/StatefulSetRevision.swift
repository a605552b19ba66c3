import Foundation
import SwiftletAPI

/// A StatefulSet's ControllerRevisions (upstream's `controller/history` as the statefulset controller uses it):
/// each stores the strategic merge patch `{"spec":{"template":{…,"$patch":"replace"}}}` that restores one
/// template, is named `<set>-<hash>` and carries the hash as the `controller.kubernetes.io/hash` label.
enum StatefulSetRevision {
    static let hashLabel = "controller.kubernetes.io/hash"

    /// The patch upstream's `getPatch` stores: the template with its keys sorted, as Go marshals a map.
    static func patch(for set: StatefulSet) -> JSONValue {
        var template = json(set.spec?.template ?? PodTemplateSpec())
        template["$patch"] = "replace"
        return PodTemplateHash.canonical(["spec": ["template": template]])
    }

    /// Upstream's `HashControllerRevision`: 32-bit FNV-1 of the data, then the collision count in decimal,
    /// written in the safe alphabet.
    static func hash(_ data: JSONValue, collisionCount: Int32?) -> String {
        var hash: UInt32 = 2_166_136_261
        func feed(_ bytes: some Sequence<UInt8>) {
            for b in bytes {
                hash = hash &* 16_777_619
                hash ^= UInt32(b)
            }
        }
        feed(JSONSerializer.serialize(PodTemplateHash.canonical(data)))
        if let collisionCount { feed(String(collisionCount).utf8) }
        return PodTemplateHash.safeEncode(String(hash))
    }

    /// Upstream's `ControllerRevisionName`: the prefix is cut so the name stays within 253 characters.
    static func name(setName: String, hash: String) -> String {
        "\(setName.count > 223 ? String(setName.prefix(223)) : setName)-\(hash)"
    }

    /// A revision of the set's current template with number `revision` (upstream's `newRevision`): labels from
    /// the template plus the hash, annotations from the set, a controller reference to the set.
    static func make(for set: StatefulSet, revision: Int64, collisionCount: Int32) -> ControllerRevision {
        let data = patch(for: set)
        let hash = hash(data, collisionCount: collisionCount)
        var labels = set.spec?.template?.metadata?.labels ?? [:]
        labels[hashLabel] = hash
        let owner = OwnerReference(apiVersion: StatefulSet.groupVersionKind.apiVersion, blockOwnerDeletion: true, controller: true,
                                   kind: StatefulSet.groupVersionKind.kind, name: set.metadata?.name, uid: set.metadata?.uid)
        return ControllerRevision(metadata: ObjectMeta(annotations: set.metadata?.annotations, labels: labels,
                                                       name: name(setName: set.metadata?.name ?? "", hash: hash),
                                                       namespace: set.metadata?.namespace, ownerReferences: [owner]),
                                  data: data, revision: revision)
    }

    /// Upstream's `EqualRevision`: same hash label and the same data.
    static func equal(_ a: ControllerRevision, _ b: ControllerRevision) -> Bool {
        guard a.metadata?.labels?[hashLabel] == b.metadata?.labels?[hashLabel] else { return false }
        return sameData(a, b)
    }

    static func sameData(_ a: ControllerRevision, _ b: ControllerRevision) -> Bool {
        (a.data ?? .null).semanticallyEquals(b.data ?? .null)
    }

    /// The set as it was at `revision` (upstream's `ApplyRevision`): its template replaced by the stored one.
    static func apply(_ revision: ControllerRevision, to set: StatefulSet) -> StatefulSet {
        guard var stored = revision.data?["spec"]?["template"] else { return set }
        stored["$patch"] = nil
        guard let template = try? JSONDecoder().decode(PodTemplateSpec.self, from: Data(JSONSerializer.serialize(stored))) else { return set }
        var restored = set
        restored.spec?.template = template
        return restored
    }

    /// Oldest first: by revision number, then creation time, then name (upstream's `SortControllerRevisions`).
    static func sorted(_ revisions: [ControllerRevision]) -> [ControllerRevision] {
        revisions.sorted { a, b in
            if (a.revision ?? 0) != (b.revision ?? 0) { return (a.revision ?? 0) < (b.revision ?? 0) }
            let ta = a.metadata?.creationTimestamp?.date ?? .distantPast, tb = b.metadata?.creationTimestamp?.date ?? .distantPast
            if ta != tb { return ta < tb }
            return (a.metadata?.name ?? "") < (b.metadata?.name ?? "")
        }
    }

    static func json<T: Encodable>(_ value: T) -> JSONValue {
        (try? JSONParser.parse(Array(JSONEncoder().encode(value)))) ?? .null
    }
}
