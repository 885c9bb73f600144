import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MachiCore
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

    @Option(
        name: .customLong("trusted-proxy"),
        help: ArgumentHelp(
            "A reverse proxy (CIDR or address, IPv4 or IPv6) whose X-Forwarded-For names the client; repeatable. Without it the header is ignored.",
            valueName: "CIDR"))
    var trustedProxies: [String] = []

    @Option(help: "Expensive public requests (items pages over 1000, tiles below zoom 12) per second per client address; 0 disables.")
    var rateLimit: Double = 20

    @Option(help: "How many expensive public requests a client may send at once before --rate-limit applies.")
    var rateBurst: Double = 100

    func validate() throws {
        var probe = ServerOptions()
        if let bad = probe.addTrustedProxies(trustedProxies).first {
            throw ValidationError("--trusted-proxy \(bad): not an IP address or CIDR block (e.g. 10.0.0.0/8, ::1)")
        }
        guard rateLimit >= 0, rateLimit.isFinite else { throw ValidationError("--rate-limit must be 0 or more") }
        guard rateBurst >= 1, rateBurst.isFinite else { throw ValidationError("--rate-burst must be at least 1") }
    }

    func run() async throws {
        let s = try store.open()
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.webRoot = webRoot
        _ = options.addTrustedProxies(trustedProxies)
        options.publicRate = rateLimit
        options.publicBurst = rateBurst
        let env = ProcessInfo.processInfo.environment
        if let u = basemapURL ?? env["MACHIGIS_BASEMAP_URL"] { options.baseMapURL = u }
        if let a = basemapAttribution ?? env["MACHIGIS_BASEMAP_ATTRIBUTION"] { options.baseMapAttribution = a }
        var logger = Logger(label: "machigis")
        logger.logLevel = Logger.Level(rawValue: env["LOG_LEVEL"] ?? "info") ?? .info
        let app = try MachiServer.application(store: s, options: options, logger: logger)
        log("MachiGIS serving \(s.city.name) from \(s.path) on http://\(host):\(port)")
        try await app.runService()
    }
}
