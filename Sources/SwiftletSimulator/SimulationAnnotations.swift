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
        return SimulationDuration.parse(text)
    }

    static func exitCode(_ pod: Pod) -> Int32 {
        pod.metadata?.annotations?[exitCode].flatMap { Int32($0) } ?? 0
    }
}

/// Go-style durations (`1h2m3.5s`, `250ms`) in annotations.
enum SimulationDuration {
    static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        if rest == "0" { return .zero }
        var total = 0.0
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return .milliseconds(Int64((total * 1000).rounded()))
    }
}
