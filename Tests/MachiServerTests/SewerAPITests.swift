import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiServer
import MachiTestSupport
import Testing

/// HTTP tests of every public sewer endpoint and its errors, in process.
@Suite struct SewerAPITests {
    func withApp(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let env = try TestEnvironment.withSampleLedger()
        var options = ServerOptions()
        options.webRoot = TestEnvironment.repoRoot.appendingPathComponent("web").path
        let app = Application(router: try MachiServer.router(store: env.store, options: options))
        try await app.test(.router, body)
    }

    func json(_ r: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
    }

    /// Full-width numbers work in the path as in search (they arrive percent-encoded).
    @Test func detailPercentDecodesFullWidthNumbers() async throws {
        try await withApp { client in
            let manhole = "ＧＭ－００００１".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!
            let r = try await client.execute(uri: "/api/sewer/manholes/\(manhole)", method: .get)
            #expect(r.status == .ok)
            #expect((try json(r)["properties"] as? [String: Any])?["mh_no"] as? String == "GM-00001")
            // An escaped plain character is a second spelling of the path: redirected to the one
            // spelling that routing and cache policy see (RequestPath).
            let encodedAscii = try await client.execute(uri: "/api/sewer/manholes/GM%2D00001", method: .get)
            #expect(encodedAscii.status == .permanentRedirect)
            #expect(encodedAscii.headers[.location] == "/api/sewer/manholes/GM-00001")
            // Bytes that are not UTF-8 never reach the route: refused for the whole path.
            let bad = try await client.execute(uri: "/api/sewer/pipes/%E3%81", method: .get)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("\"parameter\":\"path\""))
        }
    }

    @Test func healthz() async throws {
        try await withApp { client in
            try await client.execute(uri: "/healthz", method: .get) { r throws in
                #expect(r.status == .ok)
                // CORS headers without Origin too: a cached copy must serve other sites' scripts.
                #expect(r.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test func searchReturnsGeoJSONWithCountsAndCORS() async throws {
        try await withApp { client in
            try await client.execute(
                uri: "/api/sewer/search?layer=pipes&system=%E5%90%88%E6%B5%81&limit=3", method: .get,
                headers: [.origin: "https://example.jp"]
            ) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/geo+json")
                #expect(r.headers[.accessControlAllowOrigin] == "*")
                #expect(r.headers[.accessControlExposeHeaders]?.contains("ETag") == true)
                let body = try json(r)
                #expect(body["type"] as? String == "FeatureCollection")
                #expect(body["numberReturned"] as? Int == 3)
                #expect((body["numberMatched"] as? Int ?? 0) > 3)
                let features = try #require(body["features"] as? [[String: Any]])
                for f in features {
                    let props = try #require(f["properties"] as? [String: Any])
                    #expect(props["system"] as? String == "合流")
                    let geometry = try #require(f["geometry"] as? [String: Any])
                    let coords = try #require(geometry["coordinates"] as? [[Double]])
                    #expect(coords.allSatisfy { (135.5...135.62).contains($0[0]) && (34.7...34.81).contains($0[1]) }, "lon/lat order")
                }
            }
        }
    }

    /// A bbox far larger than the plane zone (a "whole world" default in many clients) must
    /// still match the city's features, and one on the other side of the world none.
    @Test func worldSizedAndFarAwayBBoxes() async throws {
        try await withApp { client in
            func matched(_ q: String) async throws -> Int? {
                try await client.execute(uri: "/api/sewer/search?layer=pipes&limit=1\(q)", method: .get) { r throws in
                    #expect(r.status == .ok, "\(q)")
                    return try json(r)["numberMatched"] as? Int
                }
            }
            let all = try #require(try await matched(""))
            #expect(all > 2000)
            #expect(try await matched("&bbox=-180,-90,180,90") == all)
            #expect(try await matched("&bbox=-80,-40,-60,-20") == 0)
        }
    }

    @Test func nearestIsSortedByDistanceInMetres() async throws {
        try await withApp { client in
            try await client.execute(uri: "/api/sewer/nearest?lon=135.566&lat=34.776&k=5", method: .get) { r throws in
                #expect(r.status == .ok)
                let features = try #require(try json(r)["features"] as? [[String: Any]])
                #expect(features.count == 5)
                let d = features.compactMap { ($0["properties"] as? [String: Any])?["distance_m"] as? Double }
                #expect(d.count == 5 && d == d.sorted())
                #expect(d[0] < 200)
            }
        }
    }

    @Test func pipeAndManholeDetailCarryConnections() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let pipe: String = try await env.store.pool.read {
            try String.fetchOne($0, sql: "SELECT pipe_no FROM sewer_pipes WHERE upstream_mh IS NOT NULL ORDER BY fid LIMIT 1")!
        }
        try await withApp { client in
            try await client.execute(uri: "/api/sewer/pipes/\(pipe)", method: .get) { r throws in
                #expect(r.status == .ok)
                let body = try json(r)
                #expect(body["type"] as? String == "Feature")
                #expect(body["id"] as? String == pipe)
                let up = try #require(body["upstream"] as? [[String: Any]])
                #expect(up.contains { ($0["properties"] as? [String: Any])?["layer"] as? String == "manholes" })
            }
            try await client.execute(uri: "/api/sewer/manholes/NO-SUCH", method: .get) { r throws in
                #expect(r.status == .notFound)
                #expect(r.headers[.contentType] == "application/problem+json")
                #expect(try json(r)["detail"] as? String == "no manhole with number NO-SUCH")
            }
        }
    }

    /// Every malformed parameter gets a 400 problem naming it; none gets a 500.
    @Test(arguments: [
        ("/api/sewer/nearest?lon=abc&lat=34.77", "lon"),
        ("/api/sewer/nearest?lat=34.77", "lon"),
        ("/api/sewer/nearest?lon=200&lat=34.77", "lon"),
        ("/api/sewer/nearest?lon=135.5&lat=-91", "lat"),
        ("/api/sewer/nearest?lon=139.76&lat=35.68", "lon,lat"),
        ("/api/sewer/nearest?lon=135.566&lat=34.776&k=1000", "k"),
        ("/api/sewer/nearest?lon=135.566&lat=34.776&k=0", "k"),
        ("/api/sewer/nearest?lon=135.566&lat=34.776&radius_m=-1", "radius_m"),
        ("/api/sewer/nearest?lon=135.566&lat=34.776&layer=roads", "layer"),
        ("/api/sewer/nearest?lon=nan&lat=34.776", "lon"),
        ("/api/sewer/search?limit=5000", "limit"),
        ("/api/sewer/search?limit=1&limit=2", "limit"),
        ("/api/sewer/search?offset=-1", "offset"),
        ("/api/sewer/search?bbox=1,2,3", "bbox"),
        ("/api/sewer/search?bbox=135.6,34.7,135.5,34.8", "bbox"),
        ("/api/sewer/search?system=%E6%B7%B7%E5%90%88", "system"),
        ("/api/sewer/search?year_from=2000&year_to=1990", "year_from"),
        ("/api/sewer/search?diameter_min=x", "diameter_min"),
        ("/api/sewer/search?qq=1", "qq"),
    ])
    func badParametersAreNamedIn400Problems(_ uri: String, _ parameter: String) async throws {
        try await withApp { client in
            // A browser on another site sends Origin; the problem must survive the CORS layer.
            for headers: HTTPFields in [[:], [.origin: "https://example.jp"]] {
                try await client.execute(uri: uri, method: .get, headers: headers) { r throws in
                    #expect(r.status == .badRequest, "\(uri) \(headers)")
                    #expect(r.headers[.contentType] == "application/problem+json")
                    let body = try json(r)
                    #expect(body["parameter"] as? String == parameter, "\(uri): \(body)")
                    #expect(body["status"] as? Int == 400)
                    if headers[.origin] != nil { #expect(r.headers[.accessControlAllowOrigin] == "*") }
                }
            }
        }
    }

    @Test func unknownRouteIsAProblemToo() async throws {
        try await withApp { client in
            try await client.execute(uri: "/api/nothing-here", method: .get) { r throws in
                #expect(r.status == .notFound)
                #expect(r.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test func configNamesTheCityAndTheCredit() async throws {
        try await withApp { client in
            try await client.execute(uri: "/api/config", method: .get) { r throws in
                let body = try json(r)
                #expect((body["city"] as? [String: Any])?["code"] as? String == "27224")
                #expect((body["attribution"] as? [String])?.contains("「都市計画決定GISデータ」（国土交通省）を加工して作成") == true)
            }
        }
    }
}
