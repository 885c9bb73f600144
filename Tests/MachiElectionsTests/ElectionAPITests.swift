import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiElections
import MachiHTTP
import Testing

@testable import MachiServer

/// Stands in for the authentication middleware: the caller's role comes from a test header,
/// so these tests exercise the election routes' rules on their own.
struct TestUserMiddleware: RouterMiddleware {
    typealias Context = MachiRequestContext
    static let header = HTTPField.Name("X-Test-Role")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let role = request.headers[Self.header].flatMap(Role.init(rawValue:)) {
            context.user = StaffUser(name: "test-\(role.rawValue)", role: role)
        }
        return try await next(request, context)
    }
}

/// HTTP: who sees which election before and after publication, and the API's answers.
@Suite struct ElectionAPITests {
    func withApp(_ env: ElectionEnvironment, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = Router(context: MachiRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: TestUserMiddleware())
        try ElectionRoutes.register(store: env.store, on: router)
        try await Application(router: router).test(.router, body)
    }

    func get(_ client: any TestClientProtocol, _ uri: String, as role: Role? = nil) async throws -> (
        HTTPResponse.Status, [String: Any], HTTPFields
    ) {
        var headers = HTTPFields()
        if let role { headers[TestUserMiddleware.header] = role.rawValue }
        return try await client.execute(uri: uri, method: .get, headers: headers) { r in
            let body = (try? JSONSerialization.jsonObject(with: Data(buffer: r.body))) as? [String: Any] ?? [:]
            return (r.status, body, r.headers)
        }
    }

    func ids(_ body: [String: Any]) -> [String] {
        (body["elections"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
    }

    /// Every endpoint of the unpublished 2025-test.
    static let unpublishedURIs = [
        "/api/elections/2025-test", "/api/elections/2025-test/turnout.geojson", "/api/elections/2025-test/stations.geojson",
        "/api/elections/2025-test/regulated-zones.geojson", "/api/elections/2025-test/regulated-zones/check?lon=135.562&lat=34.774",
    ]

    /// The hand fixture with 2021-test published and 2025-test not.
    func onePublished() throws -> ElectionEnvironment {
        let env = try ElectionEnvironment()
        try HandFixture.load(env)
        try env.office.registry.setPublished("2021-test", true)
        return env
    }

    @Test func publishingAndWithdrawingAreAudited() throws {
        let env = try onePublished()
        defer { env.cleanup() }
        try env.office.registry.setPublished("2021-test", false, by: "senkyo-kanri")
        let log = try AuditLog(store: env.store).entries(since: Date(timeIntervalSinceNow: -3600))
        #expect(log.map(\.action) == ["election_publish", "election_withdraw"])
        #expect(log.map(\.user) == ["cli", "senkyo-kanri"])
        #expect(log.allSatisfy { $0.target == "2021-test" })
    }

    @Test func unpublishedIsHiddenFromThePublicAndForbiddenToOtherStaff() async throws {
        let env = try onePublished()
        defer { env.cleanup() }
        let uris = Self.unpublishedURIs
        try await withApp(env) { client in
            #expect(ids(try await get(client, "/api/elections").1) == ["2021-test"])
            #expect(ids(try await get(client, "/api/elections", as: .roadTraffic).1) == ["2021-test"])
            #expect(ids(try await get(client, "/api/elections", as: .election).1) == ["2025-test", "2021-test"])
            #expect(ids(try await get(client, "/api/elections", as: .admin).1) == ["2025-test", "2021-test"])
            for uri in uris {
                let (anonymous, problem, headers) = try await get(client, uri)
                #expect(anonymous == .notFound, "\(uri)")
                // Exactly what an id that never existed gets.
                #expect(problem["detail"] as? String == "no election 2025-test")
                #expect(headers[.contentType] == "application/problem+json")
                let (other, forbidden, _) = try await get(client, uri, as: .sewerAdmin)
                #expect(other == .forbidden, "\(uri)")
                #expect((forbidden["detail"] as? String)?.contains("not published") == true)
                #expect(try await get(client, uri, as: .election).0 == .ok, "\(uri)")
                #expect(try await get(client, uri, as: .admin).0 == .ok, "\(uri)")
            }
            #expect(try await get(client, "/api/elections/no-such/turnout.geojson").0 == .notFound)
            // Comparing with an election the caller may not see reads as comparing with none.
            let (status, body, _) = try await get(client, "/api/elections/2021-test/turnout.geojson?compare=2025-test")
            #expect(status == .badRequest && body["parameter"] as? String == "compare")
            #expect(body["detail"] as? String == "compare: no election 2025-test")
            let (cache, _, h) = try await get(client, "/api/elections/2025-test/turnout.geojson", as: .election)
            #expect(cache == .ok && h[.cacheControl] == "private, no-store")
        }

        try env.office.registry.setPublished("2025-test", true)
        try await withApp(env) { client in
            #expect(ids(try await get(client, "/api/elections").1) == ["2025-test", "2021-test"])
            for uri in uris {
                #expect(try await get(client, uri).0 == .ok, "\(uri)")
                #expect(try await get(client, uri, as: .roadTraffic).0 == .ok, "\(uri)")
            }
            let (_, body, headers) = try await get(
                client, "/api/elections/2025-test/turnout.geojson?compare=2021-test&method=jenks&classes=3")
            #expect(headers[.contentType] == "application/geo+json")
            #expect(headers[.cacheControl] == "public, max-age=60")
            #expect(body["method"] as? String == "jenks")
            #expect(((body["city"] as? [String: Any])?["delta_pp"] as? Double) == -3.07)
        }

        // Withdrawn again, it disappears for the public at once.
        try env.office.registry.setPublished("2025-test", false)
        try await withApp(env) { client in
            let (status, _, _) = try await get(client, "/api/elections/2025-test/turnout.geojson")
            #expect(status == .notFound)
        }
    }

    /// A shared cache keys on the URL only: whatever carries unpublished figures, or answers
    /// differently by who asks, must stay out of it.
    @Test func unpublishedDataIsNeverCachedForOthers() async throws {
        let env = try onePublished()
        defer { env.cleanup() }
        let unshared =
            [
                "/api/elections", "/api/elections/2021-test/turnout.geojson?compare=2025-test",
                "/api/elections/2025-test/turnout.geojson?compare=2021-test",
            ] + Self.unpublishedURIs
        try await withApp(env) { client in
            for uri in unshared {
                let (status, _, headers) = try await get(client, uri, as: .election)
                #expect(status == .ok, "\(uri)")
                #expect(headers[.cacheControl] == "private, no-store", "\(uri)")
                #expect(headers[.vary] == "Authorization, Cookie", "\(uri)")
            }
            let (_, body, _) = try await get(client, "/api/elections/2021-test/turnout.geojson?compare=2025-test", as: .election)
            #expect((body["compare"] as? [String: Any])?["id"] as? String == "2025-test", "the unpublished figures are in the body")

            // Nor the public's 404, which would outlive the publication.
            let (hidden, _, h) = try await get(client, "/api/elections/2025-test/turnout.geojson")
            #expect(hidden == .notFound && h[.cacheControl] == "private, no-store" && h[.vary] == "Authorization, Cookie")

            let (_, _, shared) = try await get(client, "/api/elections/2021-test/turnout.geojson")
            #expect(shared[.cacheControl] == "public, max-age=60")
            #expect(shared[.vary] == nil)
        }
        try env.office.registry.setPublished("2025-test", true)
        try await withApp(env) { client in
            let (_, _, headers) = try await get(client, "/api/elections/2021-test/turnout.geojson?compare=2025-test", as: .election)
            #expect(headers[.cacheControl] == "public, max-age=60", "both published: the same for everyone")
        }
    }

    @Test func publishingNeedsFinalTurnout() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try env.office.registry.add(id: "empty", name: "x", date: "2025-01-01")
        let e = #expect(throws: ElectionError.self) { try env.office.registry.setPublished("empty", true) }
        #expect(e?.kind == .conflict)
        #expect(throws: ElectionError.self) { try env.office.registry.add(id: "empty", name: "again", date: "2025-01-01") }
        #expect(throws: ElectionError.self) { try env.office.registry.add(id: "bad id", name: "x", date: "2025-01-01") }
        #expect(throws: ElectionError.self) { try env.office.registry.add(id: "d", name: "x", date: "2025-02-30") }
    }

    @Test(arguments: [
        ("/api/elections/2025-test/turnout.geojson?classes=2", "classes"),
        ("/api/elections/2025-test/turnout.geojson?classes=10", "classes"),
        ("/api/elections/2025-test/turnout.geojson?method=natural", "method"),
        ("/api/elections/2025-test/turnout.geojson?at=noon", "at"),
        ("/api/elections/2025-test/turnout.geojson?at=11:00", "at"),
        ("/api/elections/2025-test/turnout.geojson?colour=red", "colour"),
        ("/api/elections/2025-test/regulated-zones.geojson?radius_m=0", "radius_m"),
        ("/api/elections/2025-test/regulated-zones.geojson?dissolve=yes", "dissolve"),
        ("/api/elections/2025-test/regulated-zones/check?lat=34.77", "lon"),
        ("/api/elections/2025-test/regulated-zones/check?lon=135.56&lat=95", "lat"),
    ])
    func badParametersAreNamed(_ uri: String, _ parameter: String) async throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try HandFixture.load(env)
        try await withApp(env) { client in
            let (status, body, _) = try await get(client, uri, as: .election)
            #expect(status == .badRequest, "\(uri)")
            #expect(body["parameter"] as? String == parameter, "\(uri): \(body)")
        }
    }

