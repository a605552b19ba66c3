/// Settings of the built-in admission plugins, as kube-apiserver's flags set them.
public struct AdmissionOptions: Sendable, Hashable {
    /// DefaultTolerationSeconds: how long new pods tolerate `node.kubernetes.io/not-ready:NoExecute`.
    public var defaultNotReadyTolerationSeconds: Int64
    /// DefaultTolerationSeconds: how long new pods tolerate `node.kubernetes.io/unreachable:NoExecute`.
    public var defaultUnreachableTolerationSeconds: Int64

    public init(defaultNotReadyTolerationSeconds: Int64 = 300, defaultUnreachableTolerationSeconds: Int64 = 300) {
        self.defaultNotReadyTolerationSeconds = defaultNotReadyTolerationSeconds
        self.defaultUnreachableTolerationSeconds = defaultUnreachableTolerationSeconds
    }
}
