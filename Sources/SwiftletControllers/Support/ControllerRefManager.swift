import Foundation
import SwiftletAPI
import SwiftletClient

/// Upstream's ControllerRefManager: a controller's claim on the objects it selects. Owned objects that still
/// match are kept, owned ones that stopped matching are released (their owner reference removed), and matching
/// orphans are adopted (the controller added as their controlling owner); objects another controller owns are
/// left alone. Both patches carry the object's uid, so they never touch a recreated namesake.
struct ControllerRefManager<Object: KubernetesObject & Sendable>: Sendable {
    let client: ResourceClient<Object>
    /// The controller, as its objects' owner reference names it.
    let owner: OwnerReference
    /// A controller being deleted neither adopts nor releases.
    let ownerDeleting: Bool

    init<Controller: KubernetesObject>(_ controller: Controller, client: ResourceClient<Object>) {
        self.client = client
        owner = OwnerReference(apiVersion: Controller.groupVersionKind.apiVersion, blockOwnerDeletion: true, controller: true,
                               kind: Controller.groupVersionKind.kind, name: controller.metadata?.name ?? "",
                               uid: controller.metadata?.uid ?? "")
        ownerDeleting = controller.metadata?.deletionTimestamp != nil
    }

    /// The candidates this controller owns once adoption and release are done; `matches` says which it selects.
    func claim(_ candidates: [Object], matches: (Object) -> Bool) async -> [Object] {
        let uid = owner.uid ?? ""
        var claimed: [Object] = []
        for object in candidates {
            let objectUID = JSONValue.string(object.metadata?.uid ?? "")
            if let ref = object.controllerRef {
                guard ref.uid == uid else { continue }
                if matches(object) {
                    claimed.append(object)
                } else if !ownerDeleting {
                    let patch: JSONValue = ["metadata": ["ownerReferences": [["$patch": "delete", "uid": .string(uid)]], "uid": objectUID]]
                    _ = try? await client.patch(object.metadata?.name ?? "", namespace: object.metadata?.namespace, type: .strategicMerge,
                                                body: patch)
                }
                continue
            }
            guard !ownerDeleting, object.metadata?.deletionTimestamp == nil, matches(object) else { continue }
            let reference: JSONValue = ["apiVersion": .string(owner.apiVersion ?? ""), "kind": .string(owner.kind ?? ""),
                                        "name": .string(owner.name ?? ""), "uid": .string(uid), "controller": true,
                                        "blockOwnerDeletion": true]
            let patch: JSONValue = ["metadata": ["ownerReferences": [reference], "uid": objectUID]]
            if let adopted = try? await client.patch(object.metadata?.name ?? "", namespace: object.metadata?.namespace, type: .strategicMerge,
                                                     body: patch) {
                claimed.append(adopted)
            }
        }
        return claimed
    }
}

extension KubernetesObject {
    /// The owner reference with `controller: true`, if any.
    public var controllerRef: OwnerReference? {
        metadata?.ownerReferences?.first { $0.controller == true }
    }
}
