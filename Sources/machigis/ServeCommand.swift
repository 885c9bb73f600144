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
        help:
            "Public base URL for absolute links in OGC API and TileJSON answers (e.g. https://gis.example.jp). Default: the request's Host."
    )
    var publicURL: String?

    func validate() throws {
        if let problem = MachiServer.publicURLProblem(publicURL) { throw ValidationError(problem) }
    }

    func run() async throws {
        let s = try store.open()
        var options = ServerOptions()
        options.host = host
        options.port = port
        options.webRoot = webRoot
        options.publicURL = publicURL
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
