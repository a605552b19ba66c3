import Foundation
import Logging
import SwiftletAPI
import SwiftletClient

/// Records core/v1 Events about objects (`kubectl describe` shows them), fire and forget.
public struct EventRecorder: Sendable {
    let client: ResourceClient<Event>
    let component: String
    let logger: Logger

    public init(transport: any APITransport, component: String, logger: Logger) {
        self.client = ResourceClient<Event>(transport: transport)
        self.component = component
        self.logger = logger
    }

    /// Records `reason`/`message` about `object`; `type` is Normal or Warning.
    public func record<Object: KubernetesObject>(_ object: Object, type: String = "Normal", reason: String, message: String) {
        let meta = object.metadata
        let namespace = meta?.namespace?.isEmpty == false ? meta!.namespace! : "default"
        let now = Time.now()
        let suffix = String(UInt64(Date().timeIntervalSince1970 * 1_000_000_000), radix: 16)
        let event = Event(
            metadata: ObjectMeta(name: "\(meta?.name ?? "object").\(suffix)", namespace: namespace),
            count: 1, firstTimestamp: now,
            involvedObject: ObjectReference(apiVersion: Object.groupVersionKind.apiVersion, kind: Object.groupVersionKind.kind,
                                            name: meta?.name, namespace: meta?.namespace, resourceVersion: meta?.resourceVersion, uid: meta?.uid),
            lastTimestamp: now, message: message, reason: reason, reportingComponent: component,
            source: EventSource(component: component), type: type)
        let client = self.client
        let logger = self.logger
        Task {
            do {
                _ = try await client.create(event, namespace: namespace)
            } catch {
                logger.debug("cannot record event", metadata: ["reason": "\(reason)", "error": "\(error)"])
            }
        }
    }
}
