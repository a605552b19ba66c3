import Foundation
import SwiftletAPI
@testable import SwiftletClient
import Testing

/// The real `swiftlet server` binary with `--port 0` and its own temporary data dir, killed on deinit.
final class ServerBinary: @unchecked Sendable {
    // @unchecked: the Process handle is touched only by the test that owns this server.
    let dataDir: URL
    var kubeconfig: URL { dataDir.appendingPathComponent("kubeconfig.yaml") }
    private var process: Process?

    init() throws {
        dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftlet-client-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
    }

    static var binary: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/swiftlet")
    }

    /// Starts the server and returns a transport to it once `/readyz` answers.
    func start(component: String) async throws -> HTTPTransport {
        let log = dataDir.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let p = Process()
        p.executableURL = Self.binary
        p.arguments = ["server", "--data-dir", dataDir.path, "--port", "0", "--write-kubeconfig", kubeconfig.path, "--disable-agent"]
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        process = p
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline && p.isRunning {
            if FileManager.default.fileExists(atPath: kubeconfig.path),
               let transport = try? HTTPTransport(kubeconfigPath: kubeconfig.path, identity: ClientIdentity(component: component)) {
                if (try? await transport.send(APIRequest(method: .get, path: "/readyz"))) != nil { return transport }
                await transport.shutdown()
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw APIError.internalError("server did not become ready: " + ((try? String(contentsOf: log, encoding: .utf8)) ?? ""))
    }

    func stop() {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        process = nil
    }

    deinit {
        if let p = process, p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: dataDir)
    }
}

@Suite struct HTTPTransportTests {
    @Test func theClientMachineryWorksOverHTTPAgainstTheRealServer() async throws {
        let server = try ServerBinary()
        defer { server.stop() }
        let transport = try await server.start(component: "http-test")
        let configMaps = ResourceClient<ConfigMap>(transport: transport)

        let created = try await configMaps.create(makeConfigMap("over-http", labels: ["via": "http"], data: ["k": "v"]))
        #expect(created.metadata?.managedFields?.first?.manager == "swiftlet-http-test")
        #expect(try await configMaps.get("over-http", namespace: "default").data == ["k": "v"])
        await #expect {
            try await configMaps.get("absent", namespace: "default")
        } throws: { error in
            let e = error as! APIError
            return e.reason == .notFound && e.message == #"configmaps "absent" not found"#
        }

        // A failed request hands its connection back once, fit for the next request.
        let single = try HTTPTransport(server: transport.server, identity: ClientIdentity(component: "http-test"), maxConnections: 1)
        let singleClient = ResourceClient<ConfigMap>(transport: single)
        for _ in 0..<20 {
            await #expect(throws: APIError.self) { try await singleClient.get("absent", namespace: "default") }
            #expect(try await singleClient.get("over-http", namespace: "default").metadata?.name == "over-http")
        }
        let counts = await single.connectionCounts
        #expect(counts.open == 1 && counts.idle == 1)
        await single.shutdown()

        // More requests at once than the pool has connections.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<24 {
                group.addTask { _ = try await configMaps.create(makeConfigMap("burst-\(i)", labels: ["via": "burst"])) }
            }
            try await group.waitForAll()
        }
        let burst = try await configMaps.list(namespace: "default", query: ListQuery(labelSelector: try LabelSelector.parse("via=burst")))
        #expect(burst.items.count == 24)

        // A watch from the list's resourceVersion sees the next change.
        let stream = try await configMaps.watch(namespace: "default", query: ListQuery(resourceVersion: burst.resourceVersion))
        _ = try await configMaps.patch("over-http", namespace: "default", type: .strategicMerge, body: ["data": ["k": "w"]])
        for try await event in stream {
            guard case .modified(let cm) = event else { continue }
            #expect(cm.metadata?.name == "over-http")
            #expect(cm.data == ["k": "w"])
            break
        }

        // An informer over HTTP lists, watches and sees deletes.
        let informer = Informer(client: configMaps, namespace: "default", labelSelector: try LabelSelector.parse("via"))
        let recorder = EventRecorder()
        informer.addEventHandler(recorder.handler(for: ConfigMap.self))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await informer.run() }
            #expect(await informer.waitForSync())
            #expect(informer.lister.list().count == 25)
            try await configMaps.delete("burst-0", namespace: "default")
            try await eventually("delete over http") { recorder.contains("delete default/burst-0") }
            let deleted = try await configMaps.deleteCollection(namespace: "default",
                                                                query: ListQuery(labelSelector: try LabelSelector.parse("via=burst")))
            #expect(deleted.count == 23)
            try await eventually("collection gone") { informer.lister.list().count == 1 }
            group.cancelAll()
        }
        await transport.shutdown()
        await #expect(throws: APIError.self) { try await configMaps.get("over-http", namespace: "default") }
    }
}
