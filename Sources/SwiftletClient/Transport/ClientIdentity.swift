/// Who is calling: the component name that makes the `User-Agent`, from which the server derives the
/// field manager of every write (`swiftlet-controllers`, `swiftlet-scheduler` …).
public struct ClientIdentity: Sendable, Hashable {
    /// The Kubernetes version this client speaks, as upstream clients put it in their `User-Agent`.
    public static let kubernetesVersion = "v1.32.0"

    public var component: String

    public init(component: String) {
        self.component = component
    }

    /// `swiftlet-<component>/v1.32.0`.
    public var userAgent: String { "swiftlet-\(component)/\(Self.kubernetesVersion)" }
}
