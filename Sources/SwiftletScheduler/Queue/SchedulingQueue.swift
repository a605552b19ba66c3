/// The pending pods (upstream's `PriorityQueue`): an active queue ordered by priority, then by the time a pod
/// entered it; a backoff queue where pods that failed wait 1 s, 2 s, 4 s … up to 10 s; and the unschedulable
/// pods, which stay put until a cluster event one of their rejecting plugins registered (or five minutes)
/// moves them back. Also remembers which pods preemption nominated to which node.
public actor SchedulingQueue {
    public let initialBackoff: Duration
    public let maxBackoff: Duration
    /// Unschedulable pods are retried at the latest after this long, whatever happened.
    public let maxInUnschedulable: Duration
    /// Cluster events by plugin name, to decide which event retries which pod.
    let eventsByPlugin: [String: [ClusterEvent]]

    private struct Entry {
        var info: QueuedPodInfo
        var version: Int
    }

    /// Pods in the active queue by key; the heap holds (key, version) and skips entries whose version is stale.
    private var active: [String: Entry] = [:]
    private var activeHeap = BinaryHeap<(key: String, version: Int, priority: Int32, timestamp: ContinuousClock.Instant)>(by: {
        $0.priority != $1.priority ? $0.priority > $1.priority : $0.timestamp < $1.timestamp
    })
    private var backoff: [String: Entry] = [:]
    private var backoffHeap = BinaryHeap<(key: String, version: Int, expiry: ContinuousClock.Instant)>(by: { $0.expiry < $1.expiry })
    private var unschedulable: [String: QueuedPodInfo] = [:]
    /// Pods popped and being scheduled or bound.
    private var inFlight: Set<String> = []
    private var nextVersion = 0
    /// Incremented on every pop.
    public private(set) var schedulingCycle = 0
    /// The cycle of the last move request: a pod that fails in a cycle at or before it goes to backoff, not to
    /// the unschedulable pods, since the event that could help it may have come while it was being scheduled.
    private var moveRequestCycle = -1
    private var waiters: [CheckedContinuation<QueuedPodInfo?, Never>] = []
    private var closed = false
    private var nominatedByNode: [String: [PodInfo]] = [:]
    private var nominatedNodeOfPod: [String: String] = [:]

    public init(initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(10),
                maxInUnschedulable: Duration = .seconds(300), eventsByPlugin: [String: [ClusterEvent]] = [:]) {
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxInUnschedulable = maxInUnschedulable
        self.eventsByPlugin = eventsByPlugin
    }

    // MARK: adding and removing

    /// A new pending pod: straight to the active queue.
    public func add(_ pod: PodInfo) {
        if contains(pod.key) { return update(pod) }
        pushActive(QueuedPodInfo(podInfo: pod))
        if let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty { nominate(pod, on: nominated) }
    }

    /// A pending pod changed: its new state replaces the queued one; an unschedulable pod is retried when more
    /// than its status changed (the change may be what it needed; upstream's `isPodUpdated`).
    public func update(_ pod: PodInfo, specChanged: Bool = true) {
        let key = pod.key
        if var entry = active[key] {
            entry.info.podInfo = pod
            active[key] = entry
        } else if var entry = backoff[key] {
            entry.info.podInfo = pod
            backoff[key] = entry
        } else if var info = unschedulable[key] {
            info.podInfo = pod
            if specChanged {
                unschedulable[key] = nil
                if isBackingOff(info) { pushBackoff(info) } else { pushActive(info) }
            } else {
                unschedulable[key] = info
            }
        } else if !inFlight.contains(key) {
            pushActive(QueuedPodInfo(podInfo: pod))
        }
        if nominatedNodeOfPod[key] != nil, let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty {
            nominate(pod, on: nominated)
        }
    }

    /// A pod deleted or bound by someone else.
    public func delete(key: String) {
        active[key] = nil
        backoff[key] = nil
        unschedulable[key] = nil
        deleteNomination(key: key)
    }

    private func contains(_ key: String) -> Bool {
        active[key] != nil || backoff[key] != nil || unschedulable[key] != nil
    }

    // MARK: popping

    /// The next pod to schedule, waiting for one; nil once closed.
    public func pop() async -> QueuedPodInfo? {
        if let info = popActive() { return info }
        if closed { return nil }
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Ends every waiting and future `pop`.
    public func close() {
        closed = true
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting { waiter.resume(returning: nil) }
    }

    /// The pod's scheduling attempt (and binding) is over.
    public func done(key: String) {
        inFlight.remove(key)
    }

    private func popActive() -> QueuedPodInfo? {
        while let top = activeHeap.popFirst() {
            guard let entry = active[top.key], entry.version == top.version else { continue }
            active[top.key] = nil
            var info = entry.info
            info.attempts += 1
            schedulingCycle += 1
            inFlight.insert(info.key)
            return info
        }
        return nil
    }

    private func pushActive(_ info: QueuedPodInfo) {
        nextVersion += 1
        if !waiters.isEmpty {
            var info = info
            info.attempts += 1
            schedulingCycle += 1
            inFlight.insert(info.key)
            waiters.removeFirst().resume(returning: info)
            return
        }
        active[info.key] = Entry(info: info, version: nextVersion)
        activeHeap.insert((info.key, nextVersion, info.podInfo.priority, info.timestamp))
    }

    private func pushBackoff(_ info: QueuedPodInfo) {
        nextVersion += 1
        backoff[info.key] = Entry(info: info, version: nextVersion)
        backoffHeap.insert((info.key, nextVersion, backoffExpiry(info)))
    }

    // MARK: failures and retries

    /// Puts back a pod whose attempt in `cycle` failed: to backoff after an error or when a move request came
    /// during the attempt, else to the unschedulable pods.
    public func addUnschedulableIfNotPresent(_ info: QueuedPodInfo, cycle: Int) {
        inFlight.remove(info.key)
        if contains(info.key) { return }
        var info = info
        info.timestamp = .now
        if info.unschedulablePlugins.isEmpty || moveRequestCycle >= cycle {
            pushBackoff(info)
        } else {
            unschedulable[info.key] = info
        }
    }

    /// Moves the unschedulable pods `event` may help to the active queue (or to backoff while theirs lasts).
    public func moveAllToActiveOrBackoff(_ event: ClusterEvent) {
        moveRequestCycle = schedulingCycle
        var moved: [QueuedPodInfo] = []
        for (key, info) in unschedulable where isInterested(info, in: event) {
            unschedulable[key] = nil
            moved.append(info)
        }
        for info in moved.sorted(by: { $0.timestamp < $1.timestamp }) {
            if isBackingOff(info) { pushBackoff(info) } else { pushActive(info) }
        }
    }

    private func isInterested(_ info: QueuedPodInfo, in event: ClusterEvent) -> Bool {
        if event == .unschedulableTimeout || info.unschedulablePlugins.isEmpty { return true }
        return info.unschedulablePlugins.contains { plugin in
            (eventsByPlugin[plugin] ?? []).contains { $0.covers(event) }
        }
    }

    /// Moves pods whose backoff ended to the active queue (called every second).
    public func flushBackoffCompleted(now: ContinuousClock.Instant = .now) {
        while let top = backoffHeap.first, top.expiry <= now {
            _ = backoffHeap.popFirst()
            guard let entry = backoff[top.key], entry.version == top.version else { continue }
            backoff[top.key] = nil
            pushActive(entry.info)
        }
    }

    /// Retries pods unschedulable for longer than `maxInUnschedulable` (called every 30 seconds).
    public func flushUnschedulableLeftover(now: ContinuousClock.Instant = .now) {
        let stale = unschedulable.values.filter { now - $0.timestamp >= maxInUnschedulable }
        for info in stale.sorted(by: { $0.timestamp < $1.timestamp }) {
            unschedulable[info.key] = nil
            if isBackingOff(info, now: now) { pushBackoff(info) } else { pushActive(info) }
        }
    }

    /// initialBackoff × 2^(attempts − 1), at most maxBackoff.
    public func backoffDuration(attempts: Int) -> Duration {
        var duration = initialBackoff
        var i = 1
        while i < attempts {
            duration *= 2
            if duration > maxBackoff { return maxBackoff }
            i += 1
        }
        return min(duration, maxBackoff)
    }

    private func backoffExpiry(_ info: QueuedPodInfo) -> ContinuousClock.Instant {
        info.timestamp + backoffDuration(attempts: info.attempts)
    }

    private func isBackingOff(_ info: QueuedPodInfo, now: ContinuousClock.Instant = .now) -> Bool {
        backoffExpiry(info) > now
    }

    // MARK: nominations

    /// Records that preemption made room for `pod` on `node`, so other pods do not take it meanwhile.
    public func nominate(_ pod: PodInfo, on node: String) {
        deleteNomination(key: pod.key)
        nominatedNodeOfPod[pod.key] = node
        nominatedByNode[node, default: []].append(pod)
    }

    public func deleteNomination(key: String) {
        guard let node = nominatedNodeOfPod.removeValue(forKey: key) else { return }
        nominatedByNode[node]?.removeAll { $0.key == key }
        if nominatedByNode[node]?.isEmpty == true { nominatedByNode[node] = nil }
    }

    /// The nominated pods by node.
    public func nominatedPods() -> [String: [PodInfo]] { nominatedByNode }

    // MARK: inspection

    /// How many pods are in each part of the queue (for tests and debugging).
    public func counts() -> (active: Int, backoff: Int, unschedulable: Int) {
        (active.count, backoff.count, unschedulable.count)
    }

    public func isUnschedulable(key: String) -> Bool { unschedulable[key] != nil }
}
