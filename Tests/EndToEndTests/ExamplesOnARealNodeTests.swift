import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SwiftletCRI
import Testing

/// The first README command's cluster: `swiftlet server` with its embedded agent (real containerd, runc and CNI)
/// runs examples/ as a user would with kubectl. Needs root; cleans up its pods, containerd and bridge.
@Suite(.serialized) struct ExamplesOnARealNodeTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func examplePodsRunAndLogOnTheEmbeddedAgent() async throws {
        // One containerd test at a time on this host, across the test targets (DESIGN.md).
        try await HostFileLock.withLock("/run/swiftlet-tests/containerd.lock") { try await runExamples() }
    }

    private func runExamples() async throws {
        guard geteuid() == 0 else { throw TestFailure("needs root (containerd); run as root as CI does") }
        let build = Process()
        build.executableURL = URL(fileURLWithPath: Self.repositoryRoot.appendingPathComponent("hack/build-images.sh").path)
        build.arguments = [Self.repositoryRoot.appendingPathComponent(".build/images").path]
        build.standardOutput = FileHandle.nullDevice
        try build.run()
        build.waitUntilExit()
        #expect(build.terminationStatus == 0)

        let server = try ServerProcess(dataDir: URL(fileURLWithPath: "/tmp/swiftlet-e2e-agent-\(UUID().uuidString.prefix(6))"))
        // Own CIDRs, so nothing else on the machine shares this node's bridge or routes.
        try await server.start(extraArguments: ["--cluster-cidr", "10.197.0.0/16", "--service-cidr", "10.196.0.0/16",
                                                "--agent-port", "\(Int.random(in: 20000...29999))", "--node-name", "e2e-node"],
                               agent: true)
        defer {
            server.stop()
            Self.removeBridges(holding: "10.197.")
        }
        let kubectl = Kubectl(server: server)
        try await waitUntil("the node is Ready", timeout: .seconds(120)) {
            try kubectl.ok(["get", "node", "e2e-node", "--no-headers"]).contains(" Ready ")
        }
        let examples = Self.repositoryRoot.appendingPathComponent("examples")
        try kubectl.ok(["apply", "-f", examples.appendingPathComponent("pod.yaml").path,
                        "-f", examples.appendingPathComponent("multi-container-pod.yaml").path])
        try await waitUntil("both pods ready", timeout: .seconds(90)) {
            try kubectl.ok(["get", "pods", "-o", #"jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}"#])
                == "True True "
        }
        let ip = try kubectl.ok(["get", "pod", "hello", "-o", "jsonpath={.status.podIP}"])
        #expect(ip.hasPrefix("10.197."))
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://\(ip):8080/")!)
        #expect(String(decoding: data, as: UTF8.self) == "hello from hello\n")
        try await waitUntil("the sidecar reached the web server on localhost", timeout: .seconds(30)) {
            try kubectl.ok(["logs", "web-with-sidecar", "-c", "sidecar"]).contains("served")
        }
        let unknown = try kubectl.run(["logs", "web-with-sidecar", "-c", "nope"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("container nope is not valid for pod web-with-sidecar"))
        #expect(try kubectl.ok(["logs", "hello", "--tail=1"]).isEmpty)  // httpd writes nothing until asked to log
        try kubectl.ok(["delete", "pod", "hello", "web-with-sidecar", "--grace-period=1"])
        try await waitUntil("the pods are gone", timeout: .seconds(60)) {
            try kubectl.ok(["get", "pods", "--no-headers"]).isEmpty
        }

        // The StatefulSet's pods come up in order, each knowing its stable name; the Indexed Job completes.
        try kubectl.ok(["apply", "-f", examples.appendingPathComponent("statefulset.yaml").path,
                        "-f", examples.appendingPathComponent("job.yaml").path])
        try await waitUntil("db-0, db-1 and db-2 are ready", timeout: .seconds(120)) {
            try kubectl.ok(["get", "statefulset", "db", "-o", "jsonpath={.status.readyReplicas}"]) == "3"
        }
        #expect(try kubectl.ok(["logs", "db-1"]) == "I am db-1, known as db-1.db.default.svc.cluster.local\n")
        let started = try kubectl.ok(["get", "pods", "-l", "app=db", "-o",
                                      #"jsonpath={range .items[*]}{.metadata.name}={.status.startTime}{" "}{end}"#])
        let startTimes = Dictionary(uniqueKeysWithValues: started.split(separator: " ").map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), String(parts.count > 1 ? parts[1] : ""))
        })
        #expect(startTimes["db-0"] ?? "" <= startTimes["db-1"] ?? "", "db-0 started before db-1: \(started)")
        #expect(startTimes["db-1"] ?? "" <= startTimes["db-2"] ?? "", "db-1 started before db-2: \(started)")
        try await waitUntil("the Job completed", timeout: .seconds(120)) {
            try kubectl.ok(["get", "job", "count", "-o", "jsonpath={.status.succeeded}"]) == "5"
        }
        let workers = try kubectl.ok(["logs", "-l", "batch.kubernetes.io/job-name=count", "--tail=-1"])
        for index in 0..<5 { #expect(workers.contains("working on item \(index)\n"), "\(workers)") }
        try kubectl.ok(["delete", "-f", examples.appendingPathComponent("statefulset.yaml").path,
                        "-f", examples.appendingPathComponent("job.yaml").path, "--wait=false"])
        try await waitUntil("the StatefulSet's and Job's pods are gone", timeout: .seconds(90)) {
            try kubectl.ok(["get", "pods", "--no-headers"]).isEmpty
        }
    }

    /// The agent keeps its bridge when it stops (running pods stay reachable); the test removes the one it made.
    static func removeBridges(holding prefix: String) {
        let list = Process()
        list.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        list.arguments = ["-o", "-4", "addr", "show"]
        let pipe = Pipe()
        list.standardOutput = pipe
        guard (try? list.run()) != nil else { return }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        list.waitUntilExit()
        for line in output.split(separator: "\n") where line.contains("inet \(prefix)") {
            let fields = line.split(separator: " ")
            guard fields.count > 1, fields[1].hasPrefix("swl") else { continue }
            let delete = Process()
            delete.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
            delete.arguments = ["link", "del", String(fields[1])]
            try? delete.run()
            delete.waitUntilExit()
        }
    }
}
