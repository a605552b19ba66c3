import Foundation
import SwiftletAPI
import Logging
import SwiftletAPIServer
import SwiftletClient
import SwiftletCRI
import Testing

@testable import SwiftletAgent

@Suite struct CrashLoopBackOffTests {
    @Test func firstRestartIsImmediateThenDoublesFromTenSecondsToFiveMinutes() {
        #expect(CrashLoopBackOff.delay(afterAttempt: 0) == 0)
        #expect(CrashLoopBackOff.delay(afterAttempt: 1) == 10)
        #expect(CrashLoopBackOff.delay(afterAttempt: 2) == 20)
        #expect(CrashLoopBackOff.delay(afterAttempt: 5) == 160)
        #expect(CrashLoopBackOff.delay(afterAttempt: 6) == 300)
        #expect(CrashLoopBackOff.delay(afterAttempt: 40) == 300)
        let finished = Date(timeIntervalSince1970: 1000)
        #expect(CrashLoopBackOff.restartTime(finishedAt: finished, attempt: 2) == Date(timeIntervalSince1970: 1020))
        #expect(CrashLoopBackOff.message(delay: 80, container: "c", podName: "p", namespace: "ns", uid: "u")
            == "back-off 1m20s restarting failed container=c pod=p_ns(u)")
    }

    @Test func restartPolicies() {
        #expect(CrashLoopBackOff.shouldRestart(restartPolicy: nil, exitCode: 0))
        #expect(CrashLoopBackOff.shouldRestart(restartPolicy: "Always", exitCode: 0))
        #expect(CrashLoopBackOff.shouldRestart(restartPolicy: "OnFailure", exitCode: 1))
        #expect(!CrashLoopBackOff.shouldRestart(restartPolicy: "OnFailure", exitCode: 0))
        #expect(!CrashLoopBackOff.shouldRestart(restartPolicy: "Never", exitCode: 1))
    }
}

@Suite struct ProbeStateTests {
    @Test func readinessNeedsSuccessThresholdAndFailsAfterFailureThreshold() {
        var state = ProbeState(kind: .readiness, probe: Probe(failureThreshold: 2, successThreshold: 2))
        #expect(!state.passing)
        var changed = state.record(.success)
        #expect(!changed)
        changed = state.record(.success)
        #expect(changed)
        #expect(state.passing)
        changed = state.record(.failure("x"))
        #expect(!changed)
        #expect(state.passing)
        changed = state.record(.failure("x"))
        #expect(changed)
        #expect(!state.passing)
    }

    @Test func livenessPassesUntilItFailsThreeTimesInARow() {
        var state = ProbeState(kind: .liveness, probe: Probe())
        #expect(state.passing)
        state.record(.failure("a"))
        state.record(.failure("b"))
        state.record(.success)
        state.record(.failure("c"))
        state.record(.failure("d"))
        #expect(state.passing)
        state.record(.failure("e"))
        #expect(!state.passing)
        #expect(state.result == false)
        state.reset()
        #expect(state.passing)
    }

    @Test func startupAndLivenessIgnoreSuccessThreshold() {
        var state = ProbeState(kind: .startup, probe: Probe(successThreshold: 5))
        #expect(state.successThreshold == 1)
        state.record(.success)
        #expect(state.passing)
    }
}

@Suite struct EnvironmentResolverTests {
    let pod = Pod(metadata: ObjectMeta(labels: ["app": "web"], name: "web-1", namespace: "shop", uid: "u-1"),
                  spec: PodSpec(containers: [], nodeName: "node-a", serviceAccountName: "default"))

