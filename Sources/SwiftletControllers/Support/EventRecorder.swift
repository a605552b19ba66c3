import Foundation
import Logging
import SwiftletAPI
import SwiftletClient
import Synchronization

/// Records core/v1 Events about objects (`kubectl describe` shows them), fire and forget. A repeat of the
/// same event (same object, type, reason and message) within ten minutes increments the first one's
/// `count` and `lastTimestamp` instead of creating another, as upstream's event correlator does.
public struct EventRecorder: Sendable {
    let client: ResourceClient<Event>
    let component: String
    let logger: Logger
    private let seen: SeenEvents

    /// Events already written, by what makes them the same.
    final class SeenEvents: Sendable {
        struct Entry {
            var name: String
            var namespace: String
            var count: Int32
            var last: Date
        }
        let entries = Mutex<[String: Entry]>([:])
    }

    public init(transport: any APITransport, component: String, logger: Logger) {
        self.client = ResourceClient<Event>(transport: transport)
        self.component = component
        self.logger = logger
        self.seen = SeenEvents()
    }

    /// Records `reason`/`message` about `object`; `type` is Normal or Warning.
    public func record<Object: KubernetesObject>(_ object: Object, type: String = "Normal", reason: String, message: String) {
        let meta = object.metadata
        let namespace = meta?.namespace?.isEmpty == false ? meta!.namespace! : "default"
        let now = Date()
        let identity = "\(meta?.uid ?? meta?.name ?? "")|\(type)|\(reason)|\(message)"
        let repeatOf: SeenEvents.Entry? = seen.entries.withLock { entries in
            // Forget what is older than the aggregation window, so the map stays small.
            if entries.count > 4096 { entries = entries.filter { now.timeIntervalSince($0.value.last) < 600 } }
            guard var entry = entries[identity], now.timeIntervalSince(entry.last) < 600 else { return nil }
            entry.count += 1
            entry.last = now
            entries[identity] = entry
            return entry
        }
        let client = self.client
        let logger = self.logger
        if let repeatOf {
            let patch: JSONValue = ["count": .int(Int64(repeatOf.count)), "lastTimestamp": .string(Time(now).rfc3339)]
            Task {
                do {
                    _ = try await client.patch(repeatOf.name, namespace: repeatOf.namespace, type: .merge, body: patch)
                } catch {
                    logger.debug("cannot update event", metadata: ["reason": "\(reason)", "error": "\(error)"])
                }
            }
            return
        }
        let name = "\(meta?.name ?? "object").\(String(UInt64(now.timeIntervalSince1970 * 1_000_000_000), radix: 16))"
        seen.entries.withLock { $0[identity] = SeenEvents.Entry(name: name, namespace: namespace, count: 1, last: now) }
        let time = Time(now)
        let event = Event(
            metadata: ObjectMeta(name: name, namespace: namespace),
            count: 1, firstTimestamp: time,
            involvedObject: ObjectReference(apiVersion: Object.groupVersionKind.apiVersion, kind: Object.groupVersionKind.kind,
                                            name: meta?.name, namespace: meta?.namespace, resourceVersion: meta?.resourceVersion, uid: meta?.uid),
            lastTimestamp: time, message: message, reason: reason, reportingComponent: component,
            source: EventSource(component: component), type: type)
        Task {
            do {
                _ = try await client.create(event, namespace: namespace)
            } catch {
                logger.debug("cannot record event", metadata: ["reason": "\(reason)", "error": "\(error)"])
            }
        }
    }
}
