import SwiftletAPI
import SwiftletClient

/// What informer handlers ask of the queue, applied in order by one task (handlers cannot await the actor).
enum QueueEvent: Sendable {
    case add(PodInfo)
    case update(PodInfo, specChanged: Bool)
    case delete(key: String)
    case move(ClusterEvent)
}

extension SchedulingLoop {
    /// Keeps the cache current with bound pods and nodes, and the queue with the pending pods this scheduler serves.
    func addEventHandlers(_ sink: AsyncStream<QueueEvent>.Continuation) {
        let cache = self.cache
        podInformer.addEventHandler(ResourceEventHandler(
            onAdd: { pod in
                if Self.isTerminal(pod) { return }
                if Self.isAssigned(pod) {
                    cache.addOrUpdatePod(self.resolvePriority(pod))
                    sink.yield(.move(.assignedPodAdd))
                } else if self.isResponsible(for: pod) && !Self.isGated(pod) {
                    sink.yield(.add(PodInfo(self.resolvePriority(pod))))
                }
            },
            onUpdate: { old, new in
                if old.metadata?.resourceVersion == new.metadata?.resourceVersion { return }
                let key = new.key
                if Self.isTerminal(new) {
                    // A finished pod holds nothing (upstream's informer does not even list them).
                    if cache.nodeName(ofPod: key) != nil {
                        cache.removePod(key: key)
                        sink.yield(.move(.assignedPodDelete))
                    }
                    sink.yield(.delete(key: key))
                } else if Self.isAssigned(new) {
                    cache.addOrUpdatePod(self.resolvePriority(new))
                    if Self.isAssigned(old) {
                        sink.yield(.move(.assignedPodUpdate))
                    } else {
                        // Bound (by this scheduler's binding or by someone else): no longer pending.
                        sink.yield(.delete(key: key))
                        sink.yield(.move(.assignedPodAdd))
                    }
                } else if self.isResponsible(for: new) && !Self.isGated(new) {
                    sink.yield(.update(PodInfo(self.resolvePriority(new)), specChanged: Self.changedBeyondStatus(old, new)))
                } else {
                    sink.yield(.delete(key: key))
                }
            },
            onDelete: { deleted in
                let pod = deleted.object
                let key = pod.key
                if Self.isAssigned(pod) || cache.nodeName(ofPod: key) != nil {
                    cache.removePod(key: key)
                    sink.yield(.move(.assignedPodDelete))
                }
                sink.yield(.delete(key: key))
            }))
        nodeInformer.addEventHandler(ResourceEventHandler(
            onAdd: { node in
                cache.addOrUpdateNode(node)
                sink.yield(.move(.nodeAdd))
            },
            onUpdate: { old, new in
                if old.metadata?.resourceVersion == new.metadata?.resourceVersion { return }
                cache.addOrUpdateNode(new)
                if Self.schedulingPropertiesChanged(old, new) { sink.yield(.move(.nodeUpdate)) }
            },
            onDelete: { deleted in
                cache.removeNode(deleted.object.metadata?.name ?? "")
            }))
    }

    func apply(_ event: QueueEvent) async {
        switch event {
        case .add(let pod): await queue.add(pod)
        case .update(let pod, let specChanged): await queue.update(pod, specChanged: specChanged)
        case .delete(let key): await queue.delete(key: key)
        case .move(let clusterEvent): await queue.moveAllToActiveOrBackoff(clusterEvent)
        }
    }

    /// Whether anything but the status and bookkeeping metadata changed (the scheduler's own status writes
    /// must not retry the pod).
    static func changedBeyondStatus(_ old: Pod, _ new: Pod) -> Bool {
        func stripped(_ pod: Pod) -> Pod {
            var pod = pod
            pod.status = nil
            pod.metadata?.resourceVersion = nil
            pod.metadata?.managedFields = nil
            pod.metadata?.generation = nil
            return pod
        }
        return stripped(old) != stripped(new)
    }

    static func isTerminal(_ pod: Pod) -> Bool {
        pod.status?.phase == "Succeeded" || pod.status?.phase == "Failed"
    }

    /// A pod with scheduling gates waits outside the queue until they are all removed (upstream's
    /// SchedulingGates PreEnqueue plugin); the update that removes the last one enqueues it.
    static func isGated(_ pod: Pod) -> Bool {
        !(pod.spec?.schedulingGates ?? []).isEmpty
    }

    static func isAssigned(_ pod: Pod) -> Bool {
        !(pod.spec?.nodeName ?? "").isEmpty
    }

    /// A pending pod for this scheduler that is not being deleted.
    func isResponsible(for pod: Pod) -> Bool {
        let name = pod.spec?.schedulerName.flatMap { $0.isEmpty ? nil : $0 } ?? Scheduler.defaultSchedulerName
        return name == configuration.schedulerName && pod.metadata?.deletionTimestamp == nil
    }

    /// Whether a node change can make pods fit that did not (upstream's `nodeSchedulingPropertiesChange`).
    static func schedulingPropertiesChanged(_ old: Node, _ new: Node) -> Bool {
        old.spec?.unschedulable != new.spec?.unschedulable || old.status?.allocatable != new.status?.allocatable
            || old.metadata?.labels != new.metadata?.labels || old.spec?.taints != new.spec?.taints
            || old.status?.conditions?.map { [$0.type, $0.status] } != new.status?.conditions?.map { [$0.type, $0.status] }
    }

    /// The pod with `spec.priority` (and preemption policy) from its PriorityClass, as the Priority admission
    /// plugin sets them, for API servers that have not: the named class, or the global default class when none
    /// is named.
    func resolvePriority(_ pod: Pod) -> Pod {
        let className = pod.spec?.priorityClassName ?? ""
        let priorityClass: PriorityClass?
        if className.isEmpty {
            guard (pod.spec?.priority ?? 0) == 0 else { return pod }
            priorityClass = priorityClassInformer.lister.list().first { $0.globalDefault == true }
        } else {
            priorityClass = priorityClassInformer.lister.get(className)
        }
        guard let priorityClass, let value = priorityClass.value else { return pod }
        var pod = pod
        if pod.spec == nil { pod.spec = PodSpec() }
        pod.spec?.priority = value
        if let policy = priorityClass.preemptionPolicy, !policy.isEmpty { pod.spec?.preemptionPolicy = policy }
        return pod
    }
}
