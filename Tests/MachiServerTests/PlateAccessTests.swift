import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiParking
import MachiServer
import MachiTestSupport
import Testing

/// Number plates (`personal: true` in the layer file): readable on one case, left out of
/// bulk reads except for admins, never in tiles; the exact-plate lookup is audited.
@Suite struct PlateAccessTests {
    let staff = StaffAccessTests()
    static let plateText = "大阪 300 さ 11-22"
    static let tile = "/tiles/parking_incidents/12/3590/1625.mvt"

    struct Fixture: Sendable {
        let base: StaffAccessTests.Fixture
        let adminToken: String
        var env: TestEnvironment { base.env }
        var traffic: HTTPFields { [.authorization: "Bearer \(base.trafficToken)"] }
        var admin: HTTPFields { [.authorization: "Bearer \(adminToken)"] }
    }

    func fixture() throws -> Fixture {
        let base = try staff.fixture()
        let accounts = Accounts(store: base.env.store)
        _ = try accounts.addUser(name: "kanri1", role: .admin)
        return Fixture(base: base, adminToken: try accounts.createToken(name: "kanri1"))
    }

    /// Posts one case with a plate; returns its id.
    func seed(_ client: some TestClientProtocol, _ f: Fixture) async throws -> String {
        let r = try await client.execute(uri: "/api/parking/incidents", method: .post, headers: f.traffic, body: StaffAccessTests.caseBody)
        #expect(r.status == .created)
        return try #require(try staff.json(r)["id"] as? String)
    }

    func hasPlate(_ r: TestResponse) -> Bool {
        let body = String(buffer: r.body)
        return body.contains("\"plate\"") || body.contains("さ 11-22") || body.contains("ナンバー")
    }

    @Test func bulkReadsCarryPlatesForAdminsOnlyAndTilesNever() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await staff.withApp(f.base) { client in
            let id = try await seed(client, f)
            let bulk = [
                "/ogc/collections/parking_incidents/items", "/api/parking/incidents", "/api/parking/export?format=geojson",
                "/api/parking/export?format=csv",
            ]
            for uri in bulk {
                let anonymous = try await client.execute(uri: uri, method: .get)
                #expect(anonymous.status == .notFound || anonymous.status == .unauthorized, "\(uri)")
                let traffic = try await client.execute(uri: uri, method: .get, headers: f.traffic)
                #expect(traffic.status == .ok, "\(uri)")
                #expect(!hasPlate(traffic), "road_traffic got a plate from \(uri)")
                #expect(String(buffer: traffic.body).contains(id) || uri.hasSuffix("csv"), "\(uri)")
            }
            for uri in bulk.prefix(2) {
                let admin = try await client.execute(uri: uri, method: .get, headers: f.admin)
                #expect(admin.status == .ok)
                #expect(hasPlate(admin), "admin misses the plate in \(uri)")
            }
            // A road_traffic caller cannot find plates through a filter or a search either.
            let cql = try await client.execute(
                uri: "/ogc/collections/parking_incidents/items?filter=plate%20IS%20NOT%20NULL", method: .get, headers: f.traffic)
            #expect(cql.status == .badRequest)
            let q = try await client.execute(uri: "/api/parking/incidents?q=11-22", method: .get, headers: f.traffic)
            #expect(try staff.json(q)["numberMatched"] as? Int == 0)
            // Tiles: never, not even for admins.
            #expect(try await client.execute(uri: Self.tile, method: .get).status == .notFound)
            for headers in [f.traffic, f.admin] {
                let t = try await client.execute(uri: Self.tile, method: .get, headers: headers)
                #expect(t.status == .ok)
                #expect(String(buffer: t.body).contains("parking_incidents"))
                #expect(!hasPlate(t) && !String(buffer: t.body).contains("plate"))
            }
            // One case, opened by staff who work it: the plate is there.
            #expect(try await client.execute(uri: "/api/parking/incidents/\(id)", method: .get).status == .unauthorized)
            for headers in [f.traffic, f.admin] {
                let one = try await client.execute(uri: "/api/parking/incidents/\(id)", method: .get, headers: headers)
                #expect(one.status == .ok)
                #expect(String(buffer: one.body).contains(Self.plateText))
            }
        }
    }

    @Test func plateLookupFindsNormalisedPlatesAndIsAudited() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await staff.withApp(f.base) { client in
            let id = try await seed(client, f)
            // Full-width digits, no spaces, a different dash: the same plate.
            let uri = "/api/parking/plates/" + "大阪３００さ11‐22".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)! + "/cases"
            #expect(try await client.execute(uri: uri, method: .get).status == .unauthorized)
            #expect(
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(f.base.electionToken)"]).status
                    == .forbidden)
            for headers in [f.traffic, f.admin] {
                let r = try await client.execute(uri: uri, method: .get, headers: headers)
                #expect(r.status == .ok)
                let body = try staff.json(r)
                #expect(body["plate"] as? String == "大阪300さ1122")
                #expect(body["count"] as? Int == 1)
                let cases = try #require(body["cases"] as? [[String: Any]])
                #expect(cases.first?["id"] as? String == id)
                #expect(cases.first?["observed_at"] as? String == "2026-01-05T10:00:00+09:00")
            }
            let none = try await client.execute(uri: "/api/parking/plates/%E5%A4%A7%E9%98%AA1/cases", method: .get, headers: f.traffic)
            #expect(try staff.json(none)["count"] as? Int == 0)
            let blank = try await client.execute(uri: "/api/parking/plates/%20-%20/cases", method: .get, headers: f.traffic)
            #expect(blank.status == .badRequest)
            #expect(String(buffer: blank.body).contains("plate"))
        }
        let log = try AuditLog(store: f.env.store).entries(since: Date(timeIntervalSinceNow: -3600), action: "plate_lookup")
        #expect(log.map(\.user) == ["traffic1", "kanri1", "traffic1"])
        #expect(log.map(\.target) == ["大阪300さ1122", "大阪300さ1122", "大阪1"])
        #expect(log.map(\.detail) == ["{\"results\":1}", "{\"results\":1}", "{\"results\":0}"])
        #expect(log.allSatisfy { $0.at.hasSuffix("+09:00") })
    }

    @Test func plateNormalisation() {
        #expect(PlateNumber.normalise("なにわ 500 あ 12-34") == "なにわ500あ1234")
        #expect(PlateNumber.normalise("なにわ５００あ１２－３４") == "なにわ500あ1234")
        #expect(PlateNumber.normalise("なにわ　500　あ　・・・1") == "なにわ500あ1")
    }
}

