import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletCRI
import Synchronization

/// Runs one pod on the node, as kubelet's pod worker and SyncPod: converges the runtime to the pod's spec on every
/// pass (sandbox, init containers in order, containers with restarts and crash-loop back-off, probes), writes the
/// pod's status when it changed, and when the pod is deleted stops everything and makes kubelet's final delete.
///
/// A pass runs when the pod changes, a probe result flips, or every `resyncInterval` (kubelet's PLEG relist).
/// Everything it knows is found again in the runtime by the pod's uid label, so a restarted agent adopts the
/// pod's running sandbox and containers instead of starting them again.
actor PodWorker {
    private struct Inbox {
        var pod: Pod
        var removed = false
    }

    let uid: String
    let context: PodWorkerContext
    private let inbox: Mutex<Inbox>
    private let wake = WakeSignal()
    private let probeResults = ProbeResults()
    private var probeTasks: [String: Task<Void, Never>] = [:]
    private var logger: Logger

    private var startTime = Date()
    private var terminalPhase: String?
    /// Kubelet's own reason for ending the pod (its active deadline passed).
    private var terminalReason: (reason: String, message: String)?
    private var sandboxStopped = false
    private var waiting: [String: ContainerObservation.Waiting] = [:]
    private var pullBackOff: [String: (until: Date, failures: Int)] = [:]
    private var volumePaths: [String: PodVolumes.HostVolume]?
    private var volumesRefreshedAt = Date.distantPast
    /// The labels and annotations the volumes were last set up with (downward API files show them).
    private var volumesMetadata: [[String: String]] = []
    /// Per container, the attempt its crash-loop back-off counts from (kubelet forgets a back-off after a run of
    /// 10 minutes).
    private var backOffBase: [String: UInt32] = [:]
    /// Termination messages of exited containers by container ID, read once.
    private var terminationMessages: [String: String] = [:]
    private var lastWritten: PodStatus?
    private var podIP: String?
    /// When a back-off wake-up is due, so each pass in a back-off does not start another timer.
    private var pendingWake: Date?
    private var lastSyncError: String?
    /// The last pass acted and left its status to the next one.
    private var deferredWrite = false
    /// The sandbox whose IP the worker knows.
    private var knownSandboxID: String?

    /// Why kubelet's admission turned the pod away, if it did.
    private let rejection: PodAdmission.Rejection?

    init(pod: Pod, context: PodWorkerContext, rejection: PodAdmission.Rejection? = nil) {
        uid = pod.metadata?.uid ?? ""
        self.context = context
        self.rejection = rejection
        inbox = Mutex(Inbox(pod: pod))
        var logger = context.logger
        logger[metadataKey: "pod"] = "\(pod.metadata?.namespace ?? "")/\(pod.metadata?.name ?? "")"
        self.logger = logger
        if let started = pod.status?.startTime?.date { startTime = started }
    }

    /// The pod while it counts against the node's resources: admitted, neither finished nor deleted.
    nonisolated var activePod: Pod? {
        guard rejection == nil else { return nil }
        let pod = inbox.withLock { $0.removed ? nil : $0.pod }
        guard let pod, pod.metadata?.deletionTimestamp == nil else { return nil }
        let phase = pod.status?.phase ?? "Pending"
        return phase == "Succeeded" || phase == "Failed" ? nil : pod
    }

    /// A newer version of the pod.
    nonisolated func deliver(_ pod: Pod) {
        inbox.withLock { $0.pod = pod }
        wake.signal()
    }

    /// The pod is gone from the API (deleted with no grace, or its node changed): stop everything now.
    nonisolated func podRemoved() {
        inbox.withLock { $0.removed = true }
        wake.signal()
    }

    private var volumes: PodVolumes { PodVolumes(dataDir: context.dataDir, uid: uid, transport: context.transport) }
    private var uidLabel: [String: String] { [RuntimeLabels.podUID: uid] }

    /// Works on the pod until it is deleted and cleaned up.
    func run() async {
        context.runtimeCache.register(uid, wake: wake)
        defer { context.runtimeCache.unregister(uid) }
        if let rejection { await reject(rejection) }
        while !Task.isCancelled {
            let (pod, removed) = inbox.withLock { ($0.pod, $0.removed) }
            if removed || pod.metadata?.deletionTimestamp != nil {
                let grace = removed ? Duration.seconds(2) : Self.gracePeriod(pod)
                await terminate(pod, grace: grace)
                if !removed { await finalDelete(pod) }
                return
            }
            do {
                try await sync(pod)
                lastSyncError = nil
            } catch is CancellationError {
                break
            } catch {
                // Once per distinct failure: a pod that cannot start is retried every pass.
                let text = "\(error)"
                if text != lastSyncError { logger.warning("cannot sync pod", metadata: ["error": "\(text)"]) }
                lastSyncError = text
                try? await writePendingStatus(pod)
            }
            await wake.wait(timeout: context.resyncInterval)
        }
        for task in probeTasks.values { task.cancel() }
    }

    static func gracePeriod(_ pod: Pod) -> Duration {
        .seconds(max(pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30, 0))
    }

    // MARK: one pass

    private func sync(_ pod: Pod) async throws {
        if terminalPhase == nil, let phase = pod.status?.phase, phase == "Succeeded" || phase == "Failed" {
            terminalPhase = phase
        }
        if terminalPhase != nil {
            if !sandboxStopped { await stopSandboxes() }
            return
        }
        let runtime = context.runtime
        let builder = RuntimeSpecBuilder(pod: pod, logDirectory: context.logDirectory(for: pod), clusterDomain: context.clusterDomain)

        // What the runtime holds for the pod, from the agent's relist (or read afresh after this worker acted).
        let podState = try await context.runtimeCache.state(of: uid)
        // The sandbox: the newest ready one, or a new one (a sandbox that died takes its containers with it).
        let sandboxes = podState.sandboxes.sorted { $0.metadata.attempt < $1.metadata.attempt }
        var sandboxID = sandboxes.last(where: { $0.state == .ready })?.id
        var attempt = sandboxes.last(where: { $0.state == .ready })?.metadata.attempt ?? 0
        let metadata = [pod.metadata?.labels ?? [:], pod.metadata?.annotations ?? [:]]
        if volumePaths == nil || Date().timeIntervalSince(volumesRefreshedAt) > 60 || metadata != volumesMetadata {
            do {
                volumePaths = try await volumes.setUp(pod)
            } catch {
                context.events.record(pod, type: "Warning", reason: "FailedMount", message: "MountVolume.SetUp failed: \(error)")
                throw error
            }
            volumesRefreshedAt = Date()
            volumesMetadata = metadata
        }
        if sandboxID == nil {
            if let last = sandboxes.last {
                logger.info("sandbox is not ready; starting a new one", metadata: ["sandbox": "\(last.id)"])
                await stopRunningContainers(pod, grace: .zero)
                for sandbox in sandboxes { try? await runtime.stopPodSandbox(id: sandbox.id) }
                attempt = last.metadata.attempt + 1
            }
            try FileManager.default.createDirectory(atPath: builder.logDirectory, withIntermediateDirectories: true)
            context.runtimeCache.markStale(uid)
            do {
                sandboxID = try await runtime.runPodSandbox(builder.sandboxConfig(attempt: attempt))
            } catch {
                context.events.record(pod, type: "Warning", reason: "FailedCreatePodSandBox", message: "Failed to create pod sandbox: \(error)")
                throw error
            }
            logger.info("started pod sandbox", metadata: ["sandbox": "\(sandboxID ?? "")"])
        }
        guard let sandboxID else { return }
        let sandboxConfig = builder.sandboxConfig(attempt: attempt)
        // The sandbox's IP once per sandbox; whether it is ready comes with every relist.
        var sandboxReady = podState.sandboxes.first { $0.id == sandboxID }?.state == .ready
        if sandboxID != knownSandboxID {
            let sandboxStatus = try await runtime.podSandboxStatus(id: sandboxID)
            podIP = builder.hostNetwork ? context.hostIP : (sandboxStatus.ip.isEmpty ? podIP : sandboxStatus.ip)
            sandboxReady = sandboxStatus.state == .ready
            knownSandboxID = sandboxID
        }

        let runs = await containerRuns(podState, sandboxID: sandboxID)

        var acted = false
        let now = Date()
        let environment = Environment(sandboxID: sandboxID, sandboxConfig: sandboxConfig, builder: builder, pod: pod)
        // Kubelet's active deadline: a pod on the node longer than spec.activeDeadlineSeconds is stopped and fails.
        if let seconds = pod.spec?.activeDeadlineSeconds, now.timeIntervalSince(startTime) >= Double(seconds) {
            try await failForDeadline(pod, sandboxID: sandboxID, now: now)
            return
        }
        // A pod that does not restart its main containers is done once they all exited for good: its sidecars stop
        // then, in reverse order, and do not restart.
        let mainContainers = pod.spec?.containers ?? []
        let policy = pod.spec?.restartPolicy ?? "Always"
        let mainFinished = policy != "Always" && !mainContainers.isEmpty && mainContainers.allSatisfy { container in
            guard let latest = runs[container.name ?? ""]?.last, latest.state == .exited else { return false }
            return !CrashLoopBackOff.shouldRestart(restartPolicy: policy, exitCode: latest.exitCode)
        }
        let anyMainStarted = mainContainers.contains { runs[$0.name ?? ""]?.isEmpty == false }
        if mainFinished {
            let running = (pod.spec?.initContainers ?? []).filter { $0.isSidecar && runs[$0.name ?? ""]?.last?.state == .running }
            if !running.isEmpty {
                await stopSidecars(running, runs: runs, pod: pod, grace: .seconds(max(pod.spec?.terminationGracePeriodSeconds ?? 30, 0)))
                acted = true
            }
        }
        // Init containers in order: a regular one runs to completion before the next starts, a sidecar has to be
        // running (and past its startup probe) before the next starts, and keeps running after.
        var initObservations: [ContainerObservation] = []
        var initialized = true
        for container in pod.spec?.initContainers ?? [] {
            let name = container.name ?? ""
            var observation = observe(container, runs[name] ?? [])
            guard initialized else {
                if observation.latest == nil { observation.waiting = ContainerObservation.Waiting(reason: "PodInitializing") }
                initObservations.append(observation)
                continue
            }
            if container.isSidecar {
                if mainFinished {
                    observation.waiting = nil
                } else {
                    acted = try await advance(container, observation: &observation, restartPolicy: "Always", environment: environment, now: now) || acted
                    if observation.isRunning { ensureProbes(container, containerID: observation.latest?.id ?? "") }
                    if !(observation.isRunning && observation.started) && !anyMainStarted { initialized = false }
                }
                initObservations.append(observation)
                continue
            }
            if observation.succeeded || anyMainStarted {
                initObservations.append(observation)
                continue
            }
            initialized = false
            acted = try await advance(container, observation: &observation, restartPolicy: policy, environment: environment, now: now) || acted
            initObservations.append(observation)
        }
        // The main containers, once the pod is initialized.
        var observations: [ContainerObservation] = []
        for container in mainContainers {
            let name = container.name ?? ""
            var observation = observe(container, runs[name] ?? [])
            if !initialized {
                if observation.latest == nil { observation.waiting = ContainerObservation.Waiting(reason: "PodInitializing") }
            } else {
                acted = try await advance(container, observation: &observation, restartPolicy: policy, environment: environment, now: now) || acted
                if observation.isRunning { ensureProbes(container, containerID: observation.latest?.id ?? "") }
            }
            observations.append(observation)
        }

        let builderStatus = PodStatusBuilder(pod: pod, hostIP: context.hostIP, podIP: podIP, sandboxReady: sandboxReady,
                                             initContainers: initObservations, containers: observations, startTime: startTime)
        var status = builderStatus.status(now: now)
        if let phase = status.phase, phase == "Succeeded" || phase == "Failed" {
            terminalPhase = phase
            logger.info("pod finished", metadata: ["phase": "\(phase)"])
            await stopSandboxes()
            status = PodStatusBuilder(pod: pod, hostIP: context.hostIP, podIP: podIP, sandboxReady: false, initContainers: initObservations,
                                      containers: observations, startTime: startTime, terminalPhase: phase).status(now: now)
        }
        // A pass that just started or stopped containers is followed at once by one that sees the result: its
        // status is left for that one to write (kubelet's status manager coalesces such updates too), but never
        // twice in a row, so a pod that acts on every pass still gets its status written.
        if acted && !deferredWrite && terminalPhase == nil {
            deferredWrite = true
        } else {
            deferredWrite = false
            try await write(status, pod: pod)
        }
        if acted {
            context.runtimeCache.markStale(uid)
            wake.signal()
        }
    }

    /// The containers' runs in the sandbox, newest last, by container name; runs older than the two newest go.
    private func containerRuns(_ podState: PodRuntimeCache.PodState, sandboxID: String) async -> [String: [ContainerObservation.Run]] {
        let runtime = context.runtime
        let summaries = podState.containers.filter { $0.sandboxID == sandboxID }
        var runs: [String: [ContainerObservation.Run]] = [:]
        for (name, group) in Dictionary(grouping: summaries, by: { $0.metadata.name }) {
            let sorted = group.sorted { $0.metadata.attempt < $1.metadata.attempt }
            for old in sorted.dropLast(2) {
                try? await runtime.removeContainer(id: old.id)
                context.runtimeCache.markStale(uid)
            }
            var kept: [ContainerObservation.Run] = []
            for summary in sorted.suffix(2) {
                guard let status = podState.statuses[summary.id] else { continue }
                var run = ContainerObservation.Run(status)
                if status.state == .exited {
                    if terminationMessages[summary.id] == nil {
                        terminationMessages[summary.id] = TerminationMessage.read(status, container: containerSpec(named: name))
                    }
                    if let message = terminationMessages[summary.id], !message.isEmpty {
                        run.message = run.message.isEmpty ? message : run.message + ": " + message
                    }
                }
                kept.append(run)
            }
            runs[name] = kept
        }
        probeResults.retain(containerIDs: Set(summaries.map(\.id)))
        let current = Set(summaries.map(\.id))
        terminationMessages = terminationMessages.filter { current.contains($0.key) }
        return runs
    }

    private func containerSpec(named name: String) -> Container? {
        let spec = inbox.withLock { $0.pod.spec }
        return ((spec?.containers ?? []) + (spec?.initContainers ?? [])).first { $0.name == name }
    }

    /// Kubelet's `rejectPod`: the pod never starts; it is Failed with the admission's reason and message.
    private func reject(_ rejection: PodAdmission.Rejection) async {
        let pod = inbox.withLock { $0.pod }
        logger.info("pod rejected at admission", metadata: ["reason": "\(rejection.reason)"])
        context.events.record(pod, type: "Warning", reason: rejection.reason, message: rejection.message)
        terminalPhase = "Failed"
        sandboxStopped = true
        var status = pod.status ?? PodStatus()
        status.phase = "Failed"
        status.reason = rejection.reason
        status.message = "Pod was rejected: " + rejection.message
        status.startTime = status.startTime ?? Time(startTime)
        try? await write(status, pod: pod)
    }

    /// Stops a pod whose active deadline passed and writes it Failed with kubelet's reason and message.
    private func failForDeadline(_ pod: Pod, sandboxID: String, now: Date) async throws {
        let message = "Pod was active on the node longer than the specified deadline"
        logger.info("pod exceeded its active deadline; stopping it")
        context.events.record(pod, type: "Warning", reason: "DeadlineExceeded", message: message)
        await stopRunningContainers(pod, grace: Self.gracePeriod(pod))
        terminalPhase = "Failed"
        terminalReason = ("DeadlineExceeded", message)
        context.runtimeCache.markStale(uid)
        let runs = await containerRuns(try await context.runtimeCache.state(of: uid), sandboxID: sandboxID)
        await stopSandboxes()
        let initObservations = (pod.spec?.initContainers ?? []).map { observe($0, runs[$0.name ?? ""] ?? []) }
        let observations = (pod.spec?.containers ?? []).map { observe($0, runs[$0.name ?? ""] ?? []) }
        var builder = PodStatusBuilder(pod: pod, hostIP: context.hostIP, podIP: podIP, sandboxReady: false, initContainers: initObservations,
                                       containers: observations, startTime: startTime, terminalPhase: "Failed")
        builder.terminalReason = terminalReason
        try await write(builder.status(now: now), pod: pod)
    }

    private struct Environment {
        var sandboxID: String
        var sandboxConfig: SandboxConfig
        var builder: RuntimeSpecBuilder
        var pod: Pod
    }

    private func observe(_ container: Container, _ runs: [ContainerObservation.Run]) -> ContainerObservation {
        let name = container.name ?? ""
        var observation = ContainerObservation(name: name, image: container.image ?? "", latest: runs.last,
                                               previous: runs.count > 1 ? runs[runs.count - 2] : nil, waiting: waiting[name])
        if let latest = runs.last, latest.state == .running {
            let started = container.startupProbe == nil || probeResults.state(latest.id, .startup)?.passing == true
            observation.started = started
            observation.ready = started && (container.readinessProbe == nil || probeResults.state(latest.id, .readiness)?.passing == true)
        } else {
            observation.started = false
            observation.ready = false
        }
        if runs.last?.state == .running { observation.waiting = nil }
        return observation
    }

    /// Moves one container on: starts it, restarts it after its back-off, kills it when its liveness fails.
    /// Returns whether it changed something in the runtime.
    private func advance(_ container: Container, observation: inout ContainerObservation, restartPolicy policy: String,
                         environment: Environment, now: Date) async throws -> Bool {
        let name = container.name ?? ""
        guard let latest = observation.latest else {
            observation.waiting = await start(container, attempt: 0, environment: environment)
            return true
        }
        switch latest.state {
        case .created:
            do {
                try await context.runtime.startContainer(id: latest.id)
                waiting[name] = nil
            } catch {
                waiting[name] = ContainerObservation.Waiting(reason: "RunContainerError", message: "\(error)")
            }
            observation.waiting = waiting[name]
            return true
        case .running:
            let liveness = probeResults.state(latest.id, .liveness)
            let startup = probeResults.state(latest.id, .startup)
            if liveness?.result == false || startup?.result == false {
                let which = liveness?.result == false ? "liveness" : "startup"
                logger.info("container failed its \(which) probe; restarting it", metadata: ["container": "\(name)"])
                context.events.record(environment.pod, reason: "Killing",
                                      message: "Container \(name) failed \(which) probe, will be restarted")
                let grace = Duration.seconds(max(environment.pod.spec?.terminationGracePeriodSeconds ?? 30, 0))
                await stop(container, id: latest.id, grace: grace, pod: environment.pod, announce: false)
                probeTasks.removeValue(forKey: latest.id)?.cancel()
                probeResults.remove(containerID: latest.id)
                return true
            }
            return false
        case .exited, .unknown:
            guard CrashLoopBackOff.shouldRestart(restartPolicy: policy, exitCode: latest.exitCode) else {
                waiting[name] = nil
                observation.waiting = nil
                return false
            }
            // A run that lasted past the reset period starts the back-off over.
            if CrashLoopBackOff.ranLongEnoughToReset(startedAt: latest.startedAt, finishedAt: latest.finishedAt) {
                backOffBase[name] = latest.attempt
            }
            let attempts = latest.attempt - min(backOffBase[name] ?? 0, latest.attempt)
            let due = CrashLoopBackOff.restartTime(finishedAt: latest.finishedAt ?? now, attempt: attempts)
            if now < due {
                let delay = CrashLoopBackOff.delay(afterAttempt: attempts)
                waiting[name] = ContainerObservation.Waiting(
                    reason: "CrashLoopBackOff",
                    message: CrashLoopBackOff.message(delay: delay, container: name, podName: environment.pod.metadata?.name ?? "",
                                                      namespace: environment.pod.metadata?.namespace ?? "", uid: uid))
                observation.waiting = waiting[name]
                if pendingWake == nil || pendingWake! <= now {
                    let pod = environment.pod
                    context.events.record(pod, type: "Warning", reason: "BackOff",
                                          message: "Back-off restarting failed container \(name) in pod \(pod.metadata?.name ?? "")_\(pod.metadata?.namespace ?? "")(\(uid))")
                }
                scheduleWake(at: due, now: now)
                return false
            }
            observation.waiting = await start(container, attempt: latest.attempt + 1, environment: environment)
            return true
        }
    }

    /// Wakes the worker at `time` (the end of a back-off) unless a wake-up at or before it is pending already.
    private func scheduleWake(at time: Date, now: Date) {
        if let pending = pendingWake, pending > now, pending <= time { return }
        pendingWake = time
        let wake = self.wake
        let delay = time.timeIntervalSince(now)
        Task {
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000) + 10))
            wake.signal()
        }
    }

    /// Pulls the image if needed, resolves the environment, creates and starts the container; returns why it
    /// waits when it could not start it.
    private func start(_ container: Container, attempt: UInt32, environment: Environment) async -> ContainerObservation.Waiting? {
        let name = container.name ?? ""
        let result = await startOrExplain(container, attempt: attempt, environment: environment)
        waiting[name] = result
        return result
    }

    private func startOrExplain(_ container: Container, attempt: UInt32, environment: Environment) async -> ContainerObservation.Waiting? {
        let name = container.name ?? ""
        let runtime = context.runtime
        let image: String
        switch await ensureImage(container, pod: environment.pod, sandboxConfig: environment.sandboxConfig) {
        case .success(let reference): image = reference
        case .failure(let reason): return reason.waiting
        }
        let variables: [EnvironmentVariable]
        do {
            let resolver = try await resolver(for: container, pod: environment.pod)
            variables = try resolver.environment(for: container)
        } catch {
            return ContainerObservation.Waiting(reason: "CreateContainerConfigError", message: "\(error)")
        }
        let hostsFile = volumes.hostsFile
        do {
            let nodeHosts = environment.builder.hostNetwork ? (try? String(contentsOfFile: "/etc/hosts", encoding: .utf8)) : nil
            let content = PodHostsFile(pod: environment.pod, clusterDomain: context.clusterDomain).content(podIPs: [podIP ?? ""], nodeHosts: nodeHosts)
            try PodHostsFile.write(content, to: hostsFile)
        } catch {
            return ContainerObservation.Waiting(reason: "CreateContainerConfigError", message: "cannot write the pod's hosts file: \(error)")
        }
        let terminationMessageFile = TerminationMessage.hostPath(podDirectory: volumes.podDirectory, container: name, attempt: attempt)
        try? FileManager.default.createDirectory(atPath: (terminationMessageFile as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: terminationMessageFile, contents: nil, attributes: [.posixPermissions: 0o666]) else {
            return ContainerObservation.Waiting(reason: "CreateContainerConfigError", message: "cannot create \(terminationMessageFile)")
        }
        let config: ContainerConfig
        do {
            config = try environment.builder.containerConfig(container, attempt: attempt, image: image, environment: variables,
                                                              volumes: volumePaths ?? [:], hostsFile: hostsFile,
                                                              terminationMessageFile: terminationMessageFile)
        } catch {
            return ContainerObservation.Waiting(reason: "CreateContainerConfigError", message: error.message)
        }
        try? FileManager.default.createDirectory(atPath: environment.builder.logDirectory + "/" + name, withIntermediateDirectories: true)
        let id: String
        do {
            id = try await runtime.createContainer(sandboxID: environment.sandboxID, config: config, sandboxConfig: environment.sandboxConfig)
        } catch {
            context.events.record(environment.pod, type: "Warning", reason: "Failed", message: "Error: \(error)")
            return ContainerObservation.Waiting(reason: "CreateContainerError", message: "\(error)")
        }
        context.events.record(environment.pod, reason: "Created", message: "Created container \(name)")
        do {
            try await runtime.startContainer(id: id)
        } catch {
            context.events.record(environment.pod, type: "Warning", reason: "Failed", message: "Error: \(error)")
            return ContainerObservation.Waiting(reason: "RunContainerError", message: "\(error)")
        }
        context.events.record(environment.pod, reason: "Started", message: "Started container \(name)")
        logger.info("started container", metadata: ["container": "\(name)", "attempt": "\(attempt)", "id": "\(id)"])
        if let hook = container.lifecycle?.postStart {
            let runner = ProbeRunner(runtime: runtime, container: container, containerID: id, podIP: podIP ?? "")
            if case .failure(let message) = await runner.runHandler(hook, timeout: .seconds(30)) {
                logger.warning("postStart hook failed; killing the container", metadata: ["container": "\(name)", "error": "\(message)"])
                context.events.record(environment.pod, type: "Warning", reason: "FailedPostStartHook", message: message)
                try? await runtime.stopContainer(id: id, gracePeriod: .zero)
            }
        }
        return nil
    }

    /// The image reference to create the container with, pulled per the container's pull policy with the pod's
    /// imagePullSecrets.
    private func ensureImage(_ container: Container, pod: Pod, sandboxConfig: SandboxConfig) async -> Result<String, WaitingReason> {
        let image = container.image ?? ""
        let policy = RuntimeSpecBuilder.pullPolicy(container)
        if policy != "Always", (try? await context.runtime.imageStatus(image)) ?? nil != nil {
            context.events.record(pod, reason: "Pulled", message: "Container image \"\(image)\" already present on machine")
            return .success(image)
        }
        if policy == "Never" {
            return .failure(WaitingReason(ContainerObservation.Waiting(
                reason: "ErrImageNeverPull", message: "Container image \"\(image)\" is not present with pull policy of Never")))
        }
        if let backOff = pullBackOff[image], Date() < backOff.until {
            return .failure(WaitingReason(ContainerObservation.Waiting(reason: "ImagePullBackOff", message: "Back-off pulling image \"\(image)\"")))
        }
        let credentials = await ImagePullCredentials.of(pod, transport: context.transport, events: context.events, logger: logger)
        let runtime = context.runtime
        do {
            context.events.record(pod, reason: "Pulling", message: "Pulling image \"\(image)\"")
            let started = ContinuousClock.now
            _ = try await credentials.pull(image) { auth in
                try await runtime.pullImage(image, auth: auth, sandboxConfig: sandboxConfig)
            }
            pullBackOff[image] = nil
            context.events.record(pod, reason: "Pulled", message: "Successfully pulled image \"\(image)\" in \(ContinuousClock.now - started)")
            return .success(image)
        } catch {
            context.events.record(pod, type: "Warning", reason: "Failed", message: "Failed to pull image \"\(image)\": \(error)")
            let failures = (pullBackOff[image]?.failures ?? 0) + 1
            pullBackOff[image] = (Date().addingTimeInterval(min(10 * pow(2, Double(failures - 1)), 300)), failures)
            return .failure(WaitingReason(ContainerObservation.Waiting(reason: "ErrImagePull", message: "\(error)")))
        }
    }

    /// `ContainerObservation.Waiting` as an error, for `Result`.
    private struct WaitingReason: Error {
        var waiting: ContainerObservation.Waiting
        init(_ waiting: ContainerObservation.Waiting) { self.waiting = waiting }
    }

    private func resolver(for container: Container, pod: Pod) async throws -> EnvironmentResolver {
        let namespace = pod.metadata?.namespace ?? "default"
        let references = EnvironmentResolver.references(of: container)
        var configMaps: [String: ConfigMap] = [:]
        var secrets: [String: Secret] = [:]
        for name in references.configMaps {
            do {
                configMaps[name] = try await ResourceClient<ConfigMap>(transport: context.transport).get(name, namespace: namespace)
            } catch let error as APIError where error.reason == .notFound {}
        }
        for name in references.secrets {
            do {
                secrets[name] = try await ResourceClient<Secret>(transport: context.transport).get(name, namespace: namespace)
            } catch let error as APIError where error.reason == .notFound {}
        }
        return EnvironmentResolver(pod: pod, podIP: podIP ?? "", hostIP: context.hostIP, configMaps: configMaps, secrets: secrets)
    }

    // MARK: probes

    private func ensureProbes(_ container: Container, containerID: String) {
        guard !containerID.isEmpty, probeTasks[containerID] == nil else { return }
        let probes: [(ProbeKind, Probe)] = [(.startup, container.startupProbe), (.readiness, container.readinessProbe), (.liveness, container.livenessProbe)]
            .compactMap { kind, probe in probe.map { (kind, $0) } }
        guard !probes.isEmpty else { return }
        let runner = ProbeRunner(runtime: context.runtime, container: container, containerID: containerID, podIP: podIP ?? "")
        let results = probeResults
        let wake = self.wake
        let hasStartupProbe = container.startupProbe != nil
        let events = context.events
        let pod = inbox.withLock { $0.pod }
        probeTasks[containerID] = Task {
            await withTaskGroup(of: Void.self) { group in
                for (kind, probe) in probes {
                    group.addTask {
                        await Self.probeLoop(kind: kind, probe: probe, runner: runner, results: results, wake: wake,
                                             waitForStartup: hasStartupProbe && kind != .startup) { message in
                            events.record(pod, type: "Warning", reason: "Unhealthy", message: "\(kind.rawValue.capitalized) probe failed: \(message)")
                        }
                    }
                }
            }
        }
    }

    /// Runs one probe every period after its initial delay, as kubelet's prober worker.
    private static func probeLoop(kind: ProbeKind, probe: Probe, runner: ProbeRunner, results: ProbeResults, wake: WakeSignal,
                                  waitForStartup: Bool, failed: @Sendable (String) -> Void) async {
        var state = ProbeState(kind: kind, probe: probe)
        results.set(state, containerID: runner.containerID)
        guard (try? await Task.sleep(for: probe.initialDelay)) != nil else { return }
        while !Task.isCancelled {
            if waitForStartup && results.state(runner.containerID, .startup)?.passing != true {
                guard (try? await Task.sleep(for: .milliseconds(200))) != nil else { return }
                continue
            }
            let outcome = await runner.run(probe)
            if case .failure(let message) = outcome { failed(message) }
            if state.record(outcome) {
                results.set(state, containerID: runner.containerID)
                wake.signal()
            }
            // A passed startup probe is done.
            if kind == .startup && state.result == true { return }
            guard (try? await Task.sleep(for: probe.period)) != nil else { return }
        }
    }

    // MARK: stopping

    private func stop(_ container: Container?, id: String, grace: Duration, pod: Pod, announce: Bool = true) async {
        if announce, let name = container?.name {
            context.events.record(pod, reason: "Killing", message: "Stopping container \(name)")
        }
        var remaining = grace
        if let container, let hook = container.lifecycle?.preStop, grace > .zero {
            let started = ContinuousClock.now
            let runner = ProbeRunner(runtime: context.runtime, container: container, containerID: id, podIP: podIP ?? "")
            if case .failure(let message) = await runner.runHandler(hook, timeout: grace) {
                context.events.record(pod, type: "Warning", reason: "FailedPreStopHook", message: message)
            }
            remaining = max(grace - (ContinuousClock.now - started), .seconds(2))
        }
        do {
            try await context.runtime.stopContainer(id: id, gracePeriod: remaining)
        } catch {
            logger.warning("cannot stop container", metadata: ["id": "\(id)", "error": "\(error)"])
        }
    }

    /// Stops the pod's running containers as kubelet does: the main and regular init containers together, then
    /// the sidecars one by one in reverse order, all within `grace`.
    private func stopRunningContainers(_ pod: Pod, grace: Duration) async {
        let deadline = ContinuousClock.now + grace
        let running = (try? await context.runtime.listContainers(ContainerFilter(state: .running, labelSelector: uidLabel))) ?? []
        let initContainers = pod.spec?.initContainers ?? []
        let sidecarNames = Set(initContainers.filter(\.isSidecar).compactMap(\.name))
        let specs = (pod.spec?.containers ?? []) + initContainers
        await withTaskGroup(of: Void.self) { group in
            for container in running where !sidecarNames.contains(container.metadata.name) {
                let spec = specs.first { $0.name == container.metadata.name }
                group.addTask { await self.stop(spec, id: container.id, grace: grace, pod: pod) }
            }
        }
        for sidecar in initContainers.reversed() where sidecar.isSidecar {
            for container in running where container.metadata.name == sidecar.name {
                await stop(sidecar, id: container.id, grace: Self.remaining(until: deadline, of: grace), pod: pod)
            }
        }
    }

    /// Stops running sidecars (a finished pod's), the last one first.
    private func stopSidecars(_ sidecars: [Container], runs: [String: [ContainerObservation.Run]], pod: Pod, grace: Duration) async {
        let deadline = ContinuousClock.now + grace
        for sidecar in sidecars.reversed() {
            guard let latest = runs[sidecar.name ?? ""]?.last, latest.state == .running else { continue }
            await stop(sidecar, id: latest.id, grace: Self.remaining(until: deadline, of: grace), pod: pod)
            probeTasks.removeValue(forKey: latest.id)?.cancel()
        }
    }

    /// What is left of a grace period, but at least kubelet's 2 s minimum when there was one at all.
    private static func remaining(until deadline: ContinuousClock.Instant, of grace: Duration) -> Duration {
        guard grace > .zero else { return .zero }
        return max(deadline - ContinuousClock.now, .seconds(2))
    }

    private func stopSandboxes() async {
        for task in probeTasks.values { task.cancel() }
        probeTasks = [:]
        for sandbox in (try? await context.runtime.listPodSandboxes(SandboxFilter(labelSelector: uidLabel))) ?? [] {
            try? await context.runtime.stopPodSandbox(id: sandbox.id)
        }
        sandboxStopped = true
    }

    /// Stops the pod's containers (preStop hooks first, within the grace period) and removes its sandboxes,
    /// containers, volumes and logs.
    private func terminate(_ pod: Pod, grace: Duration) async {
        logger.info("stopping pod", metadata: ["grace": "\(grace)"])
        for task in probeTasks.values { task.cancel() }
        probeTasks = [:]
        await stopRunningContainers(pod, grace: grace)
        let runtime = context.runtime
        for container in (try? await runtime.listContainers(ContainerFilter(labelSelector: uidLabel))) ?? [] {
            try? await runtime.removeContainer(id: container.id)
        }
        for sandbox in (try? await runtime.listPodSandboxes(SandboxFilter(labelSelector: uidLabel))) ?? [] {
            do {
                try await runtime.stopPodSandbox(id: sandbox.id)
                try await runtime.removePodSandbox(id: sandbox.id)
            } catch {
                logger.warning("cannot remove pod sandbox", metadata: ["sandbox": "\(sandbox.id)", "error": "\(error)"])
            }
        }
        volumes.tearDown()
        try? FileManager.default.removeItem(atPath: context.logDirectory(for: pod))
    }

    /// Kubelet's last word on a pod: the delete with no grace period, for this pod's uid only.
    private func finalDelete(_ pod: Pod) async {
        var options = DeleteOptions(gracePeriodSeconds: 0)
        options.preconditions = Preconditions(uid: uid)
        for _ in 0..<5 {
            do {
                _ = try await context.pods.delete(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace, options: options)
                return
            } catch let error as APIError where error.reason == .notFound || error.reason == .conflict {
                return
            } catch {
                logger.warning("cannot delete pod", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    // MARK: status

    /// The status of a pod whose sandbox or volumes cannot be set up (yet): Pending, its containers creating.
    private func writePendingStatus(_ pod: Pod) async throws {
        // Only for a pod that has not run yet: a runtime hiccup must not turn a running pod's status back.
        let started = (pod.status?.containerStatuses ?? []) + (pod.status?.initContainerStatuses ?? [])
        guard terminalPhase == nil, (pod.status?.phase ?? "Pending") == "Pending",
              started.allSatisfy({ $0.state?.running == nil && $0.state?.terminated == nil }) else { return }
        let waiting = { (container: Container) in
            ContainerObservation(name: container.name ?? "", image: container.image ?? "", ready: false, started: false)
        }
        var initObservations = (pod.spec?.initContainers ?? []).map(waiting)
        for index in initObservations.indices.dropFirst() { initObservations[index].waiting = .init(reason: "PodInitializing") }
        var observations = (pod.spec?.containers ?? []).map(waiting)
        if !initObservations.isEmpty {
            for index in observations.indices { observations[index].waiting = .init(reason: "PodInitializing") }
        }
        let status = PodStatusBuilder(pod: pod, hostIP: context.hostIP, podIP: podIP, sandboxReady: false, initContainers: initObservations,
                                      containers: observations, startTime: startTime).status(now: Date())
        try await write(status, pod: pod)
    }

    private func write(_ status: PodStatus, pod: Pod) async throws {
        if status == lastWritten || status == pod.status { return }
        let body: JSONValue = ["metadata": ["uid": .string(uid)], "status": try JSONValue(encoding: status)]
        do {
            _ = try await context.pods.patch(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace, type: .merge, body: body,
                                             subresource: "status")
            lastWritten = status
        } catch let error as APIError where error.reason == .notFound || error.reason == .conflict {
            return
        }
    }
}