    @Test func resolvesFieldsConfigMapsSecretsAndExpansion() throws {
        let container = Container(
            env: [
                EnvVar(name: "POD_NAME", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.name"))),
                EnvVar(name: "POD_NAMESPACE", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.namespace"))),
                EnvVar(name: "POD_IP", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "status.podIP"))),
                EnvVar(name: "NODE", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "spec.nodeName"))),
                EnvVar(name: "APP", valueFrom: EnvVarSource(fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels['app']"))),
                EnvVar(name: "COLOR", valueFrom: EnvVarSource(configMapKeyRef: ConfigMapKeySelector(key: "color", name: "settings"))),
                EnvVar(name: "PASSWORD", valueFrom: EnvVarSource(secretKeyRef: SecretKeySelector(key: "password", name: "creds"))),
                EnvVar(name: "GREETING", value: "hello $(POD_NAME) at $(POD_IP), $(MISSING) costs $$5"),
                EnvVar(name: "LEVEL", value: "override"),
            ],
            envFrom: [EnvFromSource(configMapRef: ConfigMapEnvSource(name: "settings"), prefix: "CFG_"),
                      EnvFromSource(configMapRef: ConfigMapEnvSource(name: "defaults"))],
            name: "main")
        let resolver = EnvironmentResolver(
            pod: pod, podIP: "10.42.0.7", hostIP: "127.0.0.1",
            configMaps: ["settings": ConfigMap(data: ["color": "blue"]), "defaults": ConfigMap(data: ["LEVEL": "info"])],
            secrets: ["creds": Secret(data: ["password": Data("s3cret".utf8).base64EncodedString()])])
        let environment = try resolver.environment(for: container)
        let values = Dictionary(uniqueKeysWithValues: environment.map { ($0.name, $0.value) })
        #expect(values["POD_NAME"] == "web-1")
        #expect(values["POD_NAMESPACE"] == "shop")
        #expect(values["POD_IP"] == "10.42.0.7")
        #expect(values["NODE"] == "node-a")
        #expect(values["APP"] == "web")
        #expect(values["COLOR"] == "blue")
        #expect(values["CFG_color"] == "blue")
        #expect(values["PASSWORD"] == "s3cret")
        #expect(values["GREETING"] == "hello web-1 at 10.42.0.7, $(MISSING) costs $5")
        #expect(values["LEVEL"] == "override")
        #expect(environment.first?.name == "CFG_color", "envFrom comes first")
        #expect(environment.filter { $0.name == "LEVEL" }.count == 1)
    }

    @Test func missingReferencesFailUnlessOptional() {
        let required = Container(env: [EnvVar(name: "X", valueFrom: EnvVarSource(configMapKeyRef: ConfigMapKeySelector(key: "k", name: "absent")))], name: "c")
        let resolver = EnvironmentResolver(pod: pod, podIP: "", hostIP: "", configMaps: ["present": ConfigMap(data: [:])])
        #expect(throws: EnvironmentResolver.Failure(message: "configmap \"absent\" not found")) { try resolver.environment(for: required) }
        let missingKey = Container(env: [EnvVar(name: "X", valueFrom: EnvVarSource(configMapKeyRef: ConfigMapKeySelector(key: "k", name: "present")))], name: "c")
        #expect(throws: EnvironmentResolver.Failure(message: "couldn't find key k in ConfigMap shop/present")) { try resolver.environment(for: missingKey) }
        let optional = Container(env: [EnvVar(name: "X", valueFrom: EnvVarSource(configMapKeyRef: ConfigMapKeySelector(key: "k", name: "absent", optional: true)))], name: "c")
        #expect((try? resolver.environment(for: optional)) == [])
    }
}

@Suite struct RuntimeSpecTests {
    @Test func pullPolicyDefaultsAsKubelet() {
        #expect(RuntimeSpecBuilder.pullPolicy(Container(image: "busybox:1.36", name: "c")) == "IfNotPresent")
        #expect(RuntimeSpecBuilder.pullPolicy(Container(image: "busybox", name: "c")) == "Always")
        #expect(RuntimeSpecBuilder.pullPolicy(Container(image: "busybox:latest", name: "c")) == "Always")
        #expect(RuntimeSpecBuilder.pullPolicy(Container(image: "localhost:5000/busybox", name: "c")) == "Always")
        #expect(RuntimeSpecBuilder.pullPolicy(Container(image: "localhost:5000/busybox:1", name: "c")) == "IfNotPresent")
        #expect(RuntimeSpecBuilder.pullPolicy(Container(image: "busybox:latest", imagePullPolicy: "Never", name: "c")) == "Never")
    }

