/// Collected latencies of one operation, summarised as the benchmark table needs them.
struct LatencySummary {
    var samples: [Duration]

    init(_ samples: [Duration]) { self.samples = samples.sorted() }

    func percentile(_ p: Double) -> Duration {
        guard !samples.isEmpty else { return .zero }
        let index = min(samples.count - 1, max(0, Int((Double(samples.count) * p).rounded(.up)) - 1))
        return samples[index]
    }

    static func milliseconds(_ d: Duration) -> String {
        let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
        return ms < 10 ? String(format2: ms) : String(Int(ms.rounded()))
    }
}

extension String {
    /// Two decimals without Foundation's locale-dependent formatting.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
