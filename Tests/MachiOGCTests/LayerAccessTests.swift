import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiGeometry
import MachiTestSupport
import MachiTiles
import Testing

/// Each layer's `access` rule on every OGC and tile endpoint, with real bearer tokens:
/// anonymous callers cannot tell a staff layer exists (404, not listed), staff without the
/// role get 403, staff with it read the layer.
@Suite struct LayerAccessTests {
    static let staffPaths = [
        "/ogc/collections/test_areas", "/ogc/collections/test_areas/items", "/ogc/collections/test_areas/items/A-1",
        "/ogc/collections/test_areas/queryables", "/ogc/collections/test_areas/schema", "/tiles/test_areas.json",
        "/tiles/test_areas/16/57447/26016.mvt", "/tiles/sewer_pipes,test_areas/16/57447/26016.mvt",
    ]

    @Test func anonymousCallersSeeNoStaffLayer() async throws {
        let f = try StaffFixture.make()
        defer { f.env.cleanup() }
        try await withApp(f.env) { client in
            let ids = (try json(try await client.get("/ogc/collections"))["collections"] as? [[String: Any]])?.compactMap {
                $0["id"] as? String
            }
            #expect(ids?.contains("sewer_pipes") == true)
            #expect(ids?.contains("test_areas") == false)
            #expect(ids?.contains("parking_incidents") == false)
            let api = String(buffer: try await client.get("/ogc/api").body)
            #expect(!api.contains("test_areas"))
            for path in Self.staffPaths {
                let r = try await client.get(path)
                #expect(r.status == .notFound, "\(path)")
                let missing = try await client.get(path.replacingOccurrences(of: "test_areas", with: "zz_areas"))
                #expect(
                    String(buffer: missing.body).replacingOccurrences(of: "zz_areas", with: "test_areas") == String(buffer: r.body),
                    "the same answer as for a layer that does not exist: \(path)")
            }
        }
    }

    @Test func staffWithoutTheRoleGet403() async throws {
        let f = try StaffFixture.make()
        defer { f.env.cleanup() }
        try await withApp(f.env) { client in
            let ids = (try json(try await client.get("/ogc/collections", f.bearer(f.roadToken)))["collections"] as? [[String: Any]])?
                .compactMap { $0["id"] as? String }
            #expect(ids?.contains("parking_incidents") == true, "road_traffic staff see their layer")
            #expect(ids?.contains("test_areas") == false)
            for path in Self.staffPaths {
                #expect(try await client.get(path, f.bearer(f.roadToken)).status == .forbidden, "\(path)")
            }
        }
    }

    @Test func staffWithTheRoleReadTheLayerPolygonsAndHolesIncluded() async throws {
        let f = try StaffFixture.make()
        defer { f.env.cleanup() }
        try await withApp(f.env) { client in
            let admin = f.bearer(f.adminToken)
            let ids = (try json(try await client.get("/ogc/collections", admin))["collections"] as? [[String: Any]])?.compactMap {
                $0["id"] as? String
            }
            #expect(ids?.contains("test_areas") == true)
            let items = try await client.get("/ogc/collections/test_areas/items", admin)
            #expect(items.status == .ok)
            #expect(items.headers[.cacheControl] == "private, no-store")
            let body = try json(items)
            #expect(body["numberMatched"] as? Int == 2)
            let a1 = try #require((body["features"] as? [[String: Any]])?.first { $0["id"] as? String == "A-1" })
            let coords = try #require((a1["geometry"] as? [String: Any])?["coordinates"] as? [[[[Double]]]])
            #expect(coords.count == 2 && coords[0].count == 2, "two parts, the first with a hole")

            let bbox = try json(try await client.get("/ogc/collections/test_areas/items?bbox=135.5615,34.7715,135.5625,34.7725", admin))
            #expect(bbox["numberMatched"] as? Int == 0, "a box inside the hole meets no area")
            let inside = try json(try await client.get("/ogc/collections/test_areas/items?bbox=135.5601,34.7701,135.5602,34.7702", admin))
            #expect(inside["numberMatched"] as? Int == 1)
            let filtered = try json(
                try await client.get("/ogc/collections/test_areas/items?filter=S_INTERSECTS(geometry,POINT(135.562%2034.772))", admin))
            #expect(filtered["numberMatched"] as? Int == 0, "the point is in the hole")

            let tile = TileAPITests.tileOf(Position(135.562, 34.772), z: 15)
            let t = try await client.get("/tiles/test_areas/\(tile).mvt", admin)
            #expect(t.status == .ok)
            #expect(t.headers[.cacheControl] == "private, max-age=60")
            #expect(t.headers[.vary]?.contains("Authorization") == true)
            #expect(try await client.get("/tiles/test_areas.json", admin).status == .ok)
        }
    }
}
