import Foundation
import SwiftletAPI

/// Which probe a result belongs to.
public enum ProbeKind: String, Sendable, Hashable, CaseIterable {
    case startup, readiness, liveness
}

/// The outcome of one probe run.
public enum ProbeOutcome: Sendable, Hashable {
    case success
    case failure(String)
}

/// A probe's thresholds applied to its outcomes, as kubelet's prober worker: the result flips to success after
/// `successThreshold` successes in a row and to failure after `failureThreshold` failures in a row.
public struct ProbeState: Sendable, Hashable {
    public let kind: ProbeKind
    public let successThreshold: Int32
    public let failureThreshold: Int32
    /// The current result; nil until a threshold is first reached (readiness and startup then count as failed,
    /// liveness as passed).
    public private(set) var result: Bool?
    private var successes: Int32 = 0
    private var failures: Int32 = 0

    public init(kind: ProbeKind, probe: Probe) {
        self.kind = kind
        // Liveness and startup probes must use a success threshold of 1.
        successThreshold = kind == .readiness ? max(probe.successThreshold ?? 1, 1) : 1
        failureThreshold = max(probe.failureThreshold ?? 3, 1)
    }

    /// Whether the container counts as passing this probe now.
    public var passing: Bool { result ?? (kind == .liveness) }

    /// Records an outcome; returns true when the result changed.
    @discardableResult
    public mutating func record(_ outcome: ProbeOutcome) -> Bool {
        let before = result
        switch outcome {
        case .success:
            successes += 1
            failures = 0
            if successes >= successThreshold { result = true }
        case .failure:
            failures += 1
            successes = 0
            if failures >= failureThreshold { result = false }
        }
        return result != before
    }

    /// After a liveness or startup failure kills the container the count starts again.
    public mutating func reset() {
        result = nil
        successes = 0
        failures = 0
    }
}

extension Probe {
    var initialDelay: Duration { .seconds(Int64(max(initialDelaySeconds ?? 0, 0))) }
    var period: Duration { .seconds(Int64(max(periodSeconds ?? 10, 1))) }
    var timeout: Duration { .seconds(Int64(max(timeoutSeconds ?? 1, 1))) }
}
