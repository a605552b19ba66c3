import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import SwiftletCRI
import Testing

@testable import SwiftletAgent

/// A real agent with real containerd, runc and CNI, one test at a time.
@Suite(.serialized, .timeLimit(.minutes(5))) struct AgentIntegrationTests {
    typealias Cluster = AgentTestCluster

    func condition(_ pod: Pod, _ type: String) -> String? { pod.status?.conditions?.first { $0.type == type }?.status }

    @Test func runsAPodWithInitContainerSharedVolumeAndLocalhostThenDeletesIt() async throws {
        try await Cluster.with { cluster in
            let node = try await cluster.nodes.get(cluster.nodeName)
            let podCIDR = try #require(node.spec?.podCIDR.flatMap(IPv4CIDR.init))
            #expect(node.status?.nodeInfo?.containerRuntimeVersion?.hasPrefix("containerd://1.6") == true)
            #expect(node.status?.capacity?["pods"] == Quantity(integer: 110))
            #expect(node.status?.addresses?.contains(NodeAddress(address: "127.0.0.1", type: "InternalIP")) == true)
            let bridge = PodNetworkConfiguration.bridgeName(dataDir: cluster.configuration.dataDir)
            // The routes follow the CNI config, which can be a moment after the node turned Ready.
            try await waitUntil("the unreachable route for the cluster CIDR", timeout: .seconds(30)) {
                Cluster.hostRoutes(Cluster.clusterCIDR.description).contains("unreachable")
            }
            let netnsBefore = Set((try? FileManager.default.contentsOfDirectory(atPath: "/var/run/netns")) ?? [])

            let data = [VolumeMount(mountPath: "/data", name: "shared")]
            let pod = Pod(
                metadata: ObjectMeta(labels: ["app": "web"], name: "web", namespace: "default"),
                spec: PodSpec(
                    containers: [
                        Container(command: ["httpd", "-f", "-p", "8080", "-h", "/data"], image: "busybox:1.36", name: "server",
                                  ports: [ContainerPort(containerPort: 8080, name: "http")],
                                  readinessProbe: Probe(httpGet: HTTPGetAction(path: "/index.html", port: .string("http")), periodSeconds: 1),
                                  volumeMounts: data),
                        Container(command: ["sh", "-c", """
                            echo "$GREETING" > /data/index.html
                            while true; do wget -q -O /data/local.txt http://127.0.0.1:8080/index.html; sleep 1; done
                            """],
                                  env: [EnvVar(name: "POD_NAME", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.name"))),
                                        EnvVar(name: "POD_IP", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "status.podIP"))),
                                        EnvVar(name: "GREETING", value: "hello from $(POD_NAME)")],
                                  image: "busybox:1.36",
                                  livenessProbe: Probe(exec: ExecAction(command: ["test", "-f", "/data/index.html"]), initialDelaySeconds: 1, periodSeconds: 1),
                                  name: "writer",
                                  volumeMounts: data),
                    ],
                    initContainers: [Container(command: ["sh", "-c", "echo initialized > /data/init.txt"], image: "busybox:1.36", name: "setup",
                                               volumeMounts: data)],
                    nodeName: cluster.nodeName, terminationGracePeriodSeconds: 2,
                    volumes: [Volume(emptyDir: EmptyDirVolumeSource(), name: "shared")]))
            let created = try await cluster.pods.create(pod, namespace: "default")
            let uid = try #require(created.metadata?.uid)

            try await waitUntil("the pod runs and is ready", timeout: .seconds(60)) {
                let pod = try await cluster.pods.get("web", namespace: "default")
                return pod.status?.phase == "Running" && condition(pod, "Ready") == "True"
            }
            let running = try await cluster.pods.get("web", namespace: "default")
            let status = try #require(running.status)
            let podIP = try #require(status.podIP)
            #expect(podCIDR.contains(try #require(IPv4CIDR.parseAddress(podIP))), "\(podIP) is in \(podCIDR)")
            #expect(status.podIPs == [PodIP(ip: podIP)])
            #expect(status.hostIP == "127.0.0.1")
            #expect(status.startTime != nil)
            for type in ["PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready"] {
                #expect(condition(running, type) == "True", "\(type)")
            }
            let setup = try #require(status.initContainerStatuses?.first)
            #expect(setup.state?.terminated?.exitCode == 0)
            #expect(setup.state?.terminated?.reason == "Completed")
            let setupFinished = try #require(setup.state?.terminated?.finishedAt)
            for container in status.containerStatuses ?? [] {
                #expect(container.ready == true)
                #expect(container.started == true)
                #expect(container.restartCount == 0)
                #expect(container.containerID?.hasPrefix("containerd://") == true)
                #expect(container.imageID?.contains("sha256:") == true)
                let started = try #require(container.state?.running?.startedAt)
                #expect(started >= setupFinished, "\(container.name ?? "") started after the init container finished")
            }

            // Kubelet's events, as `kubectl describe pod` shows them.
            let events = ResourceClient<Event>(transport: cluster.transport)
            try await waitUntil("the pod's events are recorded") {
                let messages = try await events.list(namespace: "default").items.filter { $0.involvedObject?.uid == uid }.compactMap(\.message)
                return ["Started container setup", "Started container server", "Started container writer",
                        "Container image \"busybox:1.36\" already present on machine"].allSatisfy(messages.contains)
            }

            // From the host, over the node's bridge: the server container serves what the others wrote.
            let index = try await httpGet(podIP, port: 8080, path: "/index.html")
            #expect(index.status == 200)
            #expect(index.body == "hello from web\n")
            #expect(try await httpGet(podIP, port: 8080, path: "/init.txt").body == "initialized\n")
            try await waitUntil("the writer fetched the page over the pod's localhost") {
                try await httpGet(podIP, port: 8080, path: "/local.txt").body == "hello from web\n"
            }

            // Inside the pod: the environment, the hostname, and routes only for the cluster and service CIDRs.
            let writerID = try #require(status.containerStatuses?.first { $0.name == "writer" }?.containerID).replacingOccurrences(of: "containerd://", with: "")
            let env = try await cluster.runtime.execSync(containerID: writerID, command: ["sh", "-c", "echo $POD_NAME $POD_IP $(hostname)"], timeout: .seconds(10))
            #expect(String(decoding: env.stdout, as: UTF8.self) == "web \(podIP) web\n")
            let routes = String(decoding: try await cluster.runtime.execSync(containerID: writerID, command: ["ip", "route"], timeout: .seconds(10)).stdout,
                                as: UTF8.self)
            #expect(!routes.contains("default"), "\(routes)")
            #expect(routes.contains(Cluster.clusterCIDR.description), "\(routes)")
            #expect(routes.contains(Cluster.serviceCIDR.description), "\(routes)")
            #expect(Cluster.linkExists(bridge))

            let sandboxes = try await cluster.runtime.listPodSandboxes(SandboxFilter(labelSelector: [RuntimeLabels.podUID: uid]))
            #expect(sandboxes.count == 1)
            let podNetns = Set((try? FileManager.default.contentsOfDirectory(atPath: "/var/run/netns")) ?? []).subtracting(netnsBefore)
            #expect(podNetns.count == 1)

            // Deleting the pod stops it, removes its containers, sandbox, network namespace and volumes, and the
            // agent's final delete removes the pod.
            _ = try await cluster.pods.delete("web", namespace: "default")
            try await cluster.waitUntilGone("web")
            #expect(try await cluster.runtime.listContainers(ContainerFilter(labelSelector: [RuntimeLabels.podUID: uid])).isEmpty)
            #expect(try await cluster.runtime.listPodSandboxes(SandboxFilter(labelSelector: [RuntimeLabels.podUID: uid])).isEmpty)
            for name in podNetns {
                #expect(!FileManager.default.fileExists(atPath: "/var/run/netns/" + name), "network namespace \(name) is gone")
            }
            #expect(!FileManager.default.fileExists(atPath: cluster.configuration.dataDir + "/pods/" + uid))
        }
    }

    @Test func restartsAFailingContainerUnderOnFailureAndFinishesASucceedingOne() async throws {
        try await Cluster.with { cluster in
            // The node reports the images its runtime holds (the offline busybox and pause images at least).
            try await waitUntil("the node lists its images", timeout: .seconds(30)) {
                let names = try await cluster.nodes.get(cluster.nodeName).status?.images?.flatMap { $0.names ?? [] } ?? []
                return names.contains("docker.io/library/busybox:1.36") && names.contains("swiftlet.local/pause:3.10")
            }
            let failing = Pod(
                metadata: ObjectMeta(name: "crasher", namespace: "default"),
                spec: PodSpec(containers: [Container(command: ["sh", "-c", "echo crashing; sleep 1; exit 1"], image: "busybox:1.36", name: "main")],
                              nodeName: cluster.nodeName, restartPolicy: "OnFailure", terminationGracePeriodSeconds: 1))
            let succeeding = Pod(
                metadata: ObjectMeta(name: "once", namespace: "default"),
                spec: PodSpec(containers: [Container(command: ["sh", "-c", "exit 0"], image: "busybox:1.36", name: "main")],
                              nodeName: cluster.nodeName, restartPolicy: "OnFailure", terminationGracePeriodSeconds: 1))
            _ = try await cluster.pods.create(failing, namespace: "default")
            _ = try await cluster.pods.create(succeeding, namespace: "default")

            try await waitUntil("the failing container restarted", timeout: .seconds(60)) {
                let pod = try await cluster.pods.get("crasher", namespace: "default")
                return (pod.status?.containerStatuses?.first?.restartCount ?? 0) >= 1
            }
            try await waitUntil("the failing container is in crash-loop back-off", timeout: .seconds(30)) {
                let pod = try await cluster.pods.get("crasher", namespace: "default")
                return pod.status?.containerStatuses?.first?.state?.waiting?.reason == "CrashLoopBackOff"
            }
            let crasher = try await cluster.pods.get("crasher", namespace: "default")
            let container = try #require(crasher.status?.containerStatuses?.first)
            #expect(container.lastState?.terminated?.exitCode == 1)
            #expect(container.lastState?.terminated?.reason == "Error")
            #expect(container.state?.waiting?.message?.hasPrefix("back-off 10s restarting failed container=main pod=crasher_default") == true)
            #expect(crasher.status?.phase == "Running")
            #expect(condition(crasher, "Ready") == "False")
            // `kubectl logs` and `kubectl logs --previous`: the API server asks this node's agent endpoint.
            func logs(_ query: [APIRequest.QueryItem]) async throws -> String {
                let response = try await cluster.transport.send(APIRequest(method: .get, path: "/api/v1/namespaces/default/pods/crasher/log", query: query))
                return String(decoding: response.body, as: UTF8.self)
            }
            #expect(try await logs([]) == "crashing\n")
            #expect(try await logs([.init("previous", "true")]) == "crashing\n")
            let stamped = try await logs([.init("timestamps", "true")])
            #expect(stamped.hasPrefix("20") && stamped.hasSuffix(" crashing\n"))

            try await waitUntil("the succeeding pod finished", timeout: .seconds(60)) {
                try await cluster.pods.get("once", namespace: "default").status?.phase == "Succeeded"
            }
            let once = try await cluster.pods.get("once", namespace: "default")
            #expect(once.status?.containerStatuses?.first?.state?.terminated?.reason == "Completed")
            #expect(once.status?.containerStatuses?.first?.restartCount == 0)
            #expect(condition(once, "Ready") == "False")
            #expect(once.status?.conditions?.first { $0.type == "Ready" }?.reason == "PodCompleted")
        }
    }
}

