import Foundation
import SwiftletAPI

/// One pod on a simulated node and where it is in its lifecycle: the sandbox being created, containers
/// running, backing off after an exit, or finished. `advance` moves it on and says what status to write.
struct SimulatedPod: Sendable {
    enum Stage: Sendable, Equatable {
        case creating
        case running(since: Date)
        case backingOff(until: Date)
        case finished(exitCode: Int32)
    }

    let uid: String
    let nodeName: String
    let hostIP: String
    var ip: String?
    var stage: Stage = .creating
    var restarts: Int32 = 0
    var startTime: Date
    var lastExit: (code: Int32, startedAt: Date, finishedAt: Date)?

    /// How long creating the sandbox and starting the containers takes.
    static let startupDelay = Duration.milliseconds(300)

    init(uid: String, nodeName: String, hostIP: String, startTime: Date) {
        self.uid = uid
        self.nodeName = nodeName
        self.hostIP = hostIP
        self.startTime = startTime
    }

    /// Kubelet's crash-loop back-off: the first restart at once, then 10 s doubling up to 5 minutes.
    static func backoff(afterRestart restarts: Int32) -> Double {
        restarts <= 1 ? 0 : min(10 * pow(2, Double(restarts - 2)), 300)
    }

    /// Moves the pod on as of `now`; returns when it next needs looking at (nil: only when it changes).
    mutating func advance(_ pod: Pod, now: Date) -> Duration? {
        switch stage {
        case .creating:
            let left = Self.startupDelay.inSeconds - now.timeIntervalSince(startTime)
            if left > 0 { return .milliseconds(Int64(left * 1000) + 1) }
            stage = .running(since: now)
            return nextWake(pod, since: now, now: now)
        case .running(let since):
            if let exitAfter = SimulationAnnotations.duration(pod, SimulationAnnotations.exitAfter), now >= since + exitAfter.inSeconds {
                let code = SimulationAnnotations.exitCode(pod)
                let policy = pod.spec?.restartPolicy ?? "Always"
                lastExit = (code, since, now)
                if policy == "Never" || (policy == "OnFailure" && code == 0) {
                    stage = .finished(exitCode: code)
                    return nil
                }
                restarts += 1
                let delay = Self.backoff(afterRestart: restarts)
                if delay == 0 {
                    stage = .running(since: now)
                    return nextWake(pod, since: now, now: now)
                }
                stage = .backingOff(until: now + delay)
                return .milliseconds(Int64(delay * 1000))
            }
            return nextWake(pod, since: since, now: now)
        case .backingOff(let until):
            if now < until { return .milliseconds(Int64(until.timeIntervalSince(now) * 1000) + 1) }
            stage = .running(since: now)
            return nextWake(pod, since: now, now: now)
        case .finished:
            return nil
        }
    }

    private func nextWake(_ pod: Pod, since: Date, now: Date) -> Duration? {
        var times: [Date] = []
        if let exitAfter = SimulationAnnotations.duration(pod, SimulationAnnotations.exitAfter) { times.append(since + exitAfter.inSeconds) }
        if let readyAfter = SimulationAnnotations.duration(pod, SimulationAnnotations.readyAfter), since + readyAfter.inSeconds > now {
            times.append(since + readyAfter.inSeconds)
        }
        guard let next = times.filter({ $0 >= now }).min() else { return nil }
        return .milliseconds(Int64(next.timeIntervalSince(now) * 1000) + 1)
    }

    var isFinished: Bool { if case .finished = stage { return true } else { return false } }

    private func containerID(_ name: String) -> String {
        "simulated://\(uid.replacingOccurrences(of: "-", with: "").prefix(12))\(name.utf8.reduce(UInt32(5381)) { $0 &* 33 &+ UInt32($1) })-\(restarts)"
    }

