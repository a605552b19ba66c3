import Foundation
import Testing

/// Drives a real `swiftlet server` with the real kubectl, as a user would.
@Suite(.serialized)
struct KubectlWorkflowTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: web}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
                ports:
                - containerPort: 80
                resources:
                  requests: {cpu: 500m, memory: 128Mi}
        """

    @Test func systemNamespacesAndVersion() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        let names = try kubectl.ok(["get", "namespaces", "-o", "name"])
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            #expect(names.contains("namespace/\(ns)"))
        }
        let version = try HTTP.json(try kubectl.ok(["version", "-o", "json"]))
        let serverVersion = version["serverVersion"] as? [String: Any]
        #expect(serverVersion?["major"] as? String == "1")
        #expect(serverVersion?["minor"] as? String == "32")
        #expect((serverVersion?["gitVersion"] as? String)?.hasPrefix("v1.32.") == true)
    }

    @Test func applyGetPatchLabelScaleDelete() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)

        #expect(try kubectl.ok(["apply", "-f", "-"], input: Self.deployment).contains("deployment.apps/web created"))
        var object = try HTTP.json(try kubectl.ok(["get", "deployment", "web", "-o", "json"]))
        var spec = object["spec"] as? [String: Any]
        #expect(spec?["replicas"] as? Int == 2)
        #expect(spec?["revisionHistoryLimit"] as? Int == 10)
        #expect(spec?["progressDeadlineSeconds"] as? Int == 600)
        let strategy = spec?["strategy"] as? [String: Any]
        #expect(strategy?["type"] as? String == "RollingUpdate")
        #expect((strategy?["rollingUpdate"] as? [String: Any])?["maxSurge"] as? String == "25%")
        let metadata = object["metadata"] as? [String: Any]
        #expect(metadata?["generation"] as? Int == 1)
        #expect((metadata?["uid"] as? String)?.count == 36)

        // Applying again with a change updates it and bumps the generation.
        let changed = Self.deployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 3")
        #expect(try kubectl.ok(["apply", "-f", "-"], input: changed).contains("configured"))
        object = try HTTP.json(try kubectl.ok(["get", "deployment", "web", "-o", "json"]))
        spec = object["spec"] as? [String: Any]
        #expect(spec?["replicas"] as? Int == 3)
        #expect((object["metadata"] as? [String: Any])?["generation"] as? Int == 2)

        try kubectl.ok(["label", "deployment", "web", "tier=frontend"])
        try kubectl.ok(["annotate", "deployment", "web", "note=hello"])
        try kubectl.ok(["scale", "deployment", "web", "--replicas=5"])
        try kubectl.ok(["patch", "deployment", "web", "--type=json", "-p", #"[{"op":"add","path":"/spec/minReadySeconds","value":7}]"#])
        try kubectl.ok(["patch", "deployment", "web", "--type=merge", "-p", #"{"metadata":{"labels":{"merged":"yes"}}}"#])
        try kubectl.ok(["patch", "deployment", "web", "-p", #"{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}}"#])
        object = try HTTP.json(try kubectl.ok(["get", "deployment", "web", "-o", "json"]))
        let labels = (object["metadata"] as? [String: Any])?["labels"] as? [String: String]
        #expect(labels == ["app": "web", "tier": "frontend", "merged": "yes"])
        #expect(((object["metadata"] as? [String: Any])?["annotations"] as? [String: String])?["note"] == "hello")
        spec = object["spec"] as? [String: Any]
        #expect(spec?["replicas"] as? Int == 5)
        #expect(spec?["minReadySeconds"] as? Int == 7)
        let containers = ((spec?["template"] as? [String: Any])?["spec"] as? [String: Any])?["containers"] as? [[String: Any]]
        #expect(containers?.count == 1)
        #expect(containers?.first?["image"] as? String == "nginx:1.26")
        // The strategic merge patch kept the container's other fields.
        #expect((containers?.first?["ports"] as? [[String: Any]])?.first?["containerPort"] as? Int == 80)

        let table = try kubectl.ok(["get", "deployments"])
        #expect(table.contains("NAME"))
        #expect(table.contains("READY"))
        #expect(table.contains("UP-TO-DATE"))
        #expect(table.contains("0/5"))
        let wide = try kubectl.ok(["get", "deployments", "-o", "wide"])
        #expect(wide.contains("nginx:1.26"))
        #expect(wide.contains("app=web"))

        try kubectl.ok(["delete", "deployment", "web"])
        let missing = try kubectl.run(["get", "deployment", "web"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains(#"deployments.apps "web" not found"#))
    }

    @Test func invalidObjectsGetEveryFieldError() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        let pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: Bad_Name}
            spec:
              containers:
              - name: a
              - name: a
                image: busybox:1.36
            """
        let r = try kubectl.run(["apply", "-f", "-"], input: pod)
        #expect(r.status != 0)
        #expect(r.stderr.contains("is invalid"))
        #expect(r.stderr.contains("metadata.name: Invalid value: \"Bad_Name\""))
        #expect(r.stderr.contains("spec.containers[0].image: Required value"))
        #expect(r.stderr.contains("spec.containers[1].name: Duplicate value: \"a\""))
        // Nothing was stored.
        #expect(try kubectl.ok(["get", "pods", "-o", "name"]).isEmpty)
    }

    static func configMap(_ name: String) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \(name)}\ndata: {a: \"1\"}\n"
    }

    @Test func getWatchStreamsChanges() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        try kubectl.ok(["apply", "-f", "-"], input: Self.configMap("first"))
        let names = try BackgroundKubectl(kubectl, ["get", "configmaps", "-w", "-o", "name"])
        let table = try BackgroundKubectl(kubectl, ["get", "configmaps", "-w"])
        defer {
            names.stop()
            table.stop()
        }
        #expect(await names.waitFor("configmap/first"))
        #expect(await table.waitFor("first"))
        try kubectl.ok(["apply", "-f", "-"], input: Self.configMap("second"))
        #expect(await names.waitFor("configmap/second"))
        #expect(await table.waitFor("second"))
        #expect(table.text.contains("NAME"))
        #expect(table.text.contains("DATA"))
    }

    @Test func editDescribeGetAllAndDelete() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        try kubectl.ok(["apply", "-f", "-"], input: Self.deployment)
        // kubectl edit runs $EDITOR on a temporary file; sed plays the user.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["KUBE_EDITOR=sed -i s/replicas:\\ 2/replicas:\\ 4/", Kubectl.executable, "--kubeconfig", kubectl.kubeconfig.path,
                       "--cache-dir", kubectl.cacheDir.path, "edit", "deployment", "web"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let replicas = try kubectl.ok(["get", "deployment", "web", "-o", "jsonpath={.spec.replicas}"])
        #expect(replicas == "4")
        let described = try kubectl.ok(["describe", "deployment", "web"])
        #expect(described.contains("Replicas:"))
        #expect(described.contains("4 desired"))
        #expect(described.contains("nginx:1.25"))
        let all = try kubectl.ok(["get", "all"])
        #expect(all.contains("deployment.apps/web"))
        #expect(all.contains("service/kubernetes"))
        let short = try kubectl.ok(["get", "deploy,svc", "-o", "name"])
        #expect(short.contains("deployment.apps/web"))
        #expect(try kubectl.ok(["delete", "deployment", "web"]).contains("deleted"))
        #expect(try kubectl.ok(["get", "deployments", "-o", "name"]).isEmpty)
    }

    /// kubectl's typed commands send protobuf bodies.
    @Test func createCommandsSendProtobuf() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        try kubectl.ok(["create", "configmap", "c1", "--from-literal=a=1"])
        try kubectl.ok(["create", "secret", "generic", "s1", "--from-literal=p=q"])
        try kubectl.ok(["create", "deployment", "d1", "--image=nginx:1.25", "--replicas=0"])
        try kubectl.ok(["create", "job", "j1", "--image=busybox:1.36", "--", "sleep", "1"])
        try kubectl.ok(["create", "namespace", "n1"])
        #expect(try kubectl.ok(["get", "configmap", "c1", "-o", "jsonpath={.data.a}"]) == "1")
        #expect(try kubectl.ok(["get", "secret", "s1", "-o", "jsonpath={.data.p}"]) == "cQ==")
        #expect(try kubectl.ok(["get", "deployment", "d1", "-o", "jsonpath={.spec.replicas}"]) == "0")
        #expect(try kubectl.ok(["get", "job", "j1", "-o", "jsonpath={.spec.template.spec.containers[0].command}"]).contains("sleep"))
        #expect(try kubectl.ok(["get", "namespace", "n1", "-o", "jsonpath={.status.phase}"]) == "Active")
    }

    @Test func explainReadsTheServedSchemas() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        let out = try kubectl.ok(["explain", "deployment.spec.replicas"])
        #expect(out.contains("KIND:"))
        #expect(out.contains("Deployment"))
        #expect(out.contains("replicas"))
        #expect(out.contains("integer"))
        let pods = try kubectl.ok(["explain", "pods.spec.containers"])
        #expect(pods.contains("image"))
    }

    @Test func unknownFieldsAreRejectedStrictly() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        let cm = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: x}
            data: {a: "1"}
            foo: bar
            """
        let r = try kubectl.run(["apply", "-f", "-"], input: cm)
        #expect(r.status != 0)
        #expect(r.stderr.contains(#"unknown field "foo""#))
    }
}

/// The controllers inside `swiftlet server`, driven with kubectl.
@Suite(.serialized)
struct ControllerWorkflowTests {
    static let replicaSet = """
        apiVersion: apps/v1
        kind: ReplicaSet
        metadata: {name: frontend}
        spec:
          replicas: 3
          selector: {matchLabels: {tier: frontend}}
          template:
            metadata: {labels: {tier: frontend}}
            spec:
              containers: [{name: c, image: "busybox:1.36"}]
        """

    /// Polls `kubectl get pods` until `count` pods match, or fails after 20 s.
    static func waitForPods(_ kubectl: Kubectl, _ count: Int, selector: String = "tier=frontend") async throws -> [String] {
        var names: [String] = []
        for _ in 0..<200 {
            names = try kubectl.ok(["get", "pods", "-l", selector, "-o", "name"]).split(separator: "\n").map(String.init)
            if names.count == count { return names }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("expected \(count) pods, found \(names)")
    }

    @Test func replicaSetKeepsItsPodsAndDeletionCascades() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        try kubectl.ok(["apply", "-f", "-"], input: Self.replicaSet)
        let pods = try await Self.waitForPods(kubectl, 3)
        // A deleted pod is replaced.
        try kubectl.ok(["delete", pods[0]])
        let replaced = try await Self.waitForPods(kubectl, 3)
        #expect(!replaced.contains(pods[0]))
        // Scaling down removes pods, and the events say so.
        try kubectl.ok(["scale", "rs", "frontend", "--replicas=1"])
        _ = try await Self.waitForPods(kubectl, 1)
        let described = try kubectl.ok(["describe", "rs", "frontend"])
        #expect(described.contains("SuccessfulCreate"))
        #expect(described.contains("SuccessfulDelete"))
        // Background deletion (the default) takes the pods with it.
        try kubectl.ok(["delete", "rs", "frontend"])
        _ = try await Self.waitForPods(kubectl, 0)
        // Orphaning keeps the pods, without an owner.
        try kubectl.ok(["apply", "-f", "-"], input: Self.replicaSet)
        _ = try await Self.waitForPods(kubectl, 3)
        try kubectl.ok(["delete", "rs", "frontend", "--cascade=orphan"])
        var owners = "x"
        for _ in 0..<100 where !owners.isEmpty {
            owners = try kubectl.ok(["get", "pods", "-l", "tier=frontend", "-o", "jsonpath={.items[*].metadata.ownerReferences}"])
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(owners.isEmpty)
        #expect(try kubectl.ok(["get", "rs", "-o", "name"]).isEmpty)
        _ = try await Self.waitForPods(kubectl, 3)
    }

    /// The rollout commands; with no node agent yet, a Deployment of 0 replicas completes its rollouts.
    @Test func rolloutStatusHistoryUndoPauseResumeRestart() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        try kubectl.ok(["create", "deployment", "web", "--image=nginx:1.25", "--replicas=0"])
        #expect(try kubectl.ok(["rollout", "status", "deployment/web", "--timeout=20s"]).contains("successfully rolled out"))
        try kubectl.ok(["set", "image", "deployment/web", "nginx=nginx:1.26"])
        #expect(try kubectl.ok(["rollout", "status", "deployment/web", "--timeout=20s"]).contains("successfully rolled out"))
        let history = try kubectl.ok(["rollout", "history", "deployment/web"])
        #expect(history.contains("1 ") && history.contains("2 "))
        try kubectl.ok(["rollout", "undo", "deployment/web"])
        var image = ""
        for _ in 0..<100 where image != "nginx:1.25" {
            image = try kubectl.ok(["get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"])
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(image == "nginx:1.25")
        try kubectl.ok(["rollout", "pause", "deployment/web"])
        #expect(try kubectl.ok(["get", "deployment", "web", "-o", "jsonpath={.spec.paused}"]) == "true")
        try kubectl.ok(["rollout", "resume", "deployment/web"])
        try kubectl.ok(["rollout", "restart", "deployment/web"])
        #expect(try kubectl.ok(["rollout", "status", "deployment/web", "--timeout=20s"]).contains("successfully rolled out"))
        var replicaSets: [Substring] = []
        for _ in 0..<100 where replicaSets.count != 3 {
            replicaSets = try kubectl.ok(["get", "rs", "-o", "name"]).split(separator: "\n")
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(replicaSets.count == 3)
        try kubectl.ok(["scale", "deployment", "web", "--replicas=2"])
        _ = try await Self.waitForPods(kubectl, 2, selector: "app=web")
    }

    /// A Job runs its pods to completion; the test plays the node by marking pods Succeeded.
    @Test func jobCompletesWhenItsPodsSucceed() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        let job = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: pi}
            spec:
              completions: 2
              parallelism: 1
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: c, image: "busybox:1.36", command: ["true"]}]
            """
        try kubectl.ok(["apply", "-f", "-"], input: job)
        var finishedPods = Set<String>()
        for _ in 0..<2 {
            var pending: [String] = []
            for _ in 0..<100 {
                pending = try await Self.waitForPods(kubectl, finishedPods.count + 1, selector: "job-name=pi").filter { !finishedPods.contains($0) }
                if !pending.isEmpty { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let pod = try #require(pending.first)
            let name = String(pod.dropFirst("pod/".count))
            let (_, status) = try await HTTP.request("PATCH", server.url("/api/v1/namespaces/default/pods/\(name)/status"),
                                                     body: #"{"status":{"phase":"Succeeded"}}"#, contentType: "application/merge-patch+json")
            #expect(status == 200)
            finishedPods.insert(pod)
        }
        var conditions = ""
        for _ in 0..<100 where !conditions.contains("Complete") {
            conditions = try kubectl.ok(["get", "job", "pi", "-o", "jsonpath={.status.conditions[*].type}"])
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(conditions.contains("Complete"))
        #expect(try kubectl.ok(["get", "job", "pi", "-o", "jsonpath={.status.succeeded}"]) == "2")
        #expect(try kubectl.ok(["get", "jobs"]).contains("Complete"))
    }

    @Test func deploymentCreatesAReplicaSetAndPods() async throws {
        let server = try ServerProcess()
        try await server.start()
        defer { server.stop() }
        let kubectl = Kubectl(server: server)
        try kubectl.ok(["create", "deployment", "web", "--image=nginx:1.25", "--replicas=2"])
        _ = try await Self.waitForPods(kubectl, 2, selector: "app=web")
        let rs = try kubectl.ok(["get", "rs", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.annotations.deployment\\.kubernetes\\.io/revision}"])
        #expect(rs == "1")
        try kubectl.ok(["delete", "deployment", "web"])
        _ = try await Self.waitForPods(kubectl, 0, selector: "app=web")
    }
}