extension AgentIntegrationTests {
    @Test func restartedAgentAdoptsRunningPodsAndRemovesOrphans() async throws {
        try await Cluster.with { cluster in
            let pod = Pod(
                metadata: ObjectMeta(name: "steady", namespace: "default"),
                spec: PodSpec(containers: [Container(command: ["sleep", "3600"], image: "busybox:1.36", name: "main")],
                              nodeName: cluster.nodeName, terminationGracePeriodSeconds: 1))
            let created = try await cluster.pods.create(pod, namespace: "default")
            let uid = try #require(created.metadata?.uid)
            try await waitUntil("the pod runs", timeout: .seconds(60)) {
                try await cluster.pods.get("steady", namespace: "default").status?.phase == "Running"
            }
            let before = try await cluster.pods.get("steady", namespace: "default")
            let containerID = try #require(before.status?.containerStatuses?.first?.containerID)

            // An orphan: a sandbox no pod owns (as if its pod was deleted while the agent was down); a running
            // agent leaves it alone, a starting one removes it.
            let orphanConfig = SandboxConfig(
                metadata: SandboxMetadata(name: "gone", uid: "orphan-uid", namespace: "default"), hostname: "gone",
                logDirectory: cluster.configuration.dataDir + "/logs/default_gone_orphan-uid",
                labels: [RuntimeLabels.podUID: "orphan-uid", RuntimeLabels.podName: "gone", RuntimeLabels.podNamespace: "default",
                         RuntimeLabels.managedBy: RuntimeLabels.managedByValue])
            let orphan = try await cluster.runtime.runPodSandbox(orphanConfig)
            await cluster.agentRunner.stop()
            cluster.agentRunner.start()

            try await waitUntil("the orphan sandbox is removed", timeout: .seconds(60)) {
                try await cluster.runtime.listPodSandboxes(SandboxFilter(id: orphan)).isEmpty
            }
            // The pod kept its container: same ID, no restart.
            try await Task.sleep(for: .seconds(2))
            let after = try await cluster.pods.get("steady", namespace: "default")
            #expect(after.status?.containerStatuses?.first?.containerID == containerID)
            #expect(after.status?.containerStatuses?.first?.restartCount == 0)
            #expect(after.status?.phase == "Running")
            let containers = try await cluster.runtime.listContainers(ContainerFilter(labelSelector: [RuntimeLabels.podUID: uid]))
            #expect(containers.count == 1)
        }
    }
}