    /// The pod status kubelet would report for this stage.
    func status(of pod: Pod, now: Date) -> PodStatus {
        let containers = pod.spec?.containers ?? []
        let inits = pod.spec?.initContainers ?? []
        let sandboxReady: Bool
        var phase = "Pending"
        var ready = false
        var states: ContainerState
        var readyReason = "ContainersNotReady"
        switch stage {
        case .creating:
            sandboxReady = false
            states = ContainerState(waiting: ContainerStateWaiting(reason: "ContainerCreating"))
        case .running(let since):
            sandboxReady = true
            phase = "Running"
            let readyAfter = SimulationAnnotations.duration(pod, SimulationAnnotations.readyAfter)?.inSeconds ?? 0
            ready = now >= since + readyAfter
            states = ContainerState(running: ContainerStateRunning(startedAt: Time(since)))
        case .backingOff:
            sandboxReady = true
            phase = "Running"
            let name = containers.first?.name ?? ""
            states = ContainerState(waiting: ContainerStateWaiting(
                message: "back-off \(Int(Self.backoff(afterRestart: restarts)))s restarting failed container=\(name) pod=\(pod.metadata?.name ?? "")_\(pod.metadata?.namespace ?? "")(\(uid))",
                reason: "CrashLoopBackOff"))
        case .finished(let code):
            sandboxReady = false
            phase = code == 0 ? "Succeeded" : "Failed"
            readyReason = "PodCompleted"
            states = ContainerState(terminated: terminated(code: code, startedAt: lastExit?.startedAt ?? startTime,
                                                           finishedAt: lastExit?.finishedAt ?? now, id: ""))
        }
        let lastState: ContainerState? = lastExit.flatMap { exit in
            if case .finished = stage { return nil }
            return ContainerState(terminated: terminated(code: exit.code, startedAt: exit.startedAt, finishedAt: exit.finishedAt, id: ""))
        }
        let notReadyNames = ready ? [] : containers.compactMap(\.name)
        let transition = Time(now)
        func condition(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) -> PodCondition {
            PodCondition(lastTransitionTime: transition, message: ok ? nil : message, reason: ok ? nil : reason,
                         status: ok ? "True" : "False", type: type)
        }
        let unready = "containers with unready status: [\(notReadyNames.joined(separator: " "))]"
        var status = pod.status ?? PodStatus()
        status.phase = phase
        status.hostIP = hostIP
        status.hostIPs = [HostIP(ip: hostIP)]
        if let ip, sandboxReady || status.podIP != nil {
            status.podIP = ip
            status.podIPs = [PodIP(ip: ip)]
        }
        status.startTime = Time(startTime)
        var conditions = [
            condition("PodReadyToStartContainers", sandboxReady),
            condition("Initialized", true),
            condition("Ready", ready, reason: readyReason, message: readyReason == "PodCompleted" ? nil : unready),
            condition("ContainersReady", ready, reason: readyReason, message: readyReason == "PodCompleted" ? nil : unready),
            condition("PodScheduled", true),
        ]
        // A condition keeps its transition time while its status stays the same.
        for i in conditions.indices {
            if let old = pod.status?.conditions?.first(where: { $0.type == conditions[i].type }), old.status == conditions[i].status {
                conditions[i].lastTransitionTime = old.lastTransitionTime ?? transition
            }
        }
        status.conditions = conditions
        status.containerStatuses = containers.map { container in
            var state = states
            if state.terminated != nil { state.terminated?.containerID = containerID(container.name ?? "") }
            let started: Bool
            if case .running = stage { started = true } else { started = false }
            return ContainerStatus(containerID: sandboxReady || lastExit != nil ? containerID(container.name ?? "") : nil,
                                   image: container.image, imageID: sandboxReady ? "simulated://\(container.image ?? "")" : "",
                                   lastState: lastState ?? ContainerState(), name: container.name, ready: ready,
                                   restartCount: restarts, started: started, state: state)
        }
        status.initContainerStatuses = inits.isEmpty ? nil : inits.map { container in
            let done = stage != .creating
            let state = done ? ContainerState(terminated: terminated(code: 0, startedAt: startTime, finishedAt: startTime, id: containerID(container.name ?? "")))
                             : ContainerState(waiting: ContainerStateWaiting(reason: "PodInitializing"))
            return ContainerStatus(containerID: done ? containerID(container.name ?? "") : nil, image: container.image,
                                   imageID: done ? "simulated://\(container.image ?? "")" : "", lastState: ContainerState(),
                                   name: container.name, ready: done, restartCount: 0, started: false, state: state)
        }
        return status
    }

    private func terminated(code: Int32, startedAt: Date, finishedAt: Date, id: String) -> ContainerStateTerminated {
        ContainerStateTerminated(containerID: id.isEmpty ? nil : id, exitCode: code, finishedAt: Time(finishedAt),
                                 reason: code == 0 ? "Completed" : "Error", startedAt: Time(startedAt))
    }
}
