import Foundation
public import Hummingbird
public import Logging
public import MachiCore
public import MachiHTTP
import MachiOGC
import MachiParking
import MachiSewer

public struct ServerOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Folder with the web pages (index.html, app scripts and styles).
    public var webRoot = "web"
    /// Folder of Debian's libjs-leaflet, served at /vendor/leaflet.
    public var leafletRoot = "/usr/share/javascript/leaflet"
    /// XYZ template of the background map; data layers work without it.
    public var baseMapURL = "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
    public var baseMapAttribution = "<a href=\"https://maps.gsi.go.jp/development/ichiran.html\">地理院タイル</a>"
    /// Header, body and idle deadlines and the connection limit.
    public var connections = ConnectionLimits()
    /// Threads for handlers (they call SQLite, GEOS, PROJ and bcrypt synchronously); nil: shared default.
    public var blockingExecutor: BlockingExecutor?
    /// Prometheus metrics, served at `/metrics` to admins and on `metricsAddress`; nil: none.
    public var metrics: ServerMetrics? = ServerMetrics()
    /// A second listener serving only `/metrics` without authentication (keep it on a private address).
    public var metricsAddress: (host: String, port: Int)?
    /// Where the one-line-per-request log goes (at info; `serve` sets the level from LOG_LEVEL, in-process
    /// tests keep it quiet).
    public var requestLogger = {
        var l = Logger(label: "machigis.http")
        l.logLevel = .notice
        return l
    }()
    /// false runs handlers on Swift's cooperative pool as before issue 10 (benchmark comparison only).
    public var offloadBlockingWork = true
    /// Requests that may wait for a blocking thread before new ones get 503.
    public var blockingQueueLimit = 256
    /// Proxies whose X-Forwarded-For is believed (`serve --trusted-proxy`); empty: none.
    public var trustedProxies: [IPNetwork] = []
    /// Expensive public requests per second per client (`serve --rate-limit`; 0: no limit)
    /// and how many may come at once (`--rate-burst`). A map view at zoom 10–11 asks for
    /// about 20 tiles, so 100 leaves room for a few quick pans.
    public var publicRate: Double = 20
    public var publicBurst: Double = 100
    /// Base of absolute links in OGC documents and TileJSON (`serve --public-url`); nil: the
    /// request's Host, with `Vary: Host`.
    public var publicURL: String?

    public init() {}

    /// Adds `serve --trusted-proxy` values; returns those that are not an address or CIDR block.
    public mutating func addTrustedProxies(_ texts: [String]) -> [String] {
        var bad = [String]()
        for t in texts {
            if let n = IPNetwork(t) { trustedProxies.append(n) } else { bad.append(t) }
        }
        return bad
    }
}

/// Builds the HTTP application: public sewer API, web pages, health check.
public enum MachiServer {
    /// What is wrong with a `--public-url`, for a clear error at startup; nil when it is usable.
    public static func publicURLProblem(_ url: String?) -> String? {
        do {
            _ = try LinkBase(publicURL: url)
            return nil
        } catch {
            return "\(error)"
        }
    }

