import Foundation
import Logging
import ServiceLifecycle
import SwiftletAgent
import SwiftletAPI
import SwiftletClient
import Synchronization

/// `swiftlet agent --simulate N`: N nodes in one process, like kwok or kubemark. Each registers, keeps its
/// Lease renewed and takes the pods bound to it through kubelet's lifecycle (Pending with ContainerCreating,
/// then Running and Ready with an IP from the node's pod CIDR) without running anything. Stopping the
/// process is a failure of all N nodes.
public final class SimulatedNodes: ServiceLifecycle.Service, Sendable {
    let transport: any APITransport
    let configuration: SimulatorConfiguration
    let logger: Logger
    let pods: ResourceClient<Pod>
    let names: Set<String>
    let queue = WorkQueue<String>()
    let state = Mutex(State())

    struct State {
        var podCIDRs: [String: IPv4CIDR] = [:]
        var pools: [String: PodAddressPool] = [:]
        var simulated: [String: SimulatedPod] = [:]
    }

    public init(transport: any APITransport, configuration: SimulatorConfiguration, logger: Logger) {
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        pods = ResourceClient<Pod>(transport: transport)
        names = Set(configuration.nodeNames)
    }

    public func run() async throws {
        let registered = await registerNodes()
        logger.info("simulated nodes registered", metadata: ["count": "\(registered.count)"])
        let nodeInformer = Informer(client: ResourceClient<Node>(transport: transport), resyncPeriod: nil, logger: logger)
        // Only bound pods; the nodes of this process are picked out of them.
        let podInformer = Informer(client: pods, fieldSelector: try FieldSelector.parse("spec.nodeName!="), logger: logger)
        _ = nodeInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] node in self?.nodeChanged(node) },
            onUpdate: { [weak self] _, node in self?.nodeChanged(node) },
            onDelete: { _ in }))
        _ = podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { [weak self] pod in self?.podChanged(pod) },
            onUpdate: { [weak self] _, pod in self?.podChanged(pod) },
            onDelete: { [weak self] deleted in self?.podDeleted(deleted.object) }))
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await nodeInformer.run() }
                group.addTask { await podInformer.run() }
                group.addTask { [self] in await heartbeat(registered) }
                group.addTask { [self] in
                    await queue.runWorkers(configuration.workers, logger: logger, what: "simulated pod") { [self] key in
                        try await self.sync(key, informer: podInformer)
                    }
                }
                await group.waitForAll()
            }
        }
    }

    // MARK: nodes

    /// Registers every node, a few at a time; returns each node's uid.
    func registerNodes() async -> [(name: String, uid: String?)] {
        let registrar = NodeRegistrar(transport: transport, logger: logger)
        var result: [(String, String?)] = []
        await withTaskGroup(of: (String, String?)?.self) { group in
            var iterator = configuration.nodeNames.makeIterator()
            func addNext() -> Bool {
                guard let name = iterator.next() else { return false }
                let description = configuration.description(of: name)
                group.addTask {
                    do {
                        let node = try await registrar.register(description)
                        return (name, node.metadata?.uid)
                    } catch {
                        return nil
                    }
                }
                return true
            }
            for _ in 0..<16 where addNext() {}
            for await outcome in group {
                if let outcome { result.append(outcome) }
                _ = addNext()
            }
        }
        return result
    }

    /// Renews every node's lease once per interval, spread evenly over it.
    func heartbeat(_ nodes: [(name: String, uid: String?)]) async {
        let heartbeats = nodes.map { LeaseHeartbeat(transport: transport, nodeName: $0.name, nodeUID: $0.uid, durationSeconds: configuration.leaseDurationSeconds, logger: logger) }
        guard !heartbeats.isEmpty else { return }
        let interval = configuration.leaseRenewInterval
        while !Task.isCancelled {
            let start = ContinuousClock.now
            let spacing = interval / heartbeats.count
            await withTaskGroup(of: Void.self) { group in
                // Paced here, so waiting for a slot never holds one: at most 128 renewals in flight.
                for (i, heartbeat) in heartbeats.enumerated() {
                    try? await Task.sleep(until: start + spacing * i)
                    if i >= 128 { await group.next() }
                    group.addTask {
                        do { try await heartbeat.renew() } catch {}
                    }
                }
            }
            try? await Task.sleep(until: start + interval)
        }
    }

    private func nodeChanged(_ node: Node) {
        guard let name = node.metadata?.name, names.contains(name), let text = node.spec?.podCIDR, let cidr = IPv4CIDR(text) else { return }
        state.withLock { s in
            if s.podCIDRs[name] != cidr {
                s.podCIDRs[name] = cidr
                s.pools[name] = PodAddressPool(cidr: cidr)
            }
        }
    }

    // MARK: pods

    private func podChanged(_ pod: Pod) {
        guard let node = pod.spec?.nodeName, names.contains(node) else { return }
        queue.add(pod.key)
    }

    private func podDeleted(_ pod: Pod) {
        guard let node = pod.spec?.nodeName, names.contains(node) else { return }
        release(pod.key)
    }

    private func release(_ key: String) {
        state.withLock { s in
            guard let record = s.simulated.removeValue(forKey: key) else { return }
            if let ip = record.ip { s.pools[record.nodeName]?.release(ip) }
        }
    }

    func sync(_ key: String, informer: Informer<Pod>) async throws {
        guard let pod = informer.indexer.get(key: key), let nodeName = pod.spec?.nodeName, names.contains(nodeName) else {
            release(key)
            return
        }
        let uid = pod.metadata?.uid ?? ""
        if pod.metadata?.deletionTimestamp != nil {
            // Containers stop at once; kubelet's last word is the delete with no grace period.
            var options = DeleteOptions(gracePeriodSeconds: 0)
            options.preconditions = Preconditions(uid: uid)
            do {
                _ = try await pods.delete(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace, options: options)
            } catch let error as APIError where error.reason == .notFound || error.reason == .conflict {
            }
            release(key)
            return
        }
        let now = Date()
        enum Step { case wait, write(PodStatus, Duration?), idle(Duration?) }
        let step: Step = state.withLock { s in
            if let existing = s.simulated[key], existing.uid != uid {
                if let ip = existing.ip { s.pools[existing.nodeName]?.release(ip) }
                s.simulated[key] = nil
            }
            if s.simulated[key] == nil {
                guard let pool = s.pools[nodeName] else { return .wait }
                var record = SimulatedPod(uid: uid, nodeName: nodeName, hostIP: configuration.hostIP,
                                          startTime: pod.status?.startTime?.date ?? now)
                if let adopted = Self.adopt(pod, into: &record, pool: pool) {
                    s.pools[nodeName] = adopted
                    s.simulated[key] = record
                    return .idle(nil)
                }
                var fresh = pool
                record.ip = fresh.allocate()
                s.pools[nodeName] = fresh
                s.simulated[key] = record
            }
            guard var record = s.simulated[key] else { return .wait }
            let wake = record.advance(pod, now: now)
            if record.isFinished, let ip = record.ip { s.pools[nodeName]?.release(ip) }
            s.simulated[key] = record
            let status = record.status(of: pod, now: now)
            return status == pod.status ? .idle(wake) : .write(status, wake)
        }
        switch step {
        case .wait:
            queue.addAfter(key, delay: .milliseconds(500))
        case .idle(let wake):
            if let wake { queue.addAfter(key, delay: wake) }
        case .write(let status, let wake):
            let body: JSONValue = ["metadata": ["uid": .string(uid)], "status": try JSONValue(encoding: status)]
            do {
                _ = try await pods.patch(pod.metadata?.name ?? "", namespace: pod.metadata?.namespace, type: .merge, body: body,
                                         subresource: "status")
            } catch let error as APIError where error.reason == .notFound || error.reason == .conflict {
                return
            }
            if let wake { queue.addAfter(key, delay: wake) }
        }
    }

    /// A pod this simulator already ran before it restarted keeps its IP and state: running or finished.
    static func adopt(_ pod: Pod, into record: inout SimulatedPod, pool: PodAddressPool) -> PodAddressPool? {
        guard let phase = pod.status?.phase, phase == "Running" || phase == "Succeeded" || phase == "Failed" else { return nil }
        var pool = pool
        if let ip = pod.status?.podIP, phase == "Running" {
            pool.occupy(ip)
            record.ip = ip
        }
        record.restarts = pod.status?.containerStatuses?.first?.restartCount ?? 0
        if phase == "Running" {
            let since = pod.status?.containerStatuses?.first?.state?.running?.startedAt?.date ?? Date()
            record.stage = .running(since: since)
        } else {
            record.stage = .finished(exitCode: pod.status?.containerStatuses?.first?.state?.terminated?.exitCode ?? (phase == "Succeeded" ? 0 : 1))
        }
        return pool
    }
}
