/// The pod start benchmark's figures and the markdown table they print as.
struct PodStartReport {
    /// One mode (single pods, or bursts of one size): the agent's latencies beside the floor's.
    struct Mode {
        var name: String
        var pods: Int
        var agent: LatencySummary
        var floor: LatencySummary
        /// The most the agent may take, as a multiple of the floor (DESIGN.md).
        var target: Double
    }

    /// CPU use with pods running and nothing changing, in cores.
    struct SteadyState {
        var pods: Int
        var agentCPU: Double
        var containerdCPU: Double
    }

    var modes: [Mode]
    var agentIdleMiB: Double
    var agentPeakMiB: Double
    /// User + system CPU the agent used over the measured rounds (floor rounds included, when it idles).
    var agentCPUSeconds: Double
    var agentPods: Int
    var steady: SteadyState?
    /// Warnings in the agent's log about its containerd connection being unavailable (dropped and reconnecting).
    var agentRuntimeUnavailable: Int

    func print() {
        let ms = LatencySummary.milliseconds
        func ratio(_ agent: Duration, _ floor: Duration) -> String {
            floor == .zero ? "?" : String(format2: Self.seconds(agent) / Self.seconds(floor)) + "×"
        }
        Swift.print("Pod start benchmark: created → Running and Ready through swiftlet (server + agent + containerd), beside the bare CRI floor")
        Swift.print("(RunPodSandbox + CreateContainer + StartContainer on the same containerd), busybox present, one node")
        Swift.print("")
        Swift.print("| mode | pods | agent p50 | agent p99 | floor p50 | floor p99 | ratio p50 | ratio p99 | target |")
        Swift.print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for m in modes {
            let a50 = m.agent.percentile(0.5), a99 = m.agent.percentile(0.99)
            let f50 = m.floor.percentile(0.5), f99 = m.floor.percentile(0.99)
            Swift.print("| \(m.name) | \(m.pods) | \(ms(a50)) ms | \(ms(a99)) ms | \(ms(f50)) ms | \(ms(f99)) ms | \(ratio(a50, f50)) | \(ratio(a99, f99)) | ≤ \(String(format2: m.target))× |")
        }
        Swift.print("")
        Swift.print("agent RSS: idle \(Int(agentIdleMiB.rounded())) MiB, peak \(Int(agentPeakMiB.rounded())) MiB; agent CPU \(String(format2: agentCPUSeconds)) s for \(agentPods) pods")
        if let steady {
            Swift.print("with \(steady.pods) pods running and nothing changing: agent \(Int((steady.agentCPU * 100).rounded())) % of a core, its containerd \(Int((steady.containerdCPU * 100).rounded())) %")
        }
        Swift.print("agent log: \(agentRuntimeUnavailable) warnings of CRI calls that failed with the containerd connection unavailable")
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
