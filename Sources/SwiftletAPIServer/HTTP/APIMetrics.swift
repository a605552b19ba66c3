import Prometheus

/// Prometheus metrics of the API server, served on `/metrics`.
enum APIMetrics {
    static let registry = PrometheusCollectorRegistry()
    static let latency = registry.makeDurationHistogram(
        descriptor: MetricNameDescriptor(namespace: "apiserver", metricName: "request_duration", unitName: "seconds",
                                         helpText: "Response latency of API requests."),
        buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500),
                  .seconds(1), .seconds(5), .seconds(30)])
    static var requests: MetricNameDescriptor { MetricNameDescriptor(namespace: "apiserver", metricName: "request", unitName: "total",
                                               helpText: "Number of API requests by verb and HTTP code.") }

    static func record(method: String, code: Int, since start: ContinuousClock.Instant) {
        registry.makeCounter(descriptor: requests, labels: [("verb", method), ("code", String(code))]).increment()
        latency.record(ContinuousClock.now - start)
    }

    static func exposition() async -> String {
        registry.emitToString()
    }
}
