import Foundation
public import Hummingbird
public import Logging
public import MachiCore
import MachiHTTP
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
    /// Base of absolute links in OGC documents and TileJSON (`serve --public-url`); nil: the
    /// request's Host, with `Vary: Host`.
    public var publicURL: String?

    public init() {}
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
        // The ledger is public by law: any site may embed it. CORS goes outside the problem
        // middleware so that errors are already problem documents when it adds its headers.
        router.add(middleware: CORSMiddleware(allowOrigin: .all, allowMethods: [.get, .head, .options]))
        // Scripts on other sites may read the cache validators, the CRS and paging headers too.
        router.add(middleware: ExposeHeadersMiddleware(["ETag", "Content-Crs", "Link", "Retry-After"]))
        router.add(middleware: NoStoreMiddleware(prefixes: ["/api/parking", "/api/auth"]))
        router.add(middleware: ProblemMiddleware())
        router.add(
            middleware: FileMiddleware(
                options.leafletRoot, urlBasePath: "/vendor/leaflet", cacheControl: .init([(MediaType(type: .any), [.maxAge(86400)])])))
        router.add(middleware: FileMiddleware(options.webRoot, searchForIndexHtml: true))
        let accounts = Accounts(store: store)
        router.add(middleware: AuthMiddleware(accounts: accounts))
        AuthRoutes(accounts: accounts).register(on: router)
        if store.catalog["parking_incidents"] != nil {
            ParkingRoutes(cases: try ParkingCases(store: store)).register(on: router)
        }

        router.get("healthz") { _, _ in Response.json("{\"status\":\"ok\"}") }
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
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "MachiGIS"),
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
        out += "]}"
        return out
    }
}
