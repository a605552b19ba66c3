/// The labels kubelet puts on sandboxes and containers, so an agent finds its pods' runtime objects again
/// after a restart.
public enum RuntimeLabels {
    public static let podName = "io.kubernetes.pod.name"
    public static let podNamespace = "io.kubernetes.pod.namespace"
    public static let podUID = "io.kubernetes.pod.uid"
    public static let containerName = "io.kubernetes.container.name"
    /// Marks the runtime objects of this agent's pods (containerd may hold others).
    public static let managedBy = "io.swiftlet.managed-by"
    public static let managedByValue = "swiftlet-agent"
}
