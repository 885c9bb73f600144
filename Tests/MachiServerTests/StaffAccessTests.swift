import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiServer
import MachiTestSupport
import Testing

/// Accounts, sessions, CSRF and the parking API's access rules, over HTTP in process.
@Suite struct StaffAccessTests {
    struct Fixture: Sendable {
        let env: TestEnvironment
        let trafficToken: String
        let electionToken: String
        let trafficPassword: String
    }

    func fixture() throws -> Fixture {
        let env = try TestEnvironment()
        var accounts = Accounts(store: env.store)
        accounts.bcryptCost = 4  // tests only: keep logins fast
        let pw = try accounts.addUser(name: "traffic1", role: .roadTraffic)
        _ = try accounts.addUser(name: "senkyo1", role: .election)
        return Fixture(
            env: env, trafficToken: try accounts.createToken(name: "traffic1"), electionToken: try accounts.createToken(name: "senkyo1"),
            trafficPassword: pw)
    }

    func withApp(_ f: Fixture, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: try MachiServer.router(store: f.env.store, options: ServerOptions()))
        try await app.test(.router, body)
    }

    static let caseBody = ByteBuffer(
        string:
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"observed_at":"2026-01-05T10:00:00+09:00","category":"迷惑駐車","vehicle_type":"軽","plate":"大阪 300 さ 11-22"}}"#
    )

    func json(_ r: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
    }

    @Test func parkingNeedsTheRoadTrafficRole() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            try await client.execute(uri: "/api/parking/incidents", method: .get) { r throws in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/api/parking/incidents", method: .get, headers: [.authorization: "Bearer \(f.electionToken)"]) {
                r throws in
                #expect(r.status == .forbidden)
            }
            try await client.execute(uri: "/api/parking/incidents", method: .get, headers: [.authorization: "Bearer mgt_forged"]) {
                r throws in
                #expect(r.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/parking/incidents", method: .post, headers: [.authorization: "Bearer \(f.trafficToken)"], body: Self.caseBody
            ) { r throws in
                #expect(r.status == .created)
                #expect(r.headers[.eTag] == "\"v1\"")
                let body = try json(r)
                #expect((body["properties"] as? [String: Any])?["created_by"] as? String == "traffic1")
                #expect(body["possible_duplicates"] as? [Any] != nil)
            }
            // Staff data never shows on public endpoints.
            try await client.execute(uri: "/api/sewer/search?q=0", method: .get) { r throws in
                #expect(!String(buffer: r.body).contains("迷惑駐車"))
            }
        }
    }

    @Test func sessionLoginSetsAStrictCookieAndStateChangesNeedCSRF() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            let login = try await client.execute(
                uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"traffic1","password":"\#(f.trafficPassword)"}"#))
            #expect(login.status == .ok)
            let setCookie = try #require(login.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let cookie = String(setCookie.split(separator: ";")[0])
            let csrf = try #require(try json(login)["csrf_token"] as? String)

            try await client.execute(uri: "/api/parking/incidents", method: .get, headers: [.cookie: cookie]) { r throws in
                #expect(r.status == .ok)
            }
            try await client.execute(
                uri: "/api/parking/incidents", method: .post, headers: [.cookie: cookie], body: Self.caseBody
            ) { r throws in
                #expect(r.status == .forbidden)
                #expect(try json(r)["title"] as? String == "CSRF check failed")
            }
            #expect(try f.env.count("parking_incidents") == 0)
            try await client.execute(
                uri: "/api/parking/incidents", method: .post, headers: [.cookie: cookie, HTTPField.Name("X-CSRF-Token")!: csrf],
                body: Self.caseBody
            ) { r throws in
                #expect(r.status == .created)
            }
        }
    }

    @Test func revokedTokensAndDisabledAccountsStopWorkingAtOnce() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        let accounts = Accounts(store: f.env.store)
        let second = try accounts.createToken(name: "traffic1")
        try await withApp(f) { client in
            func status(_ headers: HTTPFields) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/parking/incidents", method: .get, headers: headers).status
            }
            func login() async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"name":"traffic1","password":"\#(f.trafficPassword)"}"#))
            }
            #expect(try await status([.authorization: "Bearer \(second)"]) == .ok)
            #expect(try accounts.revokeTokens(name: "traffic1") == 2)
            #expect(try await status([.authorization: "Bearer \(second)"]) == .unauthorized)
            #expect(try await status([.authorization: "Bearer \(f.trafficToken)"]) == .unauthorized)
            #expect(try await status([.authorization: "Bearer \(f.electionToken)"]) == .forbidden)  // other users keep theirs

            let fresh = try accounts.createToken(name: "traffic1")
            let signedIn = try await login()
            let cookie = String(try #require(signedIn.headers[.setCookie]).split(separator: ";")[0])
            #expect(try await status([.cookie: cookie]) == .ok)
            #expect(try accounts.setDisabled(name: "traffic1", true))
            #expect(try await status([.cookie: cookie]) == .unauthorized)
            #expect(try await status([.authorization: "Bearer \(fresh)"]) == .unauthorized)
            #expect(try await login().status == .unauthorized)

            #expect(try accounts.setDisabled(name: "traffic1", false))
            #expect(try await status([.authorization: "Bearer \(fresh)"]) == .ok)
            #expect(try await status([.cookie: cookie]) == .unauthorized)  // enabling does not revive old sessions
            #expect(try await login().status == .ok)
        }
        #expect(throws: AccountError.self) { try accounts.revokeTokens(name: "nobody") }
        #expect(throws: AccountError.self) { try accounts.setDisabled(name: "nobody", true) }
    }

    @Test func failedLoginsAreRateLimited() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"name":"traffic1","password":"wrong"}"#)
                ) { r throws in #expect(r.status == .unauthorized) }
            }
            // From this address, even the right password waits for the delay to pass.
            try await client.execute(
                uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"traffic1","password":"\#(f.trafficPassword)"}"#)
            ) { r throws in
                #expect(r.status == .tooManyRequests)
                #expect(r.headers[.retryAfter] != nil)
            }
        }
    }

    @Test func patchNeedsIfMatchAndRejectsStaleVersions() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(f.trafficToken)"]
            let created = try await client.execute(uri: "/api/parking/incidents", method: .post, headers: auth, body: Self.caseBody)
            let id = try #require(try json(created)["id"] as? String)
            let patch = ByteBuffer(string: #"{"properties":{"status":"in_progress"}}"#)
            try await client.execute(uri: "/api/parking/incidents/\(id)", method: .patch, headers: auth, body: patch) { r throws in
                #expect(r.status.code == 428)
            }
            var h = auth
            h[.ifMatch] = "\"v1\""
            try await client.execute(uri: "/api/parking/incidents/\(id)", method: .patch, headers: h, body: patch) { r throws in
                #expect(r.status == .ok)
                #expect(r.headers[.eTag] == "\"v2\"")
            }
            try await client.execute(uri: "/api/parking/incidents/\(id)", method: .patch, headers: h, body: patch) { r throws in
                #expect(r.status == .preconditionFailed)
            }
            try await client.execute(uri: "/api/parking/incidents/\(id)", method: .get, headers: auth) { r throws in
                let history = try #require(try json(r)["history"] as? [[String: Any]])
                #expect(history.count == 2)
            }
            try await client.execute(
                uri: "/api/parking/incidents", method: .post, headers: auth, body: ByteBuffer(repeating: 0x20, count: 300 * 1024)
            ) { r throws in
                #expect(r.status == .contentTooLarge)
                #expect(r.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func exportHidesPlatesFromNonAdminsAndStartsWithABOM() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(f.trafficToken)"]
            _ = try await client.execute(uri: "/api/parking/incidents", method: .post, headers: auth, body: Self.caseBody)
            try await client.execute(uri: "/api/parking/export?format=csv", method: .get, headers: auth) { r throws in
                #expect(r.status == .ok)
                let bytes = Array(buffer: r.body)
                #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
                let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
                #expect(text.hasPrefix("案件番号,確認日時"))
                #expect(text.contains("迷惑駐車"))
                #expect(!text.contains("大阪 300"))
            }
            try await client.execute(uri: "/api/parking/export?format=csv&include_plate=true", method: .get, headers: auth) { r throws in
                #expect(r.status == .forbidden)
            }
            try await client.execute(uri: "/api/parking/hotspots?cell=100m", method: .get, headers: auth) { r throws in
                let body = try json(r)
                #expect((body["features"] as? [Any])?.count == 1)
                #expect((body["by_hour"] as? [Int])?[10] == 1)
            }
        }
    }
}
