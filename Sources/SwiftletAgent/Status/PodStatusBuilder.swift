import Foundation
import SwiftletAPI

/// Computes a pod's status from what the agent observed, as kubelet's generateAPIPodStatus: the phase
/// (kubelet's getPhase), the five conditions, container statuses with their current and last state, the pod's
/// and host's addresses. Conditions keep their transition time while their status stays the same.
public struct PodStatusBuilder: Sendable {
    public var pod: Pod
    public var hostIP: String
    public var podIP: String?
    public var sandboxReady: Bool
    public var initContainers: [ContainerObservation]
    public var containers: [ContainerObservation]
    public var startTime: Date
    /// Set once the pod has finished for good (its phase then never changes).
    public var terminalPhase: String?
    /// Why the agent ended the pod itself (`DeadlineExceeded`), with its message.
    public var terminalReason: (reason: String, message: String)?

    public init(pod: Pod, hostIP: String, podIP: String?, sandboxReady: Bool, initContainers: [ContainerObservation],
                containers: [ContainerObservation], startTime: Date, terminalPhase: String? = nil) {
        self.pod = pod
        self.hostIP = hostIP
        self.podIP = podIP
        self.sandboxReady = sandboxReady
        self.initContainers = initContainers
        self.containers = containers
        self.startTime = startTime
        self.terminalPhase = terminalPhase
    }

    public func status(now: Date) -> PodStatus {
        let initSpecs = pod.spec?.initContainers ?? []
        let initStatuses = initContainers.map { observation in
            containerStatus(observation, initContainer: true,
                            sidecar: initSpecs.first { $0.name == observation.name }?.isSidecar == true)
        }
        let statuses = containers.map { containerStatus($0, initContainer: false, sidecar: false) }
        let phase = terminalPhase ?? Self.phase(spec: pod.spec, initStatuses: initStatuses, statuses: statuses)

        var status = pod.status ?? PodStatus()
        status.phase = phase
        if let terminalReason {
            status.reason = terminalReason.reason
            status.message = terminalReason.message
        }
        status.hostIP = hostIP
        status.hostIPs = [HostIP(ip: hostIP)]
        if let podIP, !podIP.isEmpty {
            status.podIP = podIP
            status.podIPs = [PodIP(ip: podIP)]
        }
        status.startTime = status.startTime ?? Time(startTime)
        status.initContainerStatuses = initStatuses.isEmpty ? nil : initStatuses
        status.containerStatuses = statuses

        let completed = phase == "Succeeded" || phase == "Failed"
        // Kubelet's GeneratePodInitializedCondition: regular init containers done, sidecars started, or any main
        // container started already (a restarting sidecar does not un-initialize a pod).
        var incomplete: [String] = []
        for (spec, status) in zip(initSpecs, initStatuses) {
            let done = spec.isSidecar ? status.started == true : status.state?.terminated?.exitCode == 0
            if !done { incomplete.append(spec.name ?? "") }
        }
        let anyMainStarted = statuses.contains { $0.state?.running != nil || $0.state?.terminated != nil }
        let initialized = incomplete.isEmpty || (completed && phase == "Succeeded") || anyMainStarted
        // ContainersReady counts the sidecars and the main containers.
        let unready = zip(initSpecs, initStatuses).filter { $0.0.isSidecar && $0.1.ready != true }.compactMap(\.1.name)
            + statuses.filter { $0.ready != true }.compactMap(\.name)
        var conditions: [PodCondition] = []
        func add(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) {
            conditions.append(PodCondition(lastTransitionTime: Time(now), message: ok ? nil : message, reason: ok ? nil : reason,
                                           status: ok ? "True" : "False", type: type))
        }
        add("PodReadyToStartContainers", sandboxReady)
        add("Initialized", initialized, reason: "ContainersNotInitialized",
            message: "containers with incomplete status: [\(incomplete.joined(separator: " "))]")
        let readyReason = completed ? (phase == "Failed" ? "PodFailed" : "PodCompleted") : (initialized ? "ContainersNotReady" : "ContainersNotInitialized")
        let readyMessage: String? = completed ? nil
            : (initialized ? "containers with unready status: [\(unready.joined(separator: " "))]"
                           : "containers with incomplete status: [\(incomplete.joined(separator: " "))]")
        let containersReady = unready.isEmpty && initialized
        // Ready also waits for the pod's readiness gates: conditions others set on the pod.
        let gates = containersReady && !completed ? readinessGateProblems : []
        if gates.isEmpty {
            add("Ready", containersReady, reason: readyReason, message: readyMessage)
        } else {
            add("Ready", false, reason: "ReadinessGatesNotReady", message: gates.joined(separator: ", "))
        }
        add("ContainersReady", containersReady, reason: readyReason, message: readyMessage)
        if let scheduled = pod.status?.conditions?.first(where: { $0.type == "PodScheduled" }) {
            conditions.append(scheduled)
        } else {
            add("PodScheduled", true)
        }
        for index in conditions.indices {
            if let old = pod.status?.conditions?.first(where: { $0.type == conditions[index].type }), old.status == conditions[index].status {
                conditions[index].lastTransitionTime = old.lastTransitionTime ?? conditions[index].lastTransitionTime
            }
        }
        // Conditions the agent does not own (DisruptionTarget, readiness gates' conditions) stay as they are.
        let owned = Set(conditions.compactMap(\.type))
        conditions += (pod.status?.conditions ?? []).filter { !owned.contains($0.type ?? "") }
        status.conditions = conditions
        return status
    }

