import Foundation
import SwiftletAPI
import SwiftletClient
import Synchronization

/// Pod starts through the whole system: a pod created through the API, scheduled, started by the agent and
/// reported Running and Ready. Each latency runs from the start of the create request to the watch event that
/// first shows the pod Running with its Ready condition True.
struct AgentPodStarts {
    let pods: ResourceClient<Pod>
    let image: String
    let namespace = "default"

    /// One round's times: when each create request started, and when the watch first saw the pod Ready.
    private final class RoundTimes: Sendable {
        let created = Mutex<[String: ContinuousClock.Instant]>([:])
        let ready = Mutex<[String: ContinuousClock.Instant]>([:])
        let watchFailure = Mutex<String?>(nil)
    }

    /// Creates `count` pods, one after another when `concurrent` is false (each waits for the previous to be
    /// Ready) or all at once, and returns each pod's created → Running and Ready latency. Runs `whileRunning` once
    /// all are Ready, then deletes them and waits until they are gone, so the next round starts on an empty node.
    func round(_ label: String, count: Int, concurrent: Bool, timeout: Duration = .seconds(300),
               whileRunning: () async throws -> Void = {}) async throws -> [Duration] {
        let names = (0..<count).map { "podstart-\(label)-\($0)" }
        let selector = try LabelSelector.parse("podstart-round=\(label)")
        let times = RoundTimes()
        let events = try await pods.watch(namespace: namespace, query: ListQuery(labelSelector: selector))
        let watch = Task {
            do {
                for try await event in events {
                    guard case .modified(let pod) = event, let name = pod.metadata?.name, Self.isRunningAndReady(pod) else { continue }
                    let now = ContinuousClock.now
                    times.ready.withLock { if $0[name] == nil { $0[name] = now } }
                }
                times.watchFailure.withLock { $0 = "the watch ended" }
            } catch {
                times.watchFailure.withLock { $0 = "the watch failed: \(error)" }
            }
        }
        defer { watch.cancel() }

        let deadline = ContinuousClock.now + timeout
        func waitForReady(_ wanted: [String]) async throws {
            while times.ready.withLock({ ready in wanted.contains { ready[$0] == nil } }) {
                if let failure = times.watchFailure.withLock({ $0 }) { throw BenchError(failure) }
                guard ContinuousClock.now < deadline else {
                    let missing = times.ready.withLock { ready in wanted.filter { ready[$0] == nil } }
                    throw BenchError("\(missing.count) pods of round \(label) were not Running and Ready in \(timeout), \(missing.prefix(3)) among them")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        if concurrent {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for name in names {
                    group.addTask {
                        let pod = self.pod(name, label: label)
                        let start = ContinuousClock.now
                        times.created.withLock { $0[name] = start }
                        _ = try await pods.create(pod, namespace: namespace)
                    }
                }
                try await group.waitForAll()
            }
            try await waitForReady(names)
        } else {
            for name in names {
                let pod = pod(name, label: label)
                let start = ContinuousClock.now
                times.created.withLock { $0[name] = start }
                _ = try await pods.create(pod, namespace: namespace)
                try await waitForReady([name])
            }
        }
        let byName = times.created.withLock { created in
            times.ready.withLock { ready in names.compactMap { name in ready[name].flatMap { at in created[name].map { (name, at - $0) } } } }
        }
        let latencies = byName.map(\.1)
        // The outliers by name, so the agent's and containerd's logs (--logs) can be searched for them.
        let median = LatencySummary(latencies).percentile(0.5)
        for (name, latency) in byName where latency > median * 3 && latency > .seconds(1) {
            FileHandle.standardError.write(Data("podstart: slow pod \(name): \(LatencySummary.milliseconds(latency)) ms (round median \(LatencySummary.milliseconds(median)) ms)\n".utf8))
        }
        try await whileRunning()
        try await deleteAll(selector: selector)
        return latencies
    }

    /// The benchmark's pod: busybox (present on the node) sleeping, no probes, a short grace so deletes are quick.
    private func pod(_ name: String, label: String) -> Pod {
        Pod(metadata: ObjectMeta(labels: ["podstart-round": label], name: name, namespace: namespace),
            spec: PodSpec(containers: [Container(command: ["sleep", "3600"], image: image, imagePullPolicy: "IfNotPresent", name: "main")],
                          terminationGracePeriodSeconds: 1))
    }

    static func isRunningAndReady(_ pod: Pod) -> Bool {
        pod.status?.phase == "Running" && pod.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
    }

    /// Deletes the round's pods and waits until the agent has stopped them and made its final delete.
    func deleteAll(selector: LabelSelector) async throws {
        _ = try await pods.deleteCollection(namespace: namespace, query: ListQuery(labelSelector: selector),
                                            options: DeleteOptions(gracePeriodSeconds: 1))
        let deadline = ContinuousClock.now + .seconds(300)
        while !(try await pods.list(namespace: namespace, query: ListQuery(labelSelector: selector)).items.isEmpty) {
            guard ContinuousClock.now < deadline else { throw BenchError("the pods of \(selector) were not gone in 5 minutes") }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
