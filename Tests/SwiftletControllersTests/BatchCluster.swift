import Foundation
import Logging
import SwiftletAPI
@testable import SwiftletAPIServer
import SwiftletClient
@testable import SwiftletControllers
import SwiftletStore
import Synchronization
import Testing

/// What the played node does with a pod: keep it running, or end it.
enum PodOutcome: Sendable {
    case run
    case succeed
    /// Fails with this exit code in container `main`, and optionally a pod condition (e.g. DisruptionTarget).
    case fail(exitCode: Int32, condition: String? = nil)
}

/// A clock the test moves by hand, handed to the CronJob controller in place of the real one.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func set(_ date: Date) { current.withLock { $0 = date } }
}

/// A real API server on the memory store with the Job and CronJob controllers, and a node played by the test:
/// each new pod runs (Running, Ready), and on the next round ends as `outcome` says.
struct BatchCluster {
    let transport: InProcessTransport
    var jobs: ResourceClient<Job> { ResourceClient(transport: transport) }
    var cronJobs: ResourceClient<CronJob> { ResourceClient(transport: transport) }
    var pods: ResourceClient<Pod> { ResourceClient(transport: transport) }
    var events: ResourceClient<Event> { ResourceClient(transport: transport) }
    let outcome: @Sendable (Pod) -> PodOutcome

    /// How long a test waits for the controllers: generous, because these suites run in parallel with others on two cores.
    static let patience: Duration = .seconds(60)

    /// Pod failure backoff is shortened to 100 ms so retries happen within a test; a `clock` drives the CronJob
    /// controller, with informers resyncing every 250 ms so a moved clock is noticed.
    static func with(clock: ManualClock? = nil, outcome: @escaping @Sendable (Pod) -> PodOutcome = { _ in .succeed },
                     _ body: (BatchCluster) async throws -> Void) async throws {
        try await ControllerHarness.run(resync: clock == nil ? nil : .milliseconds(250), controllers: { transport, informers, logger in
            let jobController = JobController(transport: transport, informers: informers, logger: logger,
                                              podFailureBackoff: .milliseconds(100), maxPodFailureBackoff: .seconds(1))
            let cronJobController = clock.map { clock in
                CronJobController(transport: transport, informers: informers, logger: logger, now: { clock.now })
            } ?? CronJobController(transport: transport, informers: informers, logger: logger)
            return [{ await jobController.run() }, { await cronJobController.run() }]
        }, node: { await BatchCluster(transport: $0, outcome: outcome).playNode() }) {
            try await body(BatchCluster(transport: $0, outcome: outcome))
        }
    }

    func playNode() async {
        while !Task.isCancelled {
            for pod in (try? await pods.list(namespace: "default").items) ?? [] where pod.metadata?.deletionTimestamp == nil {
                let name = pod.metadata?.name ?? ""
                switch pod.status?.phase {
                case "Running":
                    guard let patch = Self.finalStatus(outcome(pod)) else { continue }
                    _ = try? await pods.patch(name, namespace: "default", type: .merge, body: patch, subresource: "status")
                case "Succeeded", "Failed":
                    continue
                default:
                    let running: JSONValue = ["status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]]
                    _ = try? await pods.patch(name, namespace: "default", type: .merge, body: running, subresource: "status")
                }
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    static func finalStatus(_ outcome: PodOutcome) -> JSONValue? {
        let now = JSONValue.string(Time.now().rfc3339)
        func terminated(_ code: Int32, _ reason: String) -> JSONValue {
            [["name": "main", "image": "busybox", "imageID": "", "ready": false, "restartCount": 0,
              "state": ["terminated": ["exitCode": .int(Int64(code)), "reason": .string(reason), "finishedAt": now]]]]
        }
        switch outcome {
        case .run:
            return nil
        case .succeed:
            return ["status": ["phase": "Succeeded", "conditions": [["type": "Ready", "status": "False"]],
                               "containerStatuses": terminated(0, "Completed")]]
        case let .fail(code, condition):
            var conditions: [JSONValue] = [["type": "Ready", "status": "False"]]
            if let condition { conditions.append(["type": .string(condition), "status": "True"]) }
            return ["status": ["phase": "Failed", "conditions": .array(conditions), "containerStatuses": terminated(code, "Error")]]
        }
    }

    static func job(_ name: String = "work", spec: JSONValue = [:]) throws -> Job {
        var object: JSONValue = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string(name), "namespace": "default"],
                                 "spec": ["template": ["spec": ["restartPolicy": "Never",
                                                                "containers": [["name": "main", "image": "busybox"]]]]]]
        for (key, value) in spec.objectValue ?? [:] { object.set(path: ["spec", key], to: value) }
        return try JSONDecoder().decode(Job.self, from: JSONEncoder().encode(object))
    }

    func job(_ name: String = "work") async throws -> Job { try await jobs.get(name, namespace: "default") }

    func jobPods(_ name: String = "work") async throws -> [Pod] {
        try await pods.list(namespace: "default").items.filter { $0.metadata?.labels?["batch.kubernetes.io/job-name"] == name }
    }

    func eventMessages(reason: String) async throws -> [String] {
        try await events.list(namespace: "default").items.filter { $0.reason == reason }.compactMap(\.message)
    }
}

extension Job {
    func condition(_ type: String) -> JobCondition? { status?.conditions?.first { $0.type == type } }
}

/// `waitUntil` with the batch suites' patience.
func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
    try await waitUntil(what, timeout: BatchCluster.patience, condition)
}
