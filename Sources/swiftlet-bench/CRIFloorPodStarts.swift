import Foundation
import SwiftletCRI

/// The floor under any agent: what containerd alone takes to start a pod like the benchmark's, measured as
/// RunPodSandbox + CreateContainer + StartContainer straight over CRI against the agent's own containerd (same
/// image, same pause image, same CNI network and IP range). The sandboxes carry no agent label, so the agent
/// leaves them alone.
///
/// Each round starts on a new connection: containerd's gRPC server sends a PING with nearly every call it receives
/// and swift-nio-http2 closes a connection after 200 inbound PINGs in 30 s, so a long-lived connection would drop
/// mid-round and the floor would measure reconnects, not containerd.
struct CRIFloorPodStarts {
    /// The agent's containerd (`unix:///…`).
    let endpoint: String
    let image: String
    /// Where the floor's pods log, as the agent's pods do under its data dir.
    let logRoot: String
    let namespace = "podstart-floor"

    /// Starts `count` pods, one after another or all at once, and returns each one's latency from the start of
    /// RunPodSandbox to the return of StartContainer; stops and removes them afterwards.
    func round(_ label: String, count: Int, concurrent: Bool) async throws -> [Duration] {
        let names = (0..<count).map { "podstart-\(label)-\($0)" }
        let latencies: [Duration]
        do {
            latencies = try await CRIRuntimeClient.withClient(endpoint: endpoint) { client in
                _ = try await client.version()  // connected before the clock starts
                if concurrent {
                    return try await withThrowingTaskGroup(of: Duration.self) { group in
                        for name in names { group.addTask { try await start(name, client: client) } }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                }
                var latencies: [Duration] = []
                for name in names { latencies.append(try await start(name, client: client)) }
                return latencies
            }
        } catch {
            await removeAll()
            throw error
        }
        await removeAll()
        return latencies
    }

    /// One pod: its sandbox (network namespace, CNI, pause container), then its container created and started.
    private func start(_ name: String, client: CRIRuntimeClient) async throws -> Duration {
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
        let sandboxID = try await client.runPodSandbox(sandboxConfig)
        let containerID = try await client.createContainer(sandboxID: sandboxID, config: containerConfig, sandboxConfig: sandboxConfig)
        try await client.startContainer(id: containerID)
        return ContinuousClock.now - begin
    }

    /// Stops and removes every floor sandbox with its containers (the agent's are not touched), and their logs.
    func removeAll() async {
        _ = try? await CRIRuntimeClient.withClient(endpoint: endpoint) { runtime in await removeAll(runtime) }
        try? FileManager.default.removeItem(atPath: logRoot)
    }

    private func removeAll(_ runtime: CRIRuntimeClient) async {
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
    }
}
