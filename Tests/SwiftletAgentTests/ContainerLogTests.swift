import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAgent
@testable import SwiftletAPIServer
import SwiftletClient
import SwiftletStore
import Synchronization
import Testing

@Suite struct ContainerLogTests {
    static let lines = [
        "2026-11-30T10:00:00.000000001Z stdout F first",
        "2026-11-30T10:00:01.000000002Z stderr P sec",
        "2026-11-30T10:00:01.500000000Z stderr F ond",
        "2026-11-30T10:00:02.000000003Z stdout F third",
    ]

    static func logFile(_ lines: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString).log").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func read(_ path: String, _ options: ContainerLogOptions, running: @escaping @Sendable () async -> Bool = { false }) async throws -> String {
        var out: [UInt8] = []
        for try await chunk in ContainerLogReader(path: path, options: options, isRunning: running).chunks() { out += chunk }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func readsContentJoinsPartialsAndHonoursOptions() async throws {
        let path = try Self.logFile(Self.lines)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try await Self.read(path, ContainerLogOptions()) == "first\nsecond\nthird\n")
        #expect(try await Self.read(path, ContainerLogOptions(tailLines: 2)) == "second\nthird\n")
        #expect(try await Self.read(path, ContainerLogOptions(tailLines: 0)) == "")
        #expect(try await Self.read(path, ContainerLogOptions(timestamps: true, tailLines: 1)) == "2026-11-30T10:00:02.000000003Z third\n")
        let since = RFC3339.parse("2026-11-30T10:00:01Z")
        #expect(try await Self.read(path, ContainerLogOptions(since: since)) == "second\nthird\n")
        #expect(try await Self.read(path, ContainerLogOptions(limitBytes: 8)) == "first\nse")
    }

    @Test func followEndsWhenTheContainerStops() async throws {
        let path = try Self.logFile([Self.lines[0]])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let box = RunningFlag()
        let reader = Task { try await Self.read(path, ContainerLogOptions(follow: true), running: { box.value }) }
        try await Task.sleep(for: .milliseconds(300))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data((Self.lines[3] + "\n").utf8))
        try handle.close()
        try await Task.sleep(for: .milliseconds(500))
        box.stop()
        #expect(try await reader.value == "first\nthird\n")
    }

    @Test func optionsFromQuery() throws {
        let now = Date()
        let options = try ContainerLogOptions(query: ["follow": "true", "tailLines": "5", "sinceSeconds": "60", "timestamps": "true"], now: now)
        #expect(options.follow && options.timestamps)
        #expect(options.tailLines == 5)
        #expect(options.since == now.addingTimeInterval(-60))
        #expect(throws: APIError.self) { try ContainerLogOptions(query: ["tailLines": "x"]) }
        #expect(throws: APIError.self) { try ContainerLogOptions(query: ["sinceSeconds": "0"]) }
    }

    @Test func containerChoiceFollowsUpstream() throws {
        let pod: JSONValue = ["metadata": ["name": "web"], "spec": ["containers": [["name": "a"], ["name": "b"]], "initContainers": [["name": "init"]]]]
        let unnamed = #expect(throws: APIError.self) { try PodLogHandler.container(of: pod, asked: "") }
        #expect(unnamed?.message == "a container name must be specified for pod web, choose one of: [a b] or one of the init containers: [init]")
        let wrong = #expect(throws: APIError.self) { try PodLogHandler.container(of: pod, asked: "c") }
        #expect(wrong?.message == "container c is not valid for pod web")
        #expect(try PodLogHandler.container(of: pod, asked: "init") == "init")
    }

    /// kubectl's path: the API server finds the pod's node and streams the answer of that node's agent endpoint.
    @Test func apiServerPassesLogRequestsToTheNodesAgent() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let path = try Self.logFile(Self.lines)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let api = try await InProcessAPIServer.start(logger: logger)
        defer { api.stop() }
        let transport = api.transport()
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let endpoint = AgentEndpoint(port: 0, logs: FixedLogs(path: path), logger: logger) { port in portContinuation.yield(port) }
        let server = Task { try await endpoint.run() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let description = NodeDescription(name: "n1", capacity: ["pods": Quantity(integer: 110)], internalIP: "127.0.0.1",
                                          agentPort: Int32(port), nodeInfo: NodeSystemInfo())
        _ = try await ResourceClient<Node>(transport: transport).create(description.node())
        let pods = ResourceClient<Pod>(transport: transport)
        _ = try await pods.create(Pod(metadata: ObjectMeta(name: "web", namespace: "default"),
                                      spec: PodSpec(containers: [Container(image: "busybox:1.36", name: "main")], nodeName: "n1")))
        let running: JSONValue = ["status": ["phase": "Running", "containerStatuses": [
            ["name": "main", "image": "busybox:1.36", "imageID": "", "ready": true, "restartCount": 0,
             "state": ["running": ["startedAt": "2026-11-30T10:00:00Z"]]]]]]
        _ = try await pods.patch("web", namespace: "default", type: .merge, body: running, subresource: "status")

        let response = try await transport.send(APIRequest(method: .get, path: "/api/v1/namespaces/default/pods/web/log",
                                                           query: [.init("tailLines", "2")]))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "second\nthird\n")
        let missing = await #expect(throws: APIError.self) {
            try await transport.send(APIRequest(method: .get, path: "/api/v1/namespaces/default/pods/web/log", query: [.init("container", "nope")]))
        }
        #expect(missing?.code == 400)
    }
}

/// A log source with one file for every container.
struct FixedLogs: ContainerLogSource {
    let path: String
    func logFile(namespace: String, pod: String, container: String, previous: Bool) async throws(APIError) -> ContainerLogFile {
        ContainerLogFile(path: path, isRunning: { false })
    }
}

final class RunningFlag: Sendable {
    let flag = Mutex(true)
    var value: Bool { flag.withLock { $0 } }
    func stop() { flag.withLock { $0 = false } }
}
