import Foundation
public import Prometheus

/// The server's Prometheus metrics, in their own registry (not the global MetricsSystem, which a
/// process may bootstrap only once and tests build many servers).
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let inFlight: Gauge
    let blockingAdmitted: Gauge
    private static let buckets: [Duration] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000].map { .milliseconds($0) }

    public init() {
        inFlight = registry.makeGauge(
            descriptor: .init(metricName: "http_requests_in_flight", unitName: "", helpText: "Requests being answered now."))
        blockingAdmitted = registry.makeGauge(
            descriptor: .init(
                metricName: "blocking_requests", unitName: "",
                helpText: "Requests running on or waiting for the blocking executor (503 beyond its bound)."))
    }

    /// One answered request. `route` is the matched route template ("/ogc/collections/{collectionId}/items"),
    /// never the raw path, so that clients cannot create unbounded label values.
    func record(route: String, method: String, status: Int, duration: Duration) {
        let labels = [("route", route), ("method", method), ("status", String(status))]
        registry.makeCounter(
            descriptor: .init(metricName: "http_requests", unitName: "total", helpText: "Answered requests by route and status."),
            labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: .init(metricName: "http_request_duration", unitName: "seconds", helpText: "Time to answer, by route."),
            labels: [("route", route)], buckets: Self.buckets
        ).record(duration)
        if route.hasPrefix("/tiles/"), status == 200 {
            registry.makeCounter(
                descriptor: .init(metricName: "tiles_served", unitName: "total", helpText: "Vector tiles rendered and sent."),
                labels: []
            ).increment()
        }
    }

    /// The text exposition format.
    public func render() -> String { registry.emitToString() }
}
