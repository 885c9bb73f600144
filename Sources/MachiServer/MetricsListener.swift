import Hummingbird
import Logging
import MachiHTTP

extension MachiServer {
    static func metricsResponse(_ metrics: ServerMetrics) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }

    /// `serve --metrics-address`: a second listener with `/metrics` only and no authentication,
    /// for a Prometheus on the same host or a private network. It stops with the main server.
    static func metricsListener(options: ServerOptions, logger: Logger?) -> (any ApplicationProtocol)? {
        guard let metrics = options.metrics, let address = options.metricsAddress else { return nil }
        let router = Router()
        router.get("metrics") { _, _ in metricsResponse(metrics) }
        return Application(
            router: router,
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "MachiGIS metrics"),
            logger: logger)
    }
}
