import Foundation
import SwiftletAPI

extension Job {
    /// The condition of this type has status True.
    func hasCondition(_ type: String) -> Bool {
        status?.conditions?.contains { $0.type == type && $0.status == "True" } ?? false
    }
}

extension JobController {
    /// Adds a True condition of `type` unless one is already True (reason and message stay those first written).
    static func setting(_ conditions: [JobCondition]?, type: String, reason: String, message: String, now: Date) -> [JobCondition] {
        ensuring(conditions, type: type, status: "True", reason: reason, message: message, now: now).conditions
    }

    /// Upstream's `ensureJobConditionStatus`: sets the condition to `status`, adding it only when the status is
    /// True (a False condition is written only over an existing one); `changed` says whether anything moved.
    static func ensuring(_ conditions: [JobCondition]?, type: String, status: String, reason: String, message: String,
                         now: Date) -> (conditions: [JobCondition], changed: Bool) {
        var conditions = conditions ?? []
        if let i = conditions.firstIndex(where: { $0.type == type }) {
            guard conditions[i].status != status else { return (conditions, false) }
            conditions[i] = JobCondition(lastProbeTime: Time(now), lastTransitionTime: Time(now), message: message, reason: reason,
                                         status: status, type: type)
            return (conditions, true)
        }
        guard status == "True" else { return (conditions, false) }
        conditions.append(JobCondition(lastProbeTime: Time(now), lastTransitionTime: Time(now), message: message, reason: reason,
                                       status: status, type: type))
        return (conditions, true)
    }

    /// Counters upstream omits when zero (`active`, `succeeded`, `failed` are plain int32 with omitempty).
    static func omittingZero(_ value: Int) -> Int32? { value == 0 ? nil : Int32(value) }
}
