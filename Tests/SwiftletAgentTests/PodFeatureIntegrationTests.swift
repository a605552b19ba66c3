import Foundation
import SwiftletAPI
import SwiftletClient
import SwiftletCRI
import Testing

@testable import SwiftletAgent

/// Native sidecars, the pod's hosts file, downward API and persistent volumes, on a real agent with containerd.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PodFeatureIntegrationTests {
    typealias Cluster = AgentTestCluster

    func output(_ cluster: AgentTestCluster, _ pod: Pod, container: String, _ script: String) async throws -> String {
        let id = try #require(pod.status?.containerStatuses?.first { $0.name == container }?.containerID)
            .replacingOccurrences(of: "containerd://", with: "")
        let result = try await cluster.runtime.execSync(containerID: id, command: ["sh", "-c", script], timeout: .seconds(10))
        return String(decoding: result.stdout, as: UTF8.self)
    }

    /// A sidecar serves on localhost before the next init container starts, keeps serving beside the main
    /// container, and is stopped once the main container finished so the pod succeeds.
    @Test func sidecarStartsFirstServesTheMainContainerAndStopsWhenItFinishes() async throws {
        try await Cluster.with { cluster in
            let shared = [VolumeMount(mountPath: "/www", name: "www")]
            let pod = Pod(
                metadata: ObjectMeta(name: "with-sidecar", namespace: "default"),
                spec: PodSpec(
                    containers: [Container(command: ["sh", "-c", "sleep 3; wget -q -O - http://127.0.0.1:8081/page.txt"], image: "busybox:1.36",
                                           name: "main")],
                    initContainers: [
                        Container(command: ["sh", "-c", "echo served by the sidecar > /www/page.txt; exec httpd -f -p 8081 -h /www"],
                                  image: "busybox:1.36", name: "server",
                                  readinessProbe: Probe(periodSeconds: 1, tcpSocket: TCPSocketAction(port: .int(8081))),
                                  restartPolicy: "Always",
                                  startupProbe: Probe(httpGet: HTTPGetAction(path: "/page.txt", port: .int(8081)), periodSeconds: 1),
                                  volumeMounts: shared),
                        // Runs only after the sidecar started: it reaches it at once.
                        Container(command: ["wget", "-q", "-O", "/www/checked.txt", "http://127.0.0.1:8081/page.txt"], image: "busybox:1.36",
                                  name: "check", volumeMounts: shared),
                    ],
                    nodeName: cluster.nodeName, restartPolicy: "Never", terminationGracePeriodSeconds: 2,
                    volumes: [Volume(emptyDir: EmptyDirVolumeSource(), name: "www")]))
            _ = try await cluster.pods.create(pod, namespace: "default")

            try await waitUntil("the main container runs beside the ready sidecar", timeout: .seconds(60)) {
                let pod = try await cluster.pods.get("with-sidecar", namespace: "default")
                let sidecar = pod.status?.initContainerStatuses?.first { $0.name == "server" }
                return pod.status?.phase == "Running" && sidecar?.state?.running != nil && sidecar?.ready == true
                    && pod.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
            }
            let running = try await cluster.pods.get("with-sidecar", namespace: "default")
            let statuses = try #require(running.status?.initContainerStatuses)
            #expect(statuses.map(\.name) == ["server", "check"])
            #expect(statuses[0].started == true)
            #expect(statuses[1].state?.terminated?.exitCode == 0, "the check reached the sidecar on its first try")
            #expect(running.status?.conditions?.first { $0.type == "Initialized" }?.status == "True")

            try await waitUntil("the pod succeeded once the main container finished", timeout: .seconds(60)) {
                try await cluster.pods.get("with-sidecar", namespace: "default").status?.phase == "Succeeded"
            }
            let done = try await cluster.pods.get("with-sidecar", namespace: "default")
            #expect(done.status?.containerStatuses?.first?.state?.terminated?.exitCode == 0)
            let sidecar = done.status?.initContainerStatuses?.first { $0.name == "server" }
            #expect(sidecar?.state?.terminated != nil, "the sidecar was stopped")
            #expect(sidecar?.restartCount == 0)
            let log = try await cluster.transport.send(APIRequest(method: .get, path: "/api/v1/namespaces/default/pods/with-sidecar/log"))
            #expect(String(decoding: log.body, as: UTF8.self) == "served by the sidecar\n")
        }
    }

    /// The hosts file names the pod under its subdomain, a downward API volume shows its metadata (and follows a
    /// label change), and a claim bound to a local PersistentVolume mounts that directory.
    @Test func hostsFileDownwardAPIAndPersistentVolumeClaim() async throws {
        try await Cluster.with { cluster in
            let volumeDirectory = "/tmp/swiftlet-pv-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: volumeDirectory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: volumeDirectory) }
            try "kept on the node\n".write(toFile: volumeDirectory + "/before.txt", atomically: true, encoding: .utf8)

            let claims = ResourceClient<PersistentVolumeClaim>(transport: cluster.transport)
            let volumes = ResourceClient<PersistentVolume>(transport: cluster.transport)
            let claim = try await claims.create(PersistentVolumeClaim(
                metadata: ObjectMeta(name: "data", namespace: "default"),
                spec: PersistentVolumeClaimSpec(accessModes: ["ReadWriteOnce"], resources: VolumeResourceRequirements(requests: ["storage": Quantity("1Gi")!]),
                                                volumeName: "local-data")), namespace: "default")

            let pod = Pod(
                metadata: ObjectMeta(labels: ["app": "db", "tier": "backend"], name: "db-0", namespace: "default"),
                spec: PodSpec(
                    containers: [Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "main",
                                           resources: ResourceRequirements(limits: ["memory": Quantity("32Mi")!]),
                                           volumeMounts: [VolumeMount(mountPath: "/etc/podinfo", name: "podinfo"),
                                                          VolumeMount(mountPath: "/data", name: "data"),
                                                          VolumeMount(mountPath: "/scratch", name: "scratch")])],
                    hostAliases: [HostAlias(hostnames: ["backup.internal"], ip: "10.9.9.9")],
                    hostname: "db-0", nodeName: cluster.nodeName, subdomain: "db", terminationGracePeriodSeconds: 1,
                    volumes: [
                        Volume(downwardAPI: DownwardAPIVolumeSource(items: [
                            DownwardAPIVolumeFile(fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels"), path: "labels"),
                            DownwardAPIVolumeFile(fieldRef: ObjectFieldSelector(fieldPath: "metadata.name"), path: "name"),
                            DownwardAPIVolumeFile(path: "memory_limit",
                                                  resourceFieldRef: ResourceFieldSelector(containerName: "main", divisor: Quantity("1Mi"), resource: "limits.memory")),
                        ]), name: "podinfo"),
                        Volume(name: "data", persistentVolumeClaim: PersistentVolumeClaimVolumeSource(claimName: "data")),
                        Volume(emptyDir: EmptyDirVolumeSource(medium: "Memory", sizeLimit: Quantity("8Mi")), name: "scratch"),
                    ]))
            _ = try await cluster.pods.create(pod, namespace: "default")

            // Until the claim is bound, the pod waits and says why.
            let events = ResourceClient<Event>(transport: cluster.transport)
            try await waitUntil("the pod waits for its claim", timeout: .seconds(30)) {
                try await events.list(namespace: "default").items.contains {
                    $0.reason == "FailedMount" && $0.message?.contains("PVC default/data is not bound") == true
                }
            }
            #expect(try await cluster.pods.get("db-0", namespace: "default").status?.containerStatuses?.first?.state?.waiting?.reason == "ContainerCreating")
            _ = try await volumes.create(PersistentVolume(
                metadata: ObjectMeta(name: "local-data"),
                spec: PersistentVolumeSpec(accessModes: ["ReadWriteOnce"], capacity: ["storage": Quantity("1Gi")!],
                                           claimRef: ObjectReference(apiVersion: "v1", kind: "PersistentVolumeClaim", name: "data", namespace: "default",
                                                                     uid: claim.metadata?.uid),
                                           local: LocalVolumeSource(path: volumeDirectory))), namespace: nil)
            _ = try await claims.patch("data", namespace: "default", type: .merge, body: ["status": ["phase": "Bound"]], subresource: "status")

            try await waitUntil("the pod runs", timeout: .seconds(60)) {
                try await cluster.pods.get("db-0", namespace: "default").status?.phase == "Running"
            }
            let running = try await cluster.pods.get("db-0", namespace: "default")
            let podIP = try #require(running.status?.podIP)
            let hosts = try await output(cluster, running, container: "main", "cat /etc/hosts")
            #expect(hosts.hasPrefix("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n"))
            #expect(hosts.contains("\(podIP)\tdb-0.db.default.svc.cluster.local\tdb-0\n"), "\(hosts)")
            #expect(hosts.contains("10.9.9.9\tbackup.internal\n"))
            #expect(try await output(cluster, running, container: "main", "hostname") == "db-0\n")
            #expect(try await output(cluster, running, container: "main", "cat /etc/podinfo/name /etc/podinfo/memory_limit") == "db-032")
            #expect(try await output(cluster, running, container: "main", "cat /etc/podinfo/labels") == "app=\"db\"\ntier=\"backend\"")
            // Kubelet mounts downward API volumes read-only.
            #expect(try await output(cluster, running, container: "main", "touch /etc/podinfo/x 2>/dev/null && echo writable || echo read-only") == "read-only\n")
            // The claim's directory is the PersistentVolume's local path on the node.
            #expect(try await output(cluster, running, container: "main", "cat /data/before.txt; echo from the pod > /data/after.txt") == "kept on the node\n")
            #expect(try String(contentsOfFile: volumeDirectory + "/after.txt", encoding: .utf8) == "from the pod\n")

            // A memory-backed emptyDir is a tmpfs of its size limit, on the node too.
            let scratch = try await output(cluster, running, container: "main", "grep ' /scratch ' /proc/mounts")
            #expect(scratch.hasPrefix("tmpfs /scratch tmpfs") && scratch.contains("size=8192k"), "\(scratch)")
            let uid = try #require(running.metadata?.uid)
            #expect(MountTable.mountPoints(under: cluster.configuration.dataDir + "/pods/" + uid).count == 1)

            // A label change reaches the file.
            _ = try await cluster.pods.patch("db-0", namespace: "default", type: .merge, body: ["metadata": ["labels": ["tier": "storage"]]])
            try await waitUntil("the labels file follows the pod", timeout: .seconds(30)) {
                try await output(cluster, running, container: "main", "cat /etc/podinfo/labels") == "app=\"db\"\ntier=\"storage\""
            }

            // Deleting the pod keeps the PersistentVolume's data.
            _ = try await cluster.pods.delete("db-0", namespace: "default")
            try await cluster.waitUntilGone("db-0")
            #expect(FileManager.default.fileExists(atPath: volumeDirectory + "/after.txt"))
            #expect(MountTable.mountPoints(under: cluster.configuration.dataDir + "/pods/" + uid).isEmpty, "the tmpfs is unmounted")
        }
    }

    /// Termination messages (the file, or the log's end on failure), readiness gates, and the active deadline.
    @Test func terminationMessagesReadinessGatesAndActiveDeadline() async throws {
        try await Cluster.with { cluster in
            let finishing = Pod(
                metadata: ObjectMeta(name: "last-words", namespace: "default"),
                spec: PodSpec(
                    containers: [
                        Container(command: ["sh", "-c", "echo all done > /dev/termination-log; exit 3"], image: "busybox:1.36", name: "file"),
                        Container(command: ["sh", "-c", "echo first; echo second; exit 1"], image: "busybox:1.36", name: "logs",
                                  terminationMessagePath: "/tmp/message", terminationMessagePolicy: "FallbackToLogsOnError"),
                    ],
                    nodeName: cluster.nodeName, restartPolicy: "Never", terminationGracePeriodSeconds: 1))
            let gated = Pod(
                metadata: ObjectMeta(name: "gated", namespace: "default"),
                spec: PodSpec(containers: [Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "main")],
                              nodeName: cluster.nodeName, readinessGates: [PodReadinessGate(conditionType: "example.com/load-balancer")],
                              terminationGracePeriodSeconds: 1))
            let limited = Pod(
                metadata: ObjectMeta(name: "limited", namespace: "default"),
                spec: PodSpec(activeDeadlineSeconds: 4, containers: [Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "main")],
                              nodeName: cluster.nodeName, terminationGracePeriodSeconds: 1))
            for pod in [finishing, gated, limited] { _ = try await cluster.pods.create(pod, namespace: "default") }

            try await waitUntil("the finishing pod failed", timeout: .seconds(60)) {
                try await cluster.pods.get("last-words", namespace: "default").status?.phase == "Failed"
            }
            let finished = try await cluster.pods.get("last-words", namespace: "default")
            let file = finished.status?.containerStatuses?.first { $0.name == "file" }?.state?.terminated
            #expect(file?.exitCode == 3)
            #expect(file?.message == "all done\n")
            let logs = finished.status?.containerStatuses?.first { $0.name == "logs" }?.state?.terminated
            #expect(logs?.message == "first\nsecond\n")

            try await waitUntil("the gated pod's containers are ready", timeout: .seconds(60)) {
                let pod = try await cluster.pods.get("gated", namespace: "default")
                return pod.status?.conditions?.first { $0.type == "ContainersReady" }?.status == "True"
            }
            let waiting = try await cluster.pods.get("gated", namespace: "default")
            let ready = waiting.status?.conditions?.first { $0.type == "Ready" }
            #expect(ready?.status == "False")
            #expect(ready?.reason == "ReadinessGatesNotReady")
            #expect(ready?.message == "corresponding condition of pod readiness gate \"example.com/load-balancer\" does not exist.")
            _ = try await cluster.pods.patch("gated", namespace: "default", type: .strategicMerge, body: [
                "status": ["conditions": [["type": "example.com/load-balancer", "status": "True"]]],
            ], subresource: "status")
            try await waitUntil("the gated pod is ready once its gate is", timeout: .seconds(30)) {
                let pod = try await cluster.pods.get("gated", namespace: "default")
                return pod.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
            }
            let open = try await cluster.pods.get("gated", namespace: "default")
            #expect(open.status?.conditions?.first { $0.type == "example.com/load-balancer" }?.status == "True", "the agent keeps others' conditions")

            try await waitUntil("the pod past its deadline failed", timeout: .seconds(60)) {
                try await cluster.pods.get("limited", namespace: "default").status?.phase == "Failed"
            }
            let expired = try await cluster.pods.get("limited", namespace: "default")
            #expect(expired.status?.reason == "DeadlineExceeded")
            #expect(expired.status?.message == "Pod was active on the node longer than the specified deadline")
            #expect(expired.status?.containerStatuses?.first?.state?.terminated != nil)
            let uid = try #require(expired.metadata?.uid)
            #expect(try await cluster.runtime.listContainers(ContainerFilter(state: .running, labelSelector: [RuntimeLabels.podUID: uid])).isEmpty)
        }
    }

    /// Requests and limits become the container's cgroup values, and the security context its user,
    /// capabilities, read-only root and privilege, as the kernel shows them inside the containers.
    @Test func resourcesAndSecurityContextReachTheKernel() async throws {
        try await Cluster.with { cluster in
            let pod = Pod(
                metadata: ObjectMeta(name: "confined", namespace: "default"),
                spec: PodSpec(
                    containers: [
                        Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "limited",
                                  resources: ResourceRequirements(limits: ["cpu": Quantity("500m")!, "memory": Quantity("64Mi")!],
                                                                  requests: ["cpu": Quantity("250m")!]),
                                  securityContext: SecurityContext(capabilities: Capabilities(add: ["NET_ADMIN"], drop: ["ALL"]),
                                                                   readOnlyRootFilesystem: true, runAsUser: 0)),
                        Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "privileged",
                                  securityContext: SecurityContext(privileged: true)),
                        Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "unprivileged",
                                  securityContext: SecurityContext(runAsGroup: 2000, runAsUser: 1000)),
                    ],
                    nodeName: cluster.nodeName, terminationGracePeriodSeconds: 1))
            _ = try await cluster.pods.create(pod, namespace: "default")
            try await waitUntil("the pod runs", timeout: .seconds(60)) {
                try await cluster.pods.get("confined", namespace: "default").status?.phase == "Running"
            }
            let running = try await cluster.pods.get("confined", namespace: "default")
            let cgroup = try await output(cluster, running, container: "limited", """
                cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
                    /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares
                """)
            #expect(cgroup == "67108864\n50000\n100000\n256\n")
            let capabilities = try await output(cluster, running, container: "limited", "grep CapEff /proc/self/status")
            #expect(capabilities == "CapEff:\t0000000000001000\n", "only NET_ADMIN")
            #expect(try await output(cluster, running, container: "limited", "touch /x 2>/dev/null && echo writable || echo read-only")
                    == "read-only\n")
            let privileged = try await output(cluster, running, container: "privileged", "grep CapEff /proc/self/status; ls /dev | grep -c .")
            let lines = privileged.split(separator: "\n")
            // Every capability the host has (a sandboxed host may hold back some).
            let hostCapabilities = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("CapEff:") }
            #expect(lines.first == hostCapabilities, "every capability: \(privileged)")
            #expect((Int(lines.last ?? "") ?? 0) > 20, "the host's devices: \(privileged)")
            #expect(try await output(cluster, running, container: "unprivileged", "id -u; id -g; grep CapEff /proc/self/status")
                    == "1000\n2000\nCapEff:\t0000000000000000\n")
        }
    }

    /// A readiness probe gates Ready both ways; deleting the pod runs its preStop hook, sends SIGTERM, kills a
    /// container that ignores it once the grace period is over, and frees the pod's IP.
    @Test func readinessGatesReadyAndDeletionHonoursTheGracePeriod() async throws {
        try await Cluster.with { cluster in
            let marker = "/tmp/swiftlet-prestop-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: marker) }
            let pod = Pod(
                metadata: ObjectMeta(name: "graceful", namespace: "default"),
                spec: PodSpec(
                    containers: [Container(
                        command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"], image: "busybox:1.36",
                        lifecycle: Lifecycle(preStop: LifecycleHandler(exec: ExecAction(command: ["sh", "-c", "echo stopping > /marker/prestop"]))),
                        name: "main",
                        readinessProbe: Probe(exec: ExecAction(command: ["test", "-f", "/tmp/ready"]), failureThreshold: 1, periodSeconds: 1),
                        volumeMounts: [VolumeMount(mountPath: "/marker", name: "marker")])],
                    nodeName: cluster.nodeName, terminationGracePeriodSeconds: 4,
                    volumes: [Volume(hostPath: HostPathVolumeSource(path: marker, type: "DirectoryOrCreate"), name: "marker")]))
            _ = try await cluster.pods.create(pod, namespace: "default")
            func ready() async throws -> String? {
                try await cluster.pods.get("graceful", namespace: "default").status?.conditions?.first { $0.type == "Ready" }?.status
            }
            try await waitUntil("the pod runs", timeout: .seconds(60)) {
                try await cluster.pods.get("graceful", namespace: "default").status?.phase == "Running"
            }
            try await Task.sleep(for: .seconds(2))
            #expect(try await ready() == "False", "not ready before its probe passes")
            var running = try await cluster.pods.get("graceful", namespace: "default")
            _ = try await output(cluster, running, container: "main", "touch /tmp/ready")
            try await waitUntil("ready once the probe passes", timeout: .seconds(30)) { try await ready() == "True" }
            running = try await cluster.pods.get("graceful", namespace: "default")
            _ = try await output(cluster, running, container: "main", "rm /tmp/ready")
            try await waitUntil("not ready again once it fails", timeout: .seconds(30)) { try await ready() == "False" }

            let podIP = try #require(running.status?.podIP)
            let bridge = PodNetworkConfiguration.bridgeName(dataDir: cluster.configuration.dataDir)
            let reserved = { () -> Bool in
                let enumerator = FileManager.default.enumerator(atPath: cluster.configuration.dataDir + "/cni/ipam")
                while let entry = enumerator?.nextObject() as? String { if entry.hasSuffix(podIP) { return true } }
                return false
            }
            #expect(reserved(), "the pod's IP is reserved in the node's IPAM state (bridge \(bridge))")
            let started = ContinuousClock.now
            _ = try await cluster.pods.delete("graceful", namespace: "default")
            try await cluster.waitUntilGone("graceful")
            let took = ContinuousClock.now - started
            #expect(took >= .seconds(3), "the container ignoring SIGTERM ran until its grace period ended (\(took))")
            #expect(try String(contentsOfFile: marker + "/prestop", encoding: .utf8) == "stopping\n")
            #expect(!reserved(), "the pod's IP is free again")
        }
    }

    /// A pod bound straight to the node that asks for more CPU than the node has is rejected, as kubelet does:
    /// Failed with OutOfcpu, nothing started; one that fits runs.
    @Test func podsThatDoNotFitTheNodeAreRejected() async throws {
        try await Cluster.with { cluster in
            let greedy = Pod(
                metadata: ObjectMeta(name: "greedy", namespace: "default"),
                spec: PodSpec(containers: [Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "main",
                                                     resources: ResourceRequirements(requests: ["cpu": Quantity("1000")!]))],
                              nodeName: cluster.nodeName, terminationGracePeriodSeconds: 1))
            let modest = Pod(
                metadata: ObjectMeta(name: "modest", namespace: "default"),
                spec: PodSpec(containers: [Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "main",
                                                     resources: ResourceRequirements(requests: ["cpu": Quantity("100m")!]))],
                              nodeName: cluster.nodeName, terminationGracePeriodSeconds: 1))
            let created = try await cluster.pods.create(greedy, namespace: "default")
            _ = try await cluster.pods.create(modest, namespace: "default")
            try await waitUntil("the greedy pod is rejected", timeout: .seconds(30)) {
                try await cluster.pods.get("greedy", namespace: "default").status?.phase == "Failed"
            }
            let rejected = try await cluster.pods.get("greedy", namespace: "default")
            let cpus = ProcessInfo.processInfo.activeProcessorCount * 1000
            #expect(rejected.status?.reason == "OutOfcpu")
            #expect(rejected.status?.message?.hasPrefix("Pod was rejected: Node didn't have enough resource: cpu, requested: 1000000, used: ") == true,
                    "\(rejected.status?.message ?? "")")
            #expect(rejected.status?.message?.hasSuffix("capacity: \(cpus)") == true, "\(rejected.status?.message ?? "")")
            try await waitUntil("the modest pod runs", timeout: .seconds(60)) {
                try await cluster.pods.get("modest", namespace: "default").status?.phase == "Running"
            }
            let uid = try #require(created.metadata?.uid)
            #expect(try await cluster.runtime.listPodSandboxes(SandboxFilter(labelSelector: [RuntimeLabels.podUID: uid])).isEmpty)
            let events = try await ResourceClient<Event>(transport: cluster.transport).list(namespace: "default").items
            #expect(events.contains { $0.involvedObject?.uid == uid && $0.reason == "OutOfcpu" && $0.type == "Warning" })
        }
    }
}
