/// The Kubernetes version Swiftlet speaks, as `/version` and every node's `kubeletVersion` report it.
public enum SwiftletVersion {
    public static let gitVersion = "v1.32.0-swiftlet.1"
}
