import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiHTTP
import MachiServer
import MachiTestSupport
import Testing

/// One spelling per path: routing and cache policy cannot disagree, NUL never reaches a file name.
@Suite struct RequestPathTests {
    @Test func canonicalPathsPassAndOthersAreNamed() {
        for p in [
            "/", "/api/auth/me", "/staff/parking/", "/api/sewer/pipes/%EF%BC%91", "/api/sewer/pipes/%ef%bc%91", "/a%2Fb",
            "/a:b@c!$&'()*+,;=",
        ] {
            #expect(RequestPath.check(p) == .canonical, "\(p)")
        }
        let cases: [(String, String)] = [
            ("//api/parking/incidents", "/api/parking/incidents"), ("/api//auth/me", "/api/auth/me"),
            ("/api/./auth/me", "/api/auth/me"), ("/api/sewer/../auth/me", "/api/auth/me"), ("/api/%70arking/x", "/api/parking/x"),
            ("/%2E%2E/etc/passwd", "/etc/passwd"), ("/..", "/"), ("/a//", "/a/"), ("/a/b/..", "/a/"), ("//", "/"),
            ("//evil.example/x", "/evil.example/x"),
        ]
        for (p, c) in cases { #expect(RequestPath.check(p) == .nonCanonical(c), "\(p)") }
        for p in [
            "/index.html%00.js", "/a%0A", "/a%7f", "/a\u{1}", "/a b", "/札幌", "/a%zz", "/a%4", "/a%FF", "/a\\b", "/a\"b", "api", "/a#b",
        ] {
            guard case .invalid = RequestPath.check(p) else {
                Issue.record("\(p) must be invalid")
                continue
            }
        }
        #expect(RequestPath.normalised("//api//parking") == "/api/parking")
        #expect(RequestPath.normalised("/a%00") == nil)
    }

    func withApp(_ body: @Sendable (any TestClientProtocol, String) async throws -> Void) async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        var accounts = Accounts(store: env.store)
        accounts.bcryptCost = 4
        _ = try accounts.addUser(name: "traffic1", role: .roadTraffic)
        let token = try accounts.createToken(name: "traffic1")
        var options = ServerOptions()
        options.webRoot = TestEnvironment.repoRoot.appendingPathComponent("web").path
        try await Application(router: try MachiServer.router(store: env.store, options: options)).test(.router) {
            try await body($0, token)
        }
    }

    @Test func staffPathsInAnySpellingAreNeverCacheable() async throws {
        try await withApp { client, token in
            let auth: HTTPFields = [.authorization: "Bearer \(token)"]
            for (uri, location) in [
                ("//api/parking/incidents", "/api/parking/incidents"), ("/api//auth/me", "/api/auth/me"),
                ("/api/%70arking/incidents?limit=1", "/api/parking/incidents?limit=1"), ("/api/sewer/../auth/me", "/api/auth/me"),
            ] {
                let r = try await client.execute(uri: uri, method: .get, headers: auth)
                #expect(r.status == .permanentRedirect, "\(uri)")
                #expect(r.headers[.location] == location, "\(uri)")
                #expect(r.headers[.cacheControl] == "private, no-store", "\(uri)")
                #expect(r.body.readableBytes == 0)
            }
            let post = try await client.execute(
                uri: "//api/parking/incidents", method: .post, headers: auth, body: ByteBuffer(string: "{}"))
            #expect(post.status == .badRequest)
            #expect(post.headers[.contentType] == "application/problem+json")
            #expect(post.headers[.cacheControl] == "private, no-store")
            #expect(
                try await client.execute(uri: "/api/auth/me", method: .get, headers: auth).headers[.cacheControl] == "private, no-store")
        }
    }

    @Test func controlCharactersInPathsAreRefused() async throws {
        try await withApp { client, _ in
            #expect(try await client.execute(uri: "/index.html", method: .get).status == .ok)
            for uri in ["/index.html%00.js", "/index.html%0a", "/api/parking/incidents%00", "/%FF"] {
                let r = try await client.execute(uri: uri, method: .get)
                #expect(r.status == .badRequest, "\(uri)")
                #expect(r.headers[.contentType] == "application/problem+json", "\(uri)")
                let body = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
                #expect(body?["parameter"] as? String == "path")
            }
        }
    }
}