extension AgentIntegrationTests {
    @Test func livenessFailureRestartsTheContainer() async throws {
        try await Cluster.with { cluster in
            let pod = Pod(
                metadata: ObjectMeta(name: "flaky", namespace: "default"),
                spec: PodSpec(
                    containers: [Container(command: ["sh", "-c", "touch /tmp/alive; sleep 2; rm /tmp/alive; sleep 3600"], image: "busybox:1.36",
                                           livenessProbe: Probe(exec: ExecAction(command: ["test", "-f", "/tmp/alive"]), failureThreshold: 1,
                                                                periodSeconds: 1),
                                           name: "main")],
                    nodeName: cluster.nodeName, terminationGracePeriodSeconds: 1))
            _ = try await cluster.pods.create(pod, namespace: "default")
            try await waitUntil("the container was restarted after its liveness probe failed", timeout: .seconds(60)) {
                let pod = try await cluster.pods.get("flaky", namespace: "default")
                let status = pod.status?.containerStatuses?.first
                return (status?.restartCount ?? 0) >= 1 && status?.state?.running != nil
            }
            let restarted = try await cluster.pods.get("flaky", namespace: "default")
            let status = try #require(restarted.status?.containerStatuses?.first)
            #expect(status.lastState?.terminated != nil)
            #expect(status.lastState?.terminated?.containerID != status.containerID)
            let events = try await ResourceClient<Event>(transport: cluster.transport).list(namespace: "default").items
            #expect(events.contains { $0.reason == "Unhealthy" && $0.message?.hasPrefix("Liveness probe failed:") == true })
            #expect(events.contains { $0.reason == "Killing" && $0.message == "Container main failed liveness probe, will be restarted" })
        }
    }

