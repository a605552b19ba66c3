import Foundation
import SwiftletCRI

/// The floor under any agent: what containerd alone takes to start a pod like the benchmark's, measured as
/// RunPodSandbox + CreateContainer + StartContainer straight over CRI against the agent's own containerd (same
/// image, same pause image, same CNI network and IP range). The sandboxes carry no agent label, so the agent
/// leaves them alone.
struct CRIFloorPodStarts {
    let runtime: CRIRuntimeClient
    let image: String
    /// Where the floor's pods log, as the agent's pods do under its data dir.
    let logRoot: String
    let namespace = "podstart-floor"

    /// Starts `count` pods, one after another or all at once, and returns each one's latency from the start of
    /// RunPodSandbox to the return of StartContainer; stops and removes them afterwards.
    func round(_ label: String, count: Int, concurrent: Bool) async throws -> [Duration] {
        let names = (0..<count).map { "podstart-\(label)-\($0)" }
        var latencies: [Duration] = []
        do {
            if concurrent {
                latencies = try await withThrowingTaskGroup(of: Duration.self) { group in
                    for name in names { group.addTask { try await start(name) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            } else {
                for name in names { latencies.append(try await start(name)) }
            }
        } catch {
            await removeAll()
            throw error
        }
        await removeAll()
        return latencies
    }

    /// One pod: its sandbox (network namespace, CNI, pause container), then its container created and started.
    private func start(_ name: String) async throws -> Duration {
        let uid = UUID().uuidString.lowercased()
        let podLabels = ["io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": namespace, "io.kubernetes.pod.uid": uid]
        let logDirectory = "\(logRoot)/\(namespace)_\(name)_\(uid)"
        let sandboxConfig = SandboxConfig(metadata: SandboxMetadata(name: name, uid: uid, namespace: namespace), hostname: name,
                                          logDirectory: logDirectory, labels: podLabels)
        var containerLabels = podLabels
        containerLabels["io.kubernetes.container.name"] = "main"
        let containerConfig = ContainerConfig(metadata: ContainerMetadata(name: "main"), image: image, command: ["sleep", "3600"],
                                              labels: containerLabels, logPath: "main/0.log")
        let begin = ContinuousClock.now
        try FileManager.default.createDirectory(atPath: logDirectory + "/main", withIntermediateDirectories: true)
        let sandboxID = try await runtime.runPodSandbox(sandboxConfig)
        let containerID = try await runtime.createContainer(sandboxID: sandboxID, config: containerConfig, sandboxConfig: sandboxConfig)
        try await runtime.startContainer(id: containerID)
        return ContinuousClock.now - begin
    }

    /// Stops and removes every floor sandbox with its containers (the agent's are not touched), and their logs.
    func removeAll() async {
        let mine = ["io.kubernetes.pod.namespace": namespace]
        let sandboxes = (try? await runtime.listPodSandboxes(SandboxFilter(labelSelector: mine))) ?? []
        await withTaskGroup(of: Void.self) { group in
            for sandbox in sandboxes {
                group.addTask {
                    for container in (try? await runtime.listContainers(ContainerFilter(sandboxID: sandbox.id))) ?? [] {
                        try? await runtime.stopContainer(id: container.id, gracePeriod: .zero)
                        try? await runtime.removeContainer(id: container.id)
                    }
                    try? await runtime.stopPodSandbox(id: sandbox.id)
                    try? await runtime.removePodSandbox(id: sandbox.id)
                }
            }
        }
        try? FileManager.default.removeItem(atPath: logRoot)
    }
}
