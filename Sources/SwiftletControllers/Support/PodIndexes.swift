import SwiftletAPI
import SwiftletClient

/// Pod cache indexes several node controllers share.
public enum PodIndexes {
    /// Pods by `spec.nodeName` (unbound pods are not indexed).
    public static let nodeName = "spec.nodeName"

    public static let byNodeName: [String: IndexFunction<Pod>] = [
        nodeName: { pod in pod.spec?.nodeName.map { $0.isEmpty ? [] : [$0] } ?? [] },
    ]
}
