import Foundation
import NIOHTTP1

/// The phases of the API benchmark: creates, gets and lists with N concurrent clients, then watch latency.
struct APIBenchmark {
    let server: ServerUnderTest
    let objects: Int

    struct ClientResult {
        var clients: Int
        var createsPerSecond: Double
        var create: LatencySummary
        var getsPerSecond: Double
        var get: LatencySummary
        var list: LatencySummary
        var listedItems: Int
        var residentMiB: Double?
    }

    static func configMap(_ name: String, annotations: String = "") -> [UInt8] {
        let payload = String(repeating: "x", count: 256)
        let meta = annotations.isEmpty ? #"{"name":"\#(name)"}"# : #"{"name":"\#(name)","annotations":{\#(annotations)}}"#
        return Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":\#(meta),"data":{"payload":"\#(payload)"}}"#.utf8)
    }

    func createNamespace(_ name: String) async throws {
        _ = try await BenchHTTPConnection.with(host: server.host, port: server.port) { c in
            try await c.request(.POST, "/api/v1/namespaces", body: Array(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(name)"}}"#.utf8))
        }
    }

    /// Runs `perWorker` on `clients` connections at once and returns every latency and the wall time.
    func concurrently(clients: Int, _ perWorker: @escaping @Sendable (Int, inout BenchHTTPConnection) async throws -> [Duration]) async throws -> ([Duration], Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let host = server.host, port = server.port
        let all = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for worker in 0..<clients {
                group.addTask {
                    try await BenchHTTPConnection.with(host: host, port: port) { c in try await perWorker(worker, &c) }
                }
            }
            var all: [Duration] = []
            for try await part in group { all += part }
            return all
        }
        return (all, clock.now - start)
    }

    static func perSecond(_ count: Int, _ elapsed: Duration) -> Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(count) / seconds : 0
    }

    func run(clients: Int) async throws -> ClientResult {
        let namespace = "bench-\(clients)-\(UUID().uuidString.prefix(5).lowercased())"
        try await createNamespace(namespace)
        let objects = self.objects
        let base = "/api/v1/namespaces/\(namespace)/configmaps"
        let perWorker = max(1, objects / clients)
        let (creates, createTime) = try await concurrently(clients: clients) { worker, c in
            var latencies: [Duration] = []
            latencies.reserveCapacity(perWorker)
            let clock = ContinuousClock()
            for i in 0..<perWorker {
                let start = clock.now
                let (status, body) = try await c.request(.POST, base, body: Self.configMap("cm-\(worker)-\(i)"))
                guard status == 201 else { throw BenchError("create answered \(status): \(String(decoding: body, as: UTF8.self))") }
                latencies.append(clock.now - start)
            }
            return latencies
        }
        let (gets, getTime) = try await concurrently(clients: clients) { worker, c in
            var latencies: [Duration] = []
            let clock = ContinuousClock()
            for i in 0..<perWorker {
                let name = "cm-\(Int.random(in: 0..<clients))-\((i * 7919) % perWorker)"
                let start = clock.now
                let (status, _) = try await c.request(.GET, base + "/" + name)
                guard status == 200 else { throw BenchError("get answered \(status)") }
                latencies.append(clock.now - start)
            }
            return latencies
        }
        let listsPerWorker = max(1, 40 / clients)
        let (lists, _) = try await concurrently(clients: clients) { _, c in
            var latencies: [Duration] = []
            let clock = ContinuousClock()
            for _ in 0..<listsPerWorker {
                let start = clock.now
                let (status, _) = try await c.request(.GET, base)
                guard status == 200 else { throw BenchError("list answered \(status)") }
                latencies.append(clock.now - start)
            }
            return latencies
        }
        return ClientResult(clients: clients, createsPerSecond: Self.perSecond(creates.count, createTime), create: LatencySummary(creates),
                            getsPerSecond: Self.perSecond(gets.count, getTime), get: LatencySummary(gets), list: LatencySummary(lists),
                            listedItems: perWorker * clients, residentMiB: server.residentMiB)
    }

    /// Nanoseconds since the epoch, comparable between this process and the watch events it reads back.
    static func wallNanoseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static let marker = Array(#""bench.swiftlet.dev/sent":""#.utf8)

    /// Extracts the send time a writer put into the object's annotation, without parsing the whole event.
    static func sentTime(in line: [UInt8]) -> Int64? {
        guard line.count > marker.count else { return nil }
        var i = 0
        outer: while i + marker.count < line.count {
            for j in 0..<marker.count where line[i + j] != marker[j] {
                i += 1
                continue outer
            }
            var value: Int64 = 0
            var k = i + marker.count
            while k < line.count, line[k] >= 48, line[k] <= 57 {
                value = value * 10 + Int64(line[k] - 48)
                k += 1
            }
            return value
        }
        return nil
    }

    /// Watch delivery latency: `watchers` watches, `events` creates; latency = receive time − send time.
    func watchLatency(watchers: Int, events: Int) async throws -> LatencySummary {
        let namespace = "bench-watch-\(UUID().uuidString.prefix(5).lowercased())"
        try await createNamespace(namespace)
        let base = "/api/v1/namespaces/\(namespace)/configmaps"
        let rv: String = try await BenchHTTPConnection.with(host: server.host, port: server.port) { c in
            let (_, body) = try await c.request(.GET, base)
            let text = String(decoding: body, as: UTF8.self)
            guard let r = text.range(of: #""resourceVersion":""#) else { return "0" }
            return String(text[r.upperBound...].prefix { $0.isNumber })
        }
        let host = server.host, port = server.port
        return try await withThrowingTaskGroup(of: [Duration].self) { group in
            for _ in 0..<watchers {
                group.addTask {
                    try await BenchHTTPConnection.with(host: host, port: port) { c in
                        var latencies: [Duration] = []
                        latencies.reserveCapacity(events)
                        try await c.stream(base + "?watch=1&resourceVersion=\(rv)&timeoutSeconds=600") { line in
                            if let sent = Self.sentTime(in: line) {
                                latencies.append(.nanoseconds(Self.wallNanoseconds() - sent))
                            }
                            return latencies.count < events
                        }
                        return latencies
                    }
                }
            }
            // Let every watcher connect before the first write.
            try await Task.sleep(for: .seconds(2))
            try await BenchHTTPConnection.with(host: host, port: port) { c in
                for i in 0..<events {
                    let annotation = #""bench.swiftlet.dev/sent":"\#(Self.wallNanoseconds())""#
                    let (status, _) = try await c.request(.POST, base, body: Self.configMap("w-\(i)", annotations: annotation))
                    guard status == 201 else { throw BenchError("create answered \(status)") }
                    // A steady trickle, so the figure is delivery latency rather than queueing behind a burst.
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            var all: [Duration] = []
            for try await part in group { all += part }
            return LatencySummary(all)
        }
    }
}