    @Test func sandboxAndContainerConfigsCarryKubeletsLabelsResourcesAndSecurity() throws {
        let container = Container(
            args: ["$(GREETING)"], command: ["echo"], image: "busybox:1.36", name: "main",
            resources: ResourceRequirements(limits: ["cpu": Quantity("500m")!, "memory": Quantity("64Mi")!], requests: ["cpu": Quantity("250m")!]),
            securityContext: SecurityContext(capabilities: Capabilities(add: ["NET_ADMIN"], drop: ["ALL"]), readOnlyRootFilesystem: true,
                                             runAsGroup: 2000, runAsUser: 1000),
            volumeMounts: [VolumeMount(mountPath: "/data", name: "scratch", readOnly: true)], workingDir: "/tmp")
        let pod = Pod(metadata: ObjectMeta(labels: ["app": "web"], name: "web", namespace: "default", uid: "u-1"),
                      spec: PodSpec(containers: [container], hostname: "front", nodeName: "n"))
        let builder = RuntimeSpecBuilder(pod: pod, logDirectory: "/logs")
        let sandbox = builder.sandboxConfig(attempt: 1)
        #expect(sandbox.hostname == "front")
        #expect(sandbox.metadata == SandboxMetadata(name: "web", uid: "u-1", namespace: "default", attempt: 1))
        #expect(sandbox.labels["io.kubernetes.pod.uid"] == "u-1")
        #expect(sandbox.labels["io.kubernetes.pod.name"] == "web")
        #expect(sandbox.labels["io.kubernetes.pod.namespace"] == "default")
        #expect(sandbox.labels["app"] == "web")
        let config = try builder.containerConfig(container, attempt: 2, image: "busybox:1.36",
                                                 environment: [EnvironmentVariable(name: "GREETING", value: "hi")],
                                                 volumes: ["scratch": PodVolumes.HostVolume(path: "/var/x/scratch", readOnly: false)],
                                                 hostsFile: "/var/x/etc-hosts")
        #expect(config.args == ["hi"])
        #expect(config.logPath == "main/2.log")
        #expect(config.workingDirectory == "/tmp")
        #expect(config.mounts == [ContainerMount(containerPath: "/data", hostPath: "/var/x/scratch", readOnly: true),
                                  ContainerMount(containerPath: "/etc/hosts", hostPath: "/var/x/etc-hosts", readOnly: false)])
        // A volume kubelet mounts read-only (configMap, secret, downwardAPI, projected, a readOnly claim) is
        // read-only in every container, whatever its volumeMount says.
        var writable = container
        writable.volumeMounts = [VolumeMount(mountPath: "/data", name: "scratch")]
        let readOnlyVolume = try builder.containerConfig(writable, attempt: 0, image: "i", environment: [],
                                                         volumes: ["scratch": PodVolumes.HostVolume(path: "/v", readOnly: true)])
        #expect(readOnlyVolume.mounts == [ContainerMount(containerPath: "/data", hostPath: "/v", readOnly: true)])
        #expect(config.resources == ContainerResources(cpuPeriod: 100_000, cpuQuota: 50_000, cpuShares: 256, memoryLimitInBytes: 64 << 20))
        #expect(config.security.runAsUser == 1000)
        #expect(config.security.runAsGroup == 2000)
        #expect(config.security.readOnlyRootFilesystem)
        #expect(config.security.addCapabilities == ["NET_ADMIN"])
        #expect(config.security.dropCapabilities == ["ALL"])
        #expect(config.labels["io.kubernetes.container.name"] == "main")
        #expect(throws: PodVolumes.Failure.self) {
            try builder.containerConfig(container, attempt: 0, image: "i", environment: [], volumes: [:])
        }
    }
}