/// observed_at before 1900 or in the future: 400 naming observed_at, on POST and PATCH, nothing changed.
@Suite struct ObservedAtBoundsTests {
    let staff = StaffAccessTests()

    static func body(_ observed: String) -> ByteBuffer {
        ByteBuffer(
            string:
                #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"observed_at":"\#(observed)","category":"迷惑駐車"}}"#
        )
    }

    @Test(arguments: ["0026-01-05T10:00:00+09:00", "1899-12-31T23:59:59+09:00", "2999-01-01T00:00:00+09:00"])
    func implausibleTimesAreRefused(_ observed: String) async throws {
        let f = try staff.fixture()
        defer { f.env.cleanup() }
        try await staff.withApp(f) { client in
            let auth: HTTPFields = [.authorization: "Bearer \(f.trafficToken)"]
            let post = try await client.execute(uri: "/api/parking/incidents", method: .post, headers: auth, body: Self.body(observed))
            #expect(post.status == .badRequest)
            #expect(String(buffer: post.body).contains("observed_at"))
            #expect(try f.env.count("parking_incidents") == 0)
            let ok = try await client.execute(
                uri: "/api/parking/incidents", method: .post, headers: auth, body: Self.body("1900-01-01T00:00:00+09:00"))
            #expect(ok.status == .created)
            let id = try #require(try staff.json(ok)["id"] as? String)
            var h = auth
            h[.ifMatch] = "*"
            let patch = try await client.execute(
                uri: "/api/parking/incidents/\(id)", method: .patch, headers: h,
                body: ByteBuffer(string: #"{"properties":{"observed_at":"\#(observed)"}}"#))
            #expect(patch.status == .badRequest)
            #expect(String(buffer: patch.body).contains("observed_at"))
            let after = try await client.execute(uri: "/api/parking/incidents/\(id)", method: .get, headers: auth)
            #expect(after.headers[.eTag] == "\"v1\"")
        }
    }
}
