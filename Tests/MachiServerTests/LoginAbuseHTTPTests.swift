import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiServer
import MachiTestSupport
import Testing

/// Login abuse over HTTP: throttling without lockouts, X-Forwarded-For trust, login CSRF.
@Suite struct LoginAbuseHTTPTests {
    typealias Fixture = StaffAccessTests.Fixture

    /// traffic1 (road traffic) with a known password; see StaffAccessTests.
    func fixture() throws -> Fixture { try StaffAccessTests().fixture() }

    static let json: HTTPFields = [.contentType: "application/json"]
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    static func body(_ password: String) -> ByteBuffer {
        ByteBuffer(string: #"{"name":"traffic1","password":"\#(password)"}"#)
    }

    /// A live server on loopback (the in-process client has no peer address), trusting
    /// loopback as its proxy when `trustLoopback`.
    func withLiveApp(_ f: Fixture, trustLoopback: Bool, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var options = ServerOptions()
        options.port = 0
        if trustLoopback { #expect(options.addTrustedProxies(["127.0.0.0/8", "::1"]).isEmpty) }
        try await MachiServer.application(store: f.env.store, options: options).test(.live, body)
    }

    @Test func fortyParallelGuessesGetAtMostTheFreeFailuresVerified() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        let app = Application(router: try MachiServer.router(store: f.env.store, options: ServerOptions()))
        try await app.test(.router) { client in
            let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let r = try await client.execute(
                            uri: "/api/auth/login", method: .post, headers: Self.json, body: Self.body("wrong"))
                        return (r.status, r.headers[.retryAfter])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // A 401 means the password was checked; everything else was refused before.
            #expect(statuses.filter { $0.0 == .unauthorized }.count <= 3)
            #expect(statuses.filter { $0.0 == .tooManyRequests && $0.1 != nil }.count >= 37)
        }
    }

    @Test func failuresFromOneAddressDoNotLockTheOwnerOut() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withLiveApp(f, trustLoopback: true) { client in
            func login(_ password: String, from address: String) async throws -> HTTPResponse.Status {
                var h = Self.json
                h[Self.forwardedFor] = address
                return try await client.execute(uri: "/api/auth/login", method: .post, headers: h, body: Self.body(password)).status
            }
            var attacker = [HTTPResponse.Status]()
            for _ in 0..<8 { attacker.append(try await login("wrong", from: "203.0.113.66")) }
            attacker.append(try await login(f.trafficPassword, from: "203.0.113.66"))
            #expect(attacker == [.unauthorized, .unauthorized, .unauthorized] + Array(repeating: .tooManyRequests, count: 6))
            // The owner, elsewhere, signs in at once: the proxy's X-Forwarded-For was believed.
            let owner = try await login(f.trafficPassword, from: "198.51.100.7")
            #expect(owner == .ok)
        }
    }

    @Test func forwardedForFromAnUntrustedPeerIsIgnored() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withLiveApp(f, trustLoopback: false) { client in
            var statuses = [HTTPResponse.Status]()
            for i in 0..<6 {
                var h = Self.json
                h[Self.forwardedFor] = "203.0.113.\(i)"  // a fresh address per guess, if it were believed
                statuses.append(
                    try await client.execute(uri: "/api/auth/login", method: .post, headers: h, body: Self.body("wrong")).status)
            }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests, .tooManyRequests])
        }
    }

    @Test func loginTakesOnlyJSONFromThisSite() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        let app = Application(router: try MachiServer.router(store: f.env.store, options: ServerOptions()))
        try await app.test(.router) { client in
            func login(_ headers: HTTPFields, _ body: String? = nil) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/auth/login", method: .post, headers: headers,
                    body: ByteBuffer(string: body ?? #"{"name":"traffic1","password":"\#(f.trafficPassword)"}"#))
            }
            let form = "name=traffic1&password=\(f.trafficPassword)"
            for (type, body) in [
                ("application/x-www-form-urlencoded", form), ("text/plain", #"{"name":"traffic1","password":"\#(f.trafficPassword)"}"#),
                ("multipart/form-data; boundary=x", form), ("application/jsonx", nil),
            ] {
                let r = try await login([.contentType: type], body)
                #expect(r.status == .unsupportedMediaType, "\(type)")
                #expect(r.headers[.contentType] == "application/problem+json")
                #expect(r.headers[.setCookie] == nil)
            }
            #expect(try await login([:]).status == .unsupportedMediaType)
            for cross: HTTPFields in [
                [.contentType: "application/json", .origin: "https://evil.example"],
                [.contentType: "application/json", .origin: "null"],
                [.contentType: "application/json", .origin: "http://localhost.evil.example"],
                [.contentType: "application/json", HTTPField.Name("Sec-Fetch-Site")!: "cross-site"],
            ] {
                let r = try await login(cross)
                #expect(r.status == .forbidden, "\(cross)")
                #expect(r.headers[.contentType] == "application/problem+json")
                #expect(r.headers[.setCookie] == nil)
            }
            // The router test client's Host is "localhost": the page's own origin signs in.
            let ok = try await login([
                .contentType: "application/json; charset=utf-8", .origin: "http://localhost",
                HTTPField.Name("Sec-Fetch-Site")!: "same-origin",
            ])
            #expect(ok.status == .ok)
            #expect(ok.headers[.setCookie] != nil)
            #expect(try await login(Self.json).status == .ok)  // scripts and curl send no Origin
        }
    }
}
