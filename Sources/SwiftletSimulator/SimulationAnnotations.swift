import SwiftletAPI

/// Pod annotations that script what a simulated pod's containers do (documented in docs/simulated-nodes.md).
public enum SimulationAnnotations {
    /// The containers exit this long after they start (a Go duration: `30s`, `2m`); without it they run forever.
    public static let exitAfter = "simulation.swiftlet.dev/exit-after"
    /// The exit code they exit with (default 0).
    public static let exitCode = "simulation.swiftlet.dev/exit-code"
    /// The containers report Ready this long after they start (default at once).
    public static let readyAfter = "simulation.swiftlet.dev/ready-after"

    static func duration(_ pod: Pod, _ key: String) -> Duration? {
        guard let text = pod.metadata?.annotations?[key] else { return nil }
        return GoDuration.parse(text)
    }

    static func exitCode(_ pod: Pod) -> Int32 {
        pod.metadata?.annotations?[exitCode].flatMap { Int32($0) } ?? 0
    }
}
