import ArgumentParser
import Foundation

/// `swiftlet-bench`: the benchmark commands (api, deployment, scheduler, podstart); each prints a table.
@main
struct SwiftletBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "swiftlet-bench", abstract: "Benchmarks for Swiftlet (not tests).",
                                                    subcommands: [APICommand.self, DeploymentCommand.self, SchedulerCommand.self, PodStartCommand.self])
}

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "api", abstract: "API server throughput, latency, watch latency and memory.")

    @Option(help: "A running server's URL; by default the benchmark starts one with a temporary data dir.") var server: String?
    @Option(help: "The PID of --server, to report its memory.") var serverPID: Int32?
    @Option(help: "The swiftlet binary to start (default: next to this one).") var binary: String?
    @Option(help: "Objects created per run.") var objects = 5000
    @Option(parsing: .upToNextOption, help: "Concurrent clients, one run each.") var clients: [Int] = [1, 64]
    @Option(help: "Concurrent watchers for the watch latency run.") var watchers = 100
    @Option(help: "Events each watcher receives.") var watchEvents = 500
    @Flag(help: "Run the server with its controllers (the API server alone by default).") var withControllers = false

    func run() async throws {
        let target: ServerUnderTest
        if let server {
            target = try ServerUnderTest(url: server, pid: serverPID)
        } else {
            let own = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("swiftlet").path
            target = try await ServerUnderTest(binary: binary ?? own, controllers: withControllers)
        }
        defer { target.stop() }
        let idle = target.residentMiB
        let bench = APIBenchmark(server: target, objects: objects)
        var results: [APIBenchmark.ClientResult] = []
        for c in clients {
            results.append(try await bench.run(clients: c))
        }
        let watch = try await bench.watchLatency(watchers: watchers, events: watchEvents)
        let ms = LatencySummary.milliseconds
        print("API server benchmark: \(objects) ConfigMaps per run, SQLite store (fsync on)\(withControllers ? ", controllers on" : "")")
        print("")
        print("| clients | creates/s | create p50 | create p99 | gets/s | get p50 | get p99 | list (\(objects) items) p50 | list p99 | server RSS |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for r in results {
            print("| \(r.clients) | \(Int(r.createsPerSecond)) | \(ms(r.create.percentile(0.5))) ms | \(ms(r.create.percentile(0.99))) ms | \(Int(r.getsPerSecond)) | \(ms(r.get.percentile(0.5))) ms | \(ms(r.get.percentile(0.99))) ms | \(ms(r.list.percentile(0.5))) ms | \(ms(r.list.percentile(0.99))) ms | \(r.residentMiB.map { "\(Int($0)) MiB" } ?? "?") |")
        }
        print("")
        print("| watchers | events each | watch latency p50 | p99 |")
        print("| --- | --- | --- | --- |")
        print("| \(watchers) | \(watchEvents) | \(ms(watch.percentile(0.5))) ms | \(ms(watch.percentile(0.99))) ms |")
        print("")
        print("server RSS idle: \(idle.map { "\(Int($0)) MiB" } ?? "?"), at the end: \(target.residentMiB.map { "\(Int($0)) MiB" } ?? "?")")
    }
}
