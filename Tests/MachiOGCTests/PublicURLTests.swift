import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiServer
import MachiTestSupport
import Testing

/// Absolute links in cached public answers: from `--public-url` when set; otherwise from the
/// request's Host, and then the answer varies on it so no shared cache mixes hosts.
@Suite struct PublicURLTests {
    static let paths = ["/ogc", "/ogc/collections", "/ogc/collections/sewer_pipes/items?limit=1", "/tiles/sewer_pipes.json"]

    static func hrefs(_ r: TestResponse) -> [String] {
        let text = String(buffer: r.body)
        let pattern = /"(?:href|tiles)"\s*:\s*\[?\s*"([^"]+)"/
        return text.matches(of: pattern).map { String($0.1).replacingOccurrences(of: "\\/", with: "/") }
    }

    @Test func withoutAPublicURLLinksFollowTheHostAndVaryOnIt() async throws {
        let env = try TestEnvironment.withSampleLedger()
        try await withApp(env) { client in
            for path in Self.paths {
                let r = try await client.get(path)
                #expect(r.status == .ok, "\(path)")
                let links = Self.hrefs(r)
                #expect(!links.isEmpty && links.allSatisfy { $0.hasPrefix("http://localhost/") }, "\(path): \(links.prefix(3))")
                let vary = r.headers[.vary] ?? ""
                #expect(vary.contains("Host") && vary.contains("X-Forwarded-Proto"), "\(path): Vary \(vary)")
            }
        }
    }

    @Test func aPublicURLFixesTheLinks() async throws {
        let env = try TestEnvironment.withSampleLedger()
        var options = ServerOptions()
        options.webRoot = TestEnvironment.repoRoot.appendingPathComponent("web").path
        options.publicURL = "https://gis.example.jp/"
        let app = Application(responder: try MachiServer.router(store: env.store, options: options).buildResponder())
        try await app.test(.router) { client in
            for path in Self.paths {
                let r = try await client.get(path, [HTTPField.Name("X-Forwarded-Proto")!: "http"])
                #expect(r.status == .ok, "\(path)")
                let links = Self.hrefs(r)
                #expect(!links.isEmpty && links.allSatisfy { $0.hasPrefix("https://gis.example.jp/") }, "\(path): \(links.prefix(3))")
                #expect(!links.contains { $0.contains("localhost") || $0.contains("example.jp//") })
                #expect(!(r.headers[.vary] ?? "").contains("Host"), "\(path)")
            }
        }
    }

    @Test(arguments: [
        ("https://gis.example.jp", true), ("http://127.0.0.1:8080/machigis/", true), ("ftp://gis.example.jp", false),
        ("gis.example.jp", false), ("https://gis.example.jp/?a=1", false), ("https://gis.example.jp/#top", false),
        ("https://user:pw@gis.example.jp", false), ("https://", false),
    ])
    func publicURLIsCheckedAtStartup(_ url: String, _ usable: Bool) {
        #expect((MachiServer.publicURLProblem(url) == nil) == usable, "\(url)")
    }
}