    /// Kubelet's messages for readiness gates whose condition is missing or not True.
    var readinessGateProblems: [String] {
        (pod.spec?.readinessGates ?? []).compactMap { gate in
            let type = gate.conditionType ?? ""
            guard let condition = pod.status?.conditions?.first(where: { $0.type == type }) else {
                return "corresponding condition of pod readiness gate \"\(type)\" does not exist."
            }
            return condition.status == "True" ? nil : "the status of pod readiness gate \"\(type)\" is not \"True\", but \(condition.status ?? "")"
        }
    }

    func containerStatus(_ observation: ContainerObservation, initContainer: Bool, sidecar: Bool) -> ContainerStatus {
        var status = ContainerStatus(image: observation.image, imageID: "", name: observation.name, ready: false,
                                     restartCount: 0, started: false, state: ContainerState())
        status.lastState = ContainerState()
        guard let latest = observation.latest else {
            let waiting = observation.waiting ?? ContainerObservation.Waiting(reason: "ContainerCreating")
            status.state = ContainerState(waiting: ContainerStateWaiting(message: waiting.message, reason: waiting.reason))
            return status
        }
        status.containerID = Self.containerID(latest.id)
        status.imageID = latest.imageID
        status.restartCount = Int32(latest.attempt)
        let previous = observation.previous.map { ContainerState(terminated: terminated($0)) } ?? ContainerState()
        switch latest.state {
        case .running:
            status.state = ContainerState(running: ContainerStateRunning(startedAt: latest.startedAt.map(Time.init)))
            status.lastState = previous
            status.started = observation.started
            status.ready = observation.ready && observation.started
        case .exited:
            if let waiting = observation.waiting {
                status.state = ContainerState(waiting: ContainerStateWaiting(message: waiting.message, reason: waiting.reason))
                status.lastState = ContainerState(terminated: terminated(latest))
            } else {
                status.state = ContainerState(terminated: terminated(latest))
                status.lastState = previous
                // An init container that finished well is ready, as kubelet reports it (a stopped sidecar is not).
                status.ready = initContainer && !sidecar && latest.exitCode == 0
            }
        case .created, .unknown:
            let waiting = observation.waiting ?? ContainerObservation.Waiting(reason: "ContainerCreating")
            status.state = ContainerState(waiting: ContainerStateWaiting(message: waiting.message, reason: waiting.reason))
            status.lastState = previous
        }
        return status
    }

    func terminated(_ run: ContainerObservation.Run) -> ContainerStateTerminated {
        ContainerStateTerminated(containerID: Self.containerID(run.id), exitCode: run.exitCode, finishedAt: run.finishedAt.map(Time.init),
                                 message: run.message.isEmpty ? nil : run.message,
                                 reason: run.reason.isEmpty ? (run.exitCode == 0 ? "Completed" : "Error") : run.reason,
                                 startedAt: run.startedAt.map(Time.init))
    }

    public static func containerID(_ id: String) -> String { "containerd://" + id }

    /// Kubelet's getPhase: regular init containers decide whether the pod is initialized, a sidecar counts while
    /// it runs (and holds the pod Pending until it started, unless a main container started already), a stopped
    /// sidecar does not count at all.
    public static func phase(spec: PodSpec?, initStatuses: [ContainerStatus], statuses: [ContainerStatus]) -> String {
        let policy = spec?.restartPolicy ?? "Always"
        let initSpecs = spec?.initContainers ?? []
        var pendingInit = 0, failedInit = 0
        var unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0
        for (index, status) in initStatuses.enumerated() {
            let sidecar = index < initSpecs.count && initSpecs[index].isSidecar
            if sidecar {
                if status.state?.running != nil {
                    if status.started != true { pendingInit += 1 }
                    running += 1
                } else if status.state?.terminated != nil {
                    continue
                } else if status.state?.waiting != nil {
                    if status.lastState?.terminated == nil {
                        pendingInit += 1
                        waiting += 1
                    }
                } else {
                    pendingInit += 1
                    unknown += 1
                }
            } else if status.state?.running != nil {
                pendingInit += 1
            } else if let terminated = status.state?.terminated {
                if terminated.exitCode != 0 { failedInit += 1 }
            } else if status.state?.waiting != nil, let last = status.lastState?.terminated {
                if last.exitCode != 0 { failedInit += 1 }
            } else {
                pendingInit += 1
            }
        }
        for status in statuses {
            if status.state?.running != nil {
                running += 1
            } else if let terminated = status.state?.terminated {
                stopped += 1
                if terminated.exitCode == 0 { succeeded += 1 }
            } else if status.state?.waiting != nil {
                if status.lastState?.terminated != nil { stopped += 1 } else { waiting += 1 }
            } else {
                unknown += 1
            }
        }
        let anyMainStarted = statuses.contains { $0.state?.running != nil || $0.state?.terminated != nil }
        if failedInit > 0 && policy == "Never" { return "Failed" }
        if (pendingInit > 0 && !anyMainStarted) || waiting > 0 { return "Pending" }
        if running > 0 && unknown == 0 { return "Running" }
        if running == 0 && stopped > 0 && unknown == 0 {
            if policy == "Always" { return "Running" }
            if stopped == succeeded { return "Succeeded" }
            if policy == "Never" { return "Failed" }
            return "Running"
        }
        return "Pending"
    }
}
