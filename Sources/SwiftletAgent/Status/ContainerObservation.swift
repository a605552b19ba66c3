import Foundation
import SwiftletCRI

/// What the agent knows about one container of a pod when it computes the pod's status: its latest run and the
/// one before (from the runtime), why it waits if it does, and what its probes say.
public struct ContainerObservation: Sendable, Hashable {
    /// One run of the container, as the runtime reports it.
    public struct Run: Sendable, Hashable {
        public var id: String
        public var attempt: UInt32
        public var state: ContainerRuntimeState
        public var startedAt: Date?
        public var finishedAt: Date?
        public var exitCode: Int32
        public var reason: String
        public var message: String
        public var imageID: String

        public init(id: String, attempt: UInt32, state: ContainerRuntimeState, startedAt: Date? = nil, finishedAt: Date? = nil,
                    exitCode: Int32 = 0, reason: String = "", message: String = "", imageID: String = "") {
            self.id = id
            self.attempt = attempt
            self.state = state
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.exitCode = exitCode
            self.reason = reason
            self.message = message
            self.imageID = imageID
        }

        init(_ status: ContainerRuntimeStatus) {
            self.init(id: status.id, attempt: status.metadata.attempt, state: status.state, startedAt: status.startedAt,
                      finishedAt: status.finishedAt, exitCode: status.exitCode, reason: status.reason, message: status.message,
                      imageID: status.imageRef.isEmpty ? status.imageID : status.imageRef)
        }
    }

    /// Why a container is not running (yet or again).
    public struct Waiting: Sendable, Hashable {
        public var reason: String
        public var message: String?

        public init(reason: String, message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    public var name: String
    public var image: String
    public var latest: Run?
    public var previous: Run?
    public var waiting: Waiting?
    /// The readiness probe passes (or there is none).
    public var ready: Bool
    /// The startup probe passed (or there is none).
    public var started: Bool

    public init(name: String, image: String, latest: Run? = nil, previous: Run? = nil, waiting: Waiting? = nil,
                ready: Bool = true, started: Bool = true) {
        self.name = name
        self.image = image
        self.latest = latest
        self.previous = previous
        self.waiting = waiting
        self.ready = ready
        self.started = started
    }

    var isRunning: Bool { latest?.state == .running }
    var succeeded: Bool { latest?.state == .exited && latest?.exitCode == 0 }
    var failed: Bool { latest?.state == .exited && latest?.exitCode != 0 }
}