    @Test func stationsAndZonesOverHTTP() async throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try HandFixture.load(env)
        try await withApp(env) { client in
            let (_, stations, _) = try await get(client, "/api/elections/2025-test/stations.geojson", as: .election)
            let s = try #require((stations["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any])
            #expect(s["station_no"] as? String == "1" && s["name"] as? String == "第一小学校")
            #expect(s["district_no"] as? [String] == ["1", "10"])

            let (_, zones, _) = try await get(client, "/api/elections/2025-test/regulated-zones.geojson", as: .election)
            let features = try #require(zones["features"] as? [[String: Any]])
            #expect(features.count == 2)
            #expect(features.compactMap { ($0["properties"] as? [String: Any])?["station_no"] as? String } == ["1", "2"])
            let (_, dissolved, _) = try await get(
                client, "/api/elections/2025-test/regulated-zones.geojson?dissolve=true&radius_m=100", as: .election)
            let one = try #require((dissolved["features"] as? [[String: Any]])?.first)
            #expect((one["properties"] as? [String: Any])?["station_no"] as? [String] == ["1", "2"])
            #expect((one["geometry"] as? [String: Any])?["type"] as? String == "MultiPolygon", "two 100 m circles 400 m apart stay apart")

            let (status, check, _) = try await get(
                client, "/api/elections/2025-test/regulated-zones/check?lon=135.5625&lat=34.7742", as: .election)
            #expect(status == .ok)
            #expect(check["inside"] as? Bool == true)
            #expect(check["stations"] as? [String] == ["1"])
            #expect(check["nearest_station"] as? String == "1")
            #expect((check["distance_m"] as? Double).map { $0 > 40 && $0 < 60 } == true)
        }
    }
}
