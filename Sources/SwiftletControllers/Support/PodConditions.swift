import Foundation
import SwiftletAPI

/// What controllers ask of a pod's status.
extension Pod {
    /// Neither finished nor being deleted (upstream's `IsPodActive`).
    public var isActive: Bool {
        let phase = status?.phase ?? ""
        return phase != "Succeeded" && phase != "Failed" && metadata?.deletionTimestamp == nil
    }

    /// The Ready condition is True.
    public var isReady: Bool {
        status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
    }

    /// Ready for at least `minReadySeconds` as of `now` (upstream's `IsPodAvailable`).
    public func isAvailable(minReadySeconds: Int32, now: Date = Date()) -> Bool {
        guard let ready = status?.conditions?.first(where: { $0.type == "Ready" }), ready.status == "True" else { return false }
        if minReadySeconds == 0 { return true }
        guard let since = ready.lastTransitionTime?.date else { return false }
        return since.addingTimeInterval(Double(minReadySeconds)) <= now
    }
}