@Suite struct PodNetworkConfigurationTests {
    @Test func conflistRoutesOnlyClusterAndServiceCIDRsWithoutEgress() throws {
        let network = PodNetworkConfiguration(dataDir: "/tmp/node-a", podCIDR: IPv4CIDR("10.42.3.0/24")!, clusterCIDR: IPv4CIDR("10.42.0.0/16")!,
                                              serviceCIDR: IPv4CIDR("10.43.0.0/16")!, podEgress: false)
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(try network.render().utf8))
        let text = try network.render()
        #expect(network.bridgeName.hasPrefix("swl"))
        #expect(network.bridgeName.count <= 15)
        #expect(network.bridgeName == PodNetworkConfiguration.bridgeName(dataDir: "/tmp/node-a/"))
        #expect(network.bridgeName != PodNetworkConfiguration.bridgeName(dataDir: "/tmp/node-b"))
        #expect(text.contains("\"subnet\" : \"10.42.3.0/24\""))
        #expect(text.contains("10.42.0.0"))
        #expect(text.contains("10.43.0.0"))
        #expect(!text.contains("0.0.0.0"))
        #expect(text.contains("\"ipMasq\" : false"))
        #expect(text.contains("/tmp/node-a/cni/ipam"))
        #expect(text.contains("portmap"))
        #expect(text.contains("loopback"))
        _ = json

        let egress = PodNetworkConfiguration(dataDir: "/tmp/node-a", podCIDR: IPv4CIDR("10.42.3.0/24")!, clusterCIDR: IPv4CIDR("10.42.0.0/16")!,
                                             serviceCIDR: IPv4CIDR("10.43.0.0/16")!, podEgress: true)
        let egressText = try egress.render()
        #expect(egressText.contains("0.0.0.0"))
        #expect(egressText.contains("\"ipMasq\" : true"))
    }

    @Test func machineInfoReadsTheMachine() {
        let machine = MachineInfo.read(dataDir: "/tmp")
        #expect(machine.cpus >= 1)
        #expect(machine.memoryBytes > 0)
        #expect(machine.storageBytes > 0)
        #expect(machine.capacity["pods"] == Quantity(integer: 110))
        let available: Int64? = MachineInfo.meminfoBytes("MemTotal:       2048 kB\nMemAvailable:    1024 kB\n", "MemAvailable")
        #expect(available == Int64(1_048_576))
    }
}

