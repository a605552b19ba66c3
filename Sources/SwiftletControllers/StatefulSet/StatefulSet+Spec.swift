import SwiftletAPI

/// The StatefulSet spec with upstream's defaults for what is unset.
extension StatefulSet {
    var replicasValue: Int { Int(spec?.replicas ?? 1) }
    var startOrdinal: Int { Int(spec?.ordinals?.start ?? 0) }
    var endOrdinal: Int { startOrdinal + replicasValue - 1 }
    var isParallel: Bool { spec?.podManagementPolicy == "Parallel" }
    var isOnDelete: Bool { spec?.updateStrategy?.type == "OnDelete" }
    var partition: Int { Int(spec?.updateStrategy?.rollingUpdate?.partition ?? 0) }
    var minReadySecondsValue: Int32 { spec?.minReadySeconds ?? 0 }
    var whenDeleted: String { spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? "Retain" }
    var whenScaled: String { spec?.persistentVolumeClaimRetentionPolicy?.whenScaled ?? "Retain" }

    func inOrdinalRange(_ pod: Pod) -> Bool {
        let ordinal = StatefulPodIdentity.ordinal(of: pod)
        return ordinal >= startOrdinal && ordinal <= endOrdinal
    }
}