    public static func router(store: Store, options: ServerOptions) throws -> Router<MachiRequestContext> {
        // HTTP/1.1 (and OGC API Core) require HEAD wherever GET works.
        let router = Router(context: MachiRequestContext.self, options: .autoGenerateHeadEndpoints)
        // First, so every later step, log line and limit sees the same client address.
        router.add(middleware: ClientAddressMiddleware(trustedProxies: options.trustedProxies))
        // Next and outside the rest, so that every answer (errors from the other middlewares too) has a
        // request id and a log line with that client address.
        router.add(middleware: RequestLogMiddleware(logger: options.requestLogger, metrics: options.metrics))
        // The ledger is public by law: any site may embed it. CORS goes outside the problem
        // middleware so that errors are already problem documents when it adds its headers.
        router.add(middleware: CORSMiddleware(allowOrigin: .all, allowMethods: [.get, .head, .options]))
        // Scripts on other sites may read the cache validators, the CRS and paging headers too.
        router.add(middleware: ExposeHeadersMiddleware(["ETag", "Content-Crs", "Link", "Retry-After", "X-Tile-Dropped", "X-Request-Id"]))
        router.add(middleware: NoStoreMiddleware(prefixes: ["/api/parking", "/api/auth"]))
        router.add(middleware: ProblemMiddleware())
        // Before files and routes, so both see one spelling of each path (see RequestPath).
        router.add(middleware: CanonicalPathMiddleware())
        if options.offloadBlockingWork {
            router.add(
                middleware: BlockingWorkMiddleware(
                    executor: options.blockingExecutor ?? .shared, queueLimit: options.blockingQueueLimit, metrics: options.metrics))
        }
        router.add(
            middleware: FileMiddleware(
                options.leafletRoot, urlBasePath: "/vendor/leaflet", cacheControl: .init([(MediaType(type: .any), [.maxAge(86400)])])))
        router.add(middleware: FileMiddleware(options.webRoot, searchForIndexHtml: true))
        let accounts = Accounts(store: store)
        router.add(middleware: AuthMiddleware(accounts: accounts))
        // After authentication: signed-in staff are exempt.
        if options.publicRate > 0 {
            router.add(
                middleware: PublicRateLimitMiddleware(limiter: PublicRateLimiter(rate: options.publicRate, burst: options.publicBurst)))
        }
        AuthRoutes(accounts: accounts).register(on: router)
        if store.catalog["parking_incidents"] != nil {
            ParkingRoutes(cases: try ParkingCases(store: store)).register(on: router)
        }

        router.get("healthz") { _, _ in Response.json("{\"status\":\"ok\"}") }
        if let metrics = options.metrics {
            // Route names and load are not for the public: admins only here (or the private listener).
            router.get("metrics") { _, context in
                _ = try context.requireUser(roles: [.admin])
                return metricsResponse(metrics)
            }
        }
        router.get("api/config") { _, _ in Response.json(configJSON(store: store, options: options)) }
        SewerRoutes(ledger: try SewerLedger(store: store)).register(on: router)
        let links = try LinkBase(publicURL: options.publicURL)
        OGCRoutes(store: store, links: links).register(on: router, user: \.user)
        TileRoutes(store: store, links: links).register(on: router, user: \.user)
        try ElectionRoutes.register(store: store, on: router)
        return router
    }

    public static func application(store: Store, options: ServerOptions, logger: Logger? = nil) throws -> some ApplicationProtocol {
        Application(
            router: try router(store: store, options: options),
            server: .guardedHTTP1(options.connections),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "MachiGIS"),
            services: metricsListener(options: options, logger: logger).map { [$0] } ?? [],
            logger: logger)
    }

    static func configJSON(store: Store, options: ServerOptions) -> String {
        let c = store.city
        var out = "{\"city\":{\"name\":"
        GeoJSONWriter.escape(c.name, into: &out)
        out += ",\"name_en\":"
        GeoJSONWriter.escape(c.nameEn, into: &out)
        out += ",\"code\":"
        GeoJSONWriter.escape(c.code, into: &out)
        out += ",\"center\":[\(c.center.x),\(c.center.y)],\"zoom\":\(c.zoom)"
        out += ",\"extent\":[\(c.extent.minX),\(c.extent.minY),\(c.extent.maxX),\(c.extent.maxY)]},\"basemap\":{\"url\":"
        GeoJSONWriter.escape(options.baseMapURL, into: &out)
        out += ",\"attribution\":"
        GeoJSONWriter.escape(options.baseMapAttribution, into: &out)
        out += "},\"attribution\":["
        out += c.attribution.map(GeoJSONWriter.string).joined(separator: ",")
        // Public layers' tile minzoom: the page asks for no features below it.
        out += "],\"minzoom\":{"
        out += store.catalog.layers.filter(\.access.isPublic).map { "\"\($0.name)\":\($0.tiles.minZoom)" }.joined(separator: ",")
        out += "}}"
        return out
    }
}