@Suite struct PodFilesTests {
    func pod(subdomain: String? = nil, hostname: String? = nil, hostNetwork: Bool? = nil, fqdn: Bool? = nil) -> Pod {
        Pod(metadata: ObjectMeta(annotations: ["note": "say \"hi\"\nbye"], labels: ["tier": "db", "app": "web"], name: "web-0",
                                 namespace: "shop", uid: "u-1"),
            spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main",
                                                 resources: ResourceRequirements(limits: ["memory": Quantity("64Mi")!], requests: ["cpu": Quantity("250m")!]))],
                          hostAliases: [HostAlias(hostnames: ["db.local", "cache.local"], ip: "10.1.2.3")],
                          hostNetwork: hostNetwork, hostname: hostname, setHostnameAsFQDN: fqdn, subdomain: subdomain))
    }

    @Test func hostsFileNamesThePodWithItsSubdomainAndAliases() {
        let plain = PodHostsFile(pod: pod(), clusterDomain: "cluster.local").content(podIPs: ["10.42.0.7"], nodeHosts: nil)
        #expect(plain == """
            # Kubernetes-managed hosts file.
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            fe00::0\tip6-mcastprefix
            fe00::1\tip6-allnodes
            fe00::2\tip6-allrouters
            10.42.0.7\tweb-0

            # Entries added by HostAliases.
            10.1.2.3\tdb.local\tcache.local

            """)
        let stateful = PodHostsFile(pod: pod(subdomain: "db", hostname: "primary"), clusterDomain: "example.test")
        #expect(stateful.content(podIPs: ["10.42.0.8"], nodeHosts: nil).contains("10.42.0.8\tprimary.db.shop.svc.example.test\tprimary\n"))
        #expect(stateful.sandboxHostname == "primary")
        #expect(PodHostsFile(pod: pod(subdomain: "db", fqdn: true), clusterDomain: "cluster.local").sandboxHostname == "web-0.db.shop.svc.cluster.local")
        let host = PodHostsFile(pod: pod(hostNetwork: true), clusterDomain: "cluster.local").content(podIPs: ["127.0.0.1"], nodeHosts: "127.0.0.1 node")
        #expect(host.hasPrefix("# Kubernetes-managed hosts file (host network).\n127.0.0.1 node\n\n# Entries added by HostAliases.\n"))
        // The sandbox gets the same name.
        let sandbox = RuntimeSpecBuilder(pod: pod(subdomain: "db", hostname: "primary"), logDirectory: "/l").sandboxConfig(attempt: 0)
        #expect(sandbox.hostname == "primary")
    }

    @Test func downwardAPIFilesFormatFieldsMapsAndResources() async throws {
        let api = try await InProcessAPIServer.start(logger: Logger(label: "test"))
        defer { api.stop() }
        let files = ProjectedFiles(pod: pod(), transport: api.transport())
        let result = try files.downwardAPI(items: [
            DownwardAPIVolumeFile(fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels"), path: "labels"),
            DownwardAPIVolumeFile(fieldRef: ObjectFieldSelector(fieldPath: "metadata.annotations"), path: "annotations"),
            DownwardAPIVolumeFile(fieldRef: ObjectFieldSelector(fieldPath: "metadata.name"), mode: 0o600, path: "meta/name"),
            DownwardAPIVolumeFile(fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels['tier']"), path: "tier"),
            DownwardAPIVolumeFile(path: "mem", resourceFieldRef: ResourceFieldSelector(containerName: "main", divisor: Quantity("1Mi"), resource: "limits.memory")),
            DownwardAPIVolumeFile(path: "cpu", resourceFieldRef: ResourceFieldSelector(containerName: "main", divisor: Quantity("1m"), resource: "requests.cpu")),
        ], mode: 0o644)
        let text = Dictionary(uniqueKeysWithValues: result.map { ($0.path, String(decoding: $0.data, as: UTF8.self)) })
        #expect(text["labels"] == "app=\"web\"\ntier=\"db\"")
        #expect(text["annotations"] == #"note="say \"hi\"\nbye""#)
        #expect(text["meta/name"] == "web-0")
        #expect(result.first { $0.path == "meta/name" }?.mode == 0o600)
        #expect(result.first { $0.path == "labels" }?.mode == 0o644)
        #expect(text["tier"] == "db")
        #expect(text["mem"] == "64")
        #expect(text["cpu"] == "250")
        // Fields the downward API has for the environment only are refused for volumes.
        #expect(throws: PodVolumes.Failure.self) {
            try files.downwardAPI(items: [DownwardAPIVolumeFile(fieldRef: ObjectFieldSelector(fieldPath: "status.podIP"), path: "ip")], mode: 0o644)
        }

        // A projected volume joins a ConfigMap's listed keys and downward API fields; a missing listed key fails.
        _ = try await ResourceClient<Namespace>(transport: api.transport()).create(Namespace(metadata: ObjectMeta(name: "shop")), namespace: nil)
        _ = try await ResourceClient<ConfigMap>(transport: api.transport()).create(
            ConfigMap(metadata: ObjectMeta(name: "settings", namespace: "shop"), data: ["color": "blue", "size": "L"]), namespace: "shop")
        let projected = try await files.projected(ProjectedVolumeSource(defaultMode: 0o440, sources: [
            VolumeProjection(configMap: ConfigMapProjection(items: [KeyToPath(key: "color", path: "conf/color")], name: "settings")),
            VolumeProjection(downwardAPI: DownwardAPIProjection(items: [DownwardAPIVolumeFile(fieldRef: ObjectFieldSelector(fieldPath: "metadata.namespace"), path: "ns")])),
        ]))
        #expect(projected == [ProjectedFiles.File(path: "conf/color", data: Data("blue".utf8), mode: 0o440),
                              ProjectedFiles.File(path: "ns", data: Data("shop".utf8), mode: 0o440)])
        await #expect(throws: PodVolumes.Failure.self) {
            try await files.configMap(name: "settings", items: [KeyToPath(key: "weight", path: "w")], optional: nil, mode: 0o644)
        }
        #expect(try await files.configMap(name: "absent", items: nil, optional: true, mode: 0o644).isEmpty)
    }

    @Test func crashLoopBackOffStartsOverAfterALongRun() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(CrashLoopBackOff.ranLongEnoughToReset(startedAt: start, finishedAt: start.addingTimeInterval(600)))
        #expect(!CrashLoopBackOff.ranLongEnoughToReset(startedAt: start, finishedAt: start.addingTimeInterval(599)))
        #expect(!CrashLoopBackOff.ranLongEnoughToReset(startedAt: nil, finishedAt: start))
    }
}

@Suite struct PodAdmissionTests {
    func pod(_ name: String, cpu: String? = nil, memory: String? = nil, extra: [String: String] = [:]) -> Pod {
        var requests: [String: Quantity] = [:]
        if let cpu { requests["cpu"] = Quantity(cpu)! }
        if let memory { requests["memory"] = Quantity(memory)! }
        for (name, value) in extra { requests[name] = Quantity(value)! }
        return Pod(metadata: ObjectMeta(name: name, namespace: "default", uid: name),
                   spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main", resources: ResourceRequirements(requests: requests))],
                                 nodeName: "n"))
    }

    @Test func admitsWhatFitsAndRejectsWithKubeletsReasonOtherwise() {
        let admission = PodAdmission(allocatable: ["cpu": Quantity("2")!, "memory": Quantity("1Gi")!, "pods": Quantity(integer: 2)])
        let running = [pod("a", cpu: "1500m", memory: "512Mi")]
        #expect(admission.rejection(of: pod("b", cpu: "500m"), admitted: running) == nil)
        #expect(admission.rejection(of: pod("c", cpu: "600m"), admitted: running)
                == PodAdmission.Rejection(reason: "OutOfcpu", message: "Node didn't have enough resource: cpu, requested: 600, used: 1500, capacity: 2000"))
        #expect(admission.rejection(of: pod("d", memory: "600Mi"), admitted: running)?.reason == "OutOfmemory")
        #expect(admission.rejection(of: pod("e"), admitted: running + [pod("f")])
                == PodAdmission.Rejection(reason: "OutOfpods", message: "Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2"))
        // Extended resources the node does not offer are left to device plugins.
        #expect(admission.rejection(of: pod("g", extra: ["example.com/gpu": "1"]), admitted: []) == nil)
    }

    @Test func onlyPodsNewToTheNodeAreChecked() {
        var started = pod("s", cpu: "100")
        #expect(PodAdmission.needsAdmission(started))
        started.status = PodStatus(containerStatuses: [ContainerStatus(image: "busybox:1.36", imageID: "", name: "main", ready: true, restartCount: 0,
                                                                       state: ContainerState(running: ContainerStateRunning()))],
                                   phase: "Running")
        #expect(!PodAdmission.needsAdmission(started))
        var deleting = pod("d", cpu: "100")
        deleting.metadata?.deletionTimestamp = Time(Date())
        #expect(!PodAdmission.needsAdmission(deleting))
    }
}
