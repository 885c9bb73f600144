import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiServer
import MachiTestSupport
import Testing

/// The parking API's HTTP details: caching, methods, preconditions, periods and exports.
@Suite struct ParkingHTTPTests {
    /// The access tests' accounts and app: traffic1 (road_traffic) and senkyo1 (election).
    let staff = StaffAccessTests()
    typealias Fixture = StaffAccessTests.Fixture

    func fixture() throws -> Fixture { try staff.fixture() }

    func withApp(_ f: Fixture, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await staff.withApp(f, body)
    }

    static func caseBody(observed: String = "2025-06-05T10:00:00+09:00", notes: String = "") -> ByteBuffer {
        ByteBuffer(
            string:
                #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"observed_at":"\#(observed)","category":"迷惑駐車","plate":"大阪 300 さ 11-22","notes":"\#(notes)"}}"#
        )
    }

    func json(_ r: TestResponse) throws -> [String: Any] { try staff.json(r) }

    func post(_ client: some TestClientProtocol, _ f: Fixture, _ body: ByteBuffer) async throws -> String {
        let r = try await client.execute(uri: "/api/parking/incidents", method: .post, headers: f.auth, body: body)
        #expect(r.status == .created)
        return try #require(try json(r)["id"] as? String)
    }

    @Test func staffResponsesAreNeverCached() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            let created = try await client.execute(uri: "/api/parking/incidents", method: .post, headers: f.auth, body: Self.caseBody())
            #expect(created.headers[.cacheControl] == "private, no-store")
            let id = try #require(try json(created)["id"] as? String)
            var ifMatch = f.auth
            ifMatch[.ifMatch] = "\"v1\""
            let requests: [(String, HTTPRequest.Method, HTTPFields, ByteBuffer?)] = [
                ("/api/parking/incidents", .get, f.auth, nil),
                ("/api/parking/incidents?status=open&to=2025-06-05", .get, f.auth, nil),
                ("/api/parking/incidents/\(id)", .get, f.auth, nil),
                ("/api/parking/incidents/\(id)", .head, f.auth, nil),
                ("/api/parking/incidents/\(id)", .patch, ifMatch, ByteBuffer(string: #"{"properties":{"notes":"x"}}"#)),
                ("/api/parking/hotspots", .get, f.auth, nil),
                ("/api/parking/export?format=csv", .get, f.auth, nil),
                ("/api/parking/export?format=csv&encoding=cp932", .get, f.auth, nil),
                ("/api/parking/export?format=geojson", .get, f.auth, nil),
                // Errors too: they name cases and carry ETags.
                ("/api/parking/incidents/01ARZ3NDEKTSV4RRFFQ69G5FAV", .get, f.auth, nil),
                ("/api/parking/incidents/\(id)", .patch, ifMatch, ByteBuffer(string: #"{"properties":{"notes":"y"}}"#)),
                ("/api/parking/incidents?limit=0", .get, f.auth, nil),
                ("/api/parking/incidents", .get, [:], nil),
                ("/api/auth/me", .get, f.auth, nil),
                // Answered before routing: an unknown token, an unknown path under the group.
                ("/api/parking/incidents", .get, [.authorization: "Bearer mgt_not-a-token"], nil),
                ("/api/parking/nothing-here", .get, f.auth, nil),
            ]
            for (uri, method, headers, body) in requests {
                try await client.execute(uri: uri, method: method, headers: headers, body: body) { r throws in
                    #expect(r.headers[.cacheControl] == "private, no-store", "\(method) \(uri) → \(r.status)")
                }
            }
            let login = try await client.execute(
                uri: "/api/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"traffic1","password":"\#(f.trafficPassword)"}"#))
            #expect(login.status == .ok)
            #expect(login.headers[.cacheControl] == "private, no-store")
            let logout = try await client.execute(uri: "/api/auth/logout", method: .post)
            #expect(logout.headers[.cacheControl] == "private, no-store")
        }
    }

    @Test func casesCannotBeDeletedOrReplacedAndIfMatchStarMatches() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            let id = try await post(client, f, Self.caseBody())
            for method in [HTTPRequest.Method.delete, .put, .post] {
                try await client.execute(uri: "/api/parking/incidents/\(id)", method: method, headers: f.auth) { r throws in
                    #expect(r.status == .methodNotAllowed)
                    #expect(r.headers[.allow] == "GET, HEAD, PATCH")
                    #expect(r.headers[.contentType] == "application/problem+json")
                }
            }
            try await client.execute(uri: "/api/parking/incidents", method: .delete, headers: f.auth) { r throws in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD, POST")
            }
            try await client.execute(uri: "/api/parking/export", method: .post, headers: f.auth) { r throws in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD")
            }
            // Anonymous callers learn nothing, not even the methods.
            try await client.execute(uri: "/api/parking/incidents/\(id)", method: .delete) { r throws in
                #expect(r.status == .unauthorized)
            }
            #expect(try f.env.count("parking_incidents") == 1)
            var star = f.auth
            star[.ifMatch] = "*"
            let r = try await client.execute(
                uri: "/api/parking/incidents/\(id)", method: .patch, headers: star,
                body: ByteBuffer(string: #"{"properties":{"notes":"x"}}"#))
            #expect(r.status == .ok && r.headers[.eTag] == "\"v2\"")
        }
    }

    @Test func aDateOnlyToIncludesThatWholeDay() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            _ = try await post(client, f, Self.caseBody(observed: "2025-11-01T00:00:00+09:00"))
            _ = try await post(client, f, Self.caseBody(observed: "2025-11-30T23:59:30+09:00"))
            _ = try await post(client, f, Self.caseBody(observed: "2025-12-01T00:00:00+09:00"))
            _ = try await post(client, f, Self.caseBody(observed: "2025-10-31T23:59:59+09:00"))
            try await client.execute(uri: "/api/parking/incidents?from=2025-11-01&to=2025-11-30", method: .get, headers: f.auth) {
                r throws in
                #expect(r.status == .ok)
                #expect(try json(r)["numberMatched"] as? Int == 2)
            }
            try await client.execute(uri: "/api/parking/hotspots?from=2025-11-01&to=2025-11-30", method: .get, headers: f.auth) {
                r throws in
                #expect(try json(r)["total"] as? Int == 2)
            }
            try await client.execute(uri: "/api/parking/export?format=geojson&from=2025-11-30&to=2025-11-30", method: .get, headers: f.auth)
            {
                r throws in
                #expect((try json(r)["features"] as? [Any])?.count == 1)
            }
            // A date-time `to` stays an exclusive bound.
            try await client.execute(
                uri: "/api/parking/incidents?to=2025-12-01T00:00:00%2B09:00", method: .get, headers: f.auth
            ) { r throws in
                #expect(try json(r)["numberMatched"] as? Int == 3)
            }
        }
    }

    @Test func cp932ExportSubstitutesWhatCP932LacksAndSaysSo() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f) { client in
            _ = try await post(client, f, Self.caseBody(notes: "車🚗あり"))
            _ = try await post(client, f, Self.caseBody(notes: "文字化け\u{FFFD}"))
            try await client.execute(uri: "/api/parking/export?format=csv&encoding=cp932", method: .get, headers: f.auth) { r throws in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/csv; charset=Shift_JIS")
                #expect(r.headers[HTTPField.Name("X-Substituted-Characters")!] == "2")
                let bytes = Array(buffer: r.body)
                // 車〓あり in CP932.
                let expected: [UInt8] = [0x8E, 0xD4, 0x81, 0xAC, 0x82, 0xA0, 0x82, 0xE8]
                #expect(bytes.indices.contains { bytes[$0...].starts(with: expected) })
            }
            try await client.execute(uri: "/api/parking/export?format=csv", method: .get, headers: f.auth) { r throws in
                #expect(r.status == .ok)
                #expect(r.headers[HTTPField.Name("X-Substituted-Characters")!] == nil)
                #expect(String(buffer: r.body).contains("車🚗あり"))
            }
        }
    }
}

extension StaffAccessTests.Fixture {
    var auth: HTTPFields { [.authorization: "Bearer \(trafficToken)"] }
}
