import SwiftletAPI
import SwiftletClient

/// Binds the pod through the `pods/binding` subresource.
public struct DefaultBinder: BindPlugin {
    public var name: String { "DefaultBinder" }
    let pods: ResourceClient<Pod>

    public init(transport: any APITransport) {
        pods = ResourceClient(transport: transport)
    }

    public func bind(_ state: CycleState, pod: PodInfo, nodeName: String) async -> PluginStatus {
        let binding = Binding(metadata: ObjectMeta(name: pod.name, namespace: pod.namespace, uid: pod.pod.metadata?.uid),
                              target: ObjectReference(kind: "Node", name: nodeName))
        do {
            try await pods.bind(binding, namespace: pod.namespace)
            return .success
        } catch {
            return .error("\(error)")
        }
    }
}
