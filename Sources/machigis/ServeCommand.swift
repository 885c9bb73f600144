import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MachiCore
import MachiHTTP
import MachiServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the HTTP API and web pages.")

    @OptionGroup var store: StoreOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "Folder with the web pages.")
    var webRoot = "web"

    @Option(help: "XYZ URL template of the background map (default: 地理院タイル 標準地図). Env MACHIGIS_BASEMAP_URL.")
    var basemapURL: String?

    @Option(help: "HTML attribution of the background map. Env MACHIGIS_BASEMAP_ATTRIBUTION.")
    var basemapAttribution: String?

    @Option(help: "Seconds a client may take to send a request's header.")
    var headerTimeout = 10.0

    @Option(help: "Seconds a keep-alive connection may stay idle between requests.")
    var idleTimeout = 60.0

    @Option(help: "Seconds a client may take to send a request's body.")
    var bodyTimeout = 30.0

    @Option(help: "Open connections at most (default: fits the open-file limit, at most 10000).")
    var maxConnections: Int?

    @Option(
        help: """
            Threads for request handlers' blocking work (SQLite, GEOS, PROJ, bcrypt); default 2 × cores + 2. \
            0 runs handlers on Swift's shared threads (only to compare in benchmarks).
            """)
    var blockingThreads: Int?

    @Option(help: "Requests that may wait for a blocking thread before new ones get 503 with Retry-After.")
    var blockingQueue = 256

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A reverse proxy (CIDR or address, IPv4 or IPv6) whose X-Forwarded-For names the client; repeatable. Without it the header is ignored.",
            valueName: "CIDR"))
    var trustedProxies: [String] = []

    @Option(help: "Expensive public requests (items pages over 1000, tiles below zoom 15) per second per client address; 0 disables.")
    var rateLimit: Double = 20

    @Option(help: "How many expensive public requests a client may send at once before --rate-limit applies.")
    var rateBurst: Double = 100

    @Option(help: "Log format: text, or json (one object per line, times in +09:00).")
    var logFormat: LogFormat = .text

    @Option(help: "HOST:PORT of a second listener serving /metrics without authentication (e.g. 127.0.0.1:9464).")
    var metricsAddress: String?

    @Option(
        help:
            "Public base URL for absolute links in OGC API and TileJSON answers (e.g. https://gis.example.jp). Default: the request's Host."
    )
    var publicURL: String?

    func validate() throws {
        if let problem = MachiServer.publicURLProblem(publicURL) { throw ValidationError(problem) }
        if let m = metricsAddress, Self.hostPort(m) == nil {
            throw ValidationError("--metrics-address must be HOST:PORT with a port from 1 to 65535, got \(m)")
        }
        for (name, v) in [("--header-timeout", headerTimeout), ("--idle-timeout", idleTimeout), ("--body-timeout", bodyTimeout)]
        where !(v >= 0.001 && v <= 86_400) {
            throw ValidationError("\(name) must be a number of seconds between 0.001 and 86400, got \(v)")
        }
        if let t = blockingThreads, !(0...1024).contains(t) { throw ValidationError("--blocking-threads must be 0 to 1024, got \(t)") }
        if blockingQueue < 0 { throw ValidationError("--blocking-queue must be 0 or more, got \(blockingQueue)") }
        if let m = maxConnections, m < 1 { throw ValidationError("--max-connections must be at least 1, got \(m)") }
        var probe = ServerOptions()
        if let bad = probe.addTrustedProxies(trustedProxies).first {
            throw ValidationError("--trusted-proxy \(bad): not an IP address or CIDR block (e.g. 10.0.0.0/8, ::1)")
        }
        guard rateLimit >= 0, rateLimit.isFinite else { throw ValidationError("--rate-limit must be 0 or more") }
        guard rateBurst >= 1, rateBurst.isFinite else { throw ValidationError("--rate-burst must be at least 1") }
    }

    static func hostPort(_ s: String) -> (host: String, port: Int)? {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        let host = s[..<colon].trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        if logFormat == .json { LoggingSystem.bootstrap { JSONLogHandler(label: $0) } }
        let s = try store.open()
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.webRoot = webRoot
        if let t = blockingThreads {
            if t == 0 { options.offloadBlockingWork = false } else { options.blockingExecutor = BlockingExecutor(threads: t) }
        }
        options.blockingQueueLimit = blockingQueue
        let files = raiseOpenFileLimit()
        if files.after != files.before { log("open-file limit raised from \(files.before) to \(files.after)") }
        options.connections.headerTimeout = .milliseconds(Int(headerTimeout * 1000))
        options.connections.idleTimeout = .milliseconds(Int(idleTimeout * 1000))
        options.connections.bodyTimeout = .milliseconds(Int(bodyTimeout * 1000))
        options.connections.maxConnections = maxConnections ?? ConnectionLimits.connectionsFitting(fileLimit: files.after)
        if options.connections.maxConnections + 64 > files.after {
            log("warning: --max-connections \(options.connections.maxConnections) is near the open-file limit \(files.after)")
        }
        _ = options.addTrustedProxies(trustedProxies)
        options.publicRate = rateLimit
        options.publicBurst = rateBurst
        options.publicURL = publicURL
        let env = ProcessInfo.processInfo.environment
        if let u = basemapURL ?? env["MACHIGIS_BASEMAP_URL"] { options.baseMapURL = u }
        if let a = basemapAttribution ?? env["MACHIGIS_BASEMAP_ATTRIBUTION"] { options.baseMapAttribution = a }
        var logger = Logger(label: "machigis")
        logger.logLevel = Logger.Level(rawValue: env["LOG_LEVEL"] ?? "info") ?? .info
        options.metricsAddress = metricsAddress.flatMap(Self.hostPort)
        options.requestLogger.logLevel = logger.logLevel
        let app = try MachiServer.application(store: s, options: options, logger: logger)
        log("MachiGIS serving \(s.city.name) from \(s.path) on http://\(host):\(port)")
        // SIGTERM/SIGINT: Hummingbird's service group stops accepting, closes idle connections and
        // returns once the requests under way have been answered (their writes acknowledged).
        try await app.runService()
        if try s.checkpoint() {
            log("MachiGIS stopped: requests finished, WAL checkpointed")
        } else {
            log("MachiGIS stopped: requests finished; the WAL could not be emptied (another reader holds it), it is replayed on next open")
        }
    }
}

/// `serve --log-format`: the parser lists the choices and refuses others.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
