import SwiftletAPI

extension Container {
    /// A native sidecar: an init container with `restartPolicy: Always`, started in order with the other init
    /// containers and kept running beside the main containers.
    var isSidecar: Bool { restartPolicy == "Always" }
}