    @Test func configMapAndSecretReachTheContainerAsFilesAndEnvironment() async throws {
        try await Cluster.with { cluster in
            let configMaps = ResourceClient<ConfigMap>(transport: cluster.transport)
            let secrets = ResourceClient<Secret>(transport: cluster.transport)
            let pod = Pod(
                metadata: ObjectMeta(name: "configured", namespace: "default"),
                spec: PodSpec(
                    containers: [Container(
                        command: ["sleep", "3600"],
                        env: [EnvVar(name: "COLOR", valueFrom: EnvVarSource(configMapKeyRef: ConfigMapKeySelector(key: "color", name: "settings"))),
                              EnvVar(name: "PASSWORD", valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(key: "password", name: "creds")))],
                        image: "busybox:1.36", name: "main",
                        securityContext: SecurityContext(runAsGroup: 3000, runAsUser: 1000),
                        volumeMounts: [VolumeMount(mountPath: "/etc/app", name: "config", readOnly: true),
                                       VolumeMount(mountPath: "/etc/creds", name: "creds", readOnly: true)],
                        workingDir: "/etc/app")],
                    nodeName: cluster.nodeName, terminationGracePeriodSeconds: 1,
                    volumes: [Volume(configMap: ConfigMapVolumeSource(name: "settings"), name: "config"),
                              Volume(name: "creds", secret: SecretVolumeSource(secretName: "creds"))]))
            _ = try await cluster.pods.create(pod, namespace: "default")
            // Until its ConfigMap and Secret exist the pod waits, its container creating.
            try await waitUntil("the pod waits for its volumes", timeout: .seconds(30)) {
                let pod = try await cluster.pods.get("configured", namespace: "default")
                return pod.status?.phase == "Pending" && pod.status?.containerStatuses?.first?.state?.waiting?.reason == "ContainerCreating"
            }
            _ = try await configMaps.create(ConfigMap(metadata: ObjectMeta(name: "settings", namespace: "default"),
                                                      data: ["color": "blue", "app.conf": "level=debug\n"]), namespace: "default")
            _ = try await secrets.create(Secret(metadata: ObjectMeta(name: "creds", namespace: "default"),
                                                data: ["password": Data("s3cret".utf8).base64EncodedString()]), namespace: "default")
            try await waitUntil("the pod runs", timeout: .seconds(60)) {
                try await cluster.pods.get("configured", namespace: "default").status?.phase == "Running"
            }
            let running = try await cluster.pods.get("configured", namespace: "default")
            let id = try #require(running.status?.containerStatuses?.first?.containerID).replacingOccurrences(of: "containerd://", with: "")
            let result = try await cluster.runtime.execSync(
                containerID: id, command: ["sh", "-c", "echo $COLOR $PASSWORD $(id -u):$(id -g) $(pwd); cat app.conf /etc/creds/password"],
                timeout: .seconds(10))
            #expect(String(decoding: result.stdout, as: UTF8.self) == "blue s3cret 1000:3000 /etc/app\nlevel=debug\ns3cret")
        }
    }
}

extension AgentIntegrationTests {
    /// A second agent on a data dir that an agent uses stops at once with a clear error, touching nothing.
    @Test func secondAgentOnTheSameDataDirStops() async throws {
        try await Cluster.with { cluster in
            var configuration = cluster.configuration
            configuration.nodeName = "intruder"
            let second = Agent(transport: cluster.transport, configuration: configuration, logger: Logger(label: "intruder"))
            await #expect(throws: Agent.DataDirInUse.self) { try await second.run() }
            await #expect(throws: APIError.self) { try await cluster.nodes.get("intruder") }
        }
    }
}
