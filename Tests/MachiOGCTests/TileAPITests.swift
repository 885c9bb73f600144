import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiGeometry
import MachiTestSupport
import MachiTiles
import Testing

/// Vector tiles over HTTP: caching headers, conditional requests, gzip, empty tiles,
/// TileJSON, and ETags that change when a layer is re-imported.
@Suite struct TileAPITests {
    static func tileOf(_ p: Position, z: Int) -> String {
        "\(z)/\(Int(WebMercator.tileX(lon: p.x, z: z)))/\(Int(WebMercator.tileY(lat: p.y, z: z)))"
    }

    @Test func tileWithETag304GzipAnd204() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let first = try #require(try lonLat(env, "sewer_pipes").first)
        let tile = Self.tileOf(first.2.positions[0], z: 16)
        try await withApp(env) { client in
            let r = try await client.get("/tiles/sewer_pipes,manholes/\(tile).mvt")
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "application/vnd.mapbox-vector-tile")
            #expect(r.headers[.cacheControl] == "public, max-age=60")
            let etag = try #require(r.headers[.eTag])
            #expect(r.body.readableBytes > 100)
            #expect(r.headers[.contentEncoding] == nil)

            let again = try await client.get("/tiles/sewer_pipes,manholes/\(tile).mvt", [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
            #expect(again.headers[.eTag] == etag)
            #expect(try await client.get("/tiles/sewer_pipes,manholes/\(tile).mvt", [.ifNoneMatch: "W/\(etag)"]).status == .notModified)
            #expect(try await client.get("/tiles/sewer_pipes,manholes/\(tile).mvt", [.ifNoneMatch: "\"other\""]).status == .ok)
            #expect(
                try await client.get("/tiles/sewer_pipes/\(tile).mvt", [.ifNoneMatch: etag]).status == .ok,
                "another layer set, another ETag")

            let gz = try await client.get("/tiles/sewer_pipes,manholes/\(tile).mvt", [.acceptEncoding: "gzip, deflate"])
            #expect(gz.headers[.contentEncoding] == "gzip")
            #expect(gz.headers[.eTag] != etag)
            #expect(Gzip.decompress(Array(buffer: gz.body)) == Array(buffer: r.body))

            let empty = try await client.get("/tiles/sewer_pipes/16/58000/25000.mvt")
            #expect(empty.status == .noContent)
            #expect(empty.headers[.eTag] != nil)

            #expect(try await client.get("/tiles/sewer_pipes/3/9/1.mvt").status == .badRequest)
            #expect(try await client.get("/tiles/sewer_pipes/25/0/0.mvt").status == .badRequest)
            #expect(try await client.get("/tiles/no_such/16/58000/25000.mvt").status == .notFound)
        }
    }

    @Test func tileJSONDescribesTheLayers() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let layer = try env.store.layer("manholes")
        try await withApp(env) { client in
            let r = try await client.get("/tiles/manholes.json")
            #expect(r.status == .ok)
            let doc = try json(r)
            #expect(doc["tilejson"] as? String == "3.0.0")
            #expect((doc["tiles"] as? [String])?.first?.hasSuffix("/tiles/manholes/{z}/{x}/{y}.mvt") == true)
            let vl = try #require((doc["vector_layers"] as? [[String: Any]])?.first)
            #expect(vl["id"] as? String == "manholes")
            #expect(Set((vl["fields"] as? [String: String])?.keys.map { $0 } ?? []) == Set(layer.attributes.map(\.key)))
            let bounds = try #require(doc["bounds"] as? [Double])
            #expect(env.store.city.extent.contains(BoundingBox(minX: bounds[0], minY: bounds[1], maxX: bounds[2], maxY: bounds[3])))
        }
    }

    /// A new import bumps the layer's data version: its tiles get a new ETag, a client's old
    /// ETag no longer matches, and the OGC counts follow.
    @Test func reimportChangesTheETag() async throws {
        let env = try TestEnvironment(extraLayers: false)
        defer { env.cleanup() }
        @Sendable func load(_ coords: [[(Double, Double)]]) throws {
            let fc = FixtureJSON.collection(coords.enumerated().map { FixtureJSON.pipe("T-\($0.offset)", coords: $0.element) })
            let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: try env.write("p.geojson", fc))
            #expect(r.committed)
        }
        try load([[(135.5600, 34.7700), (135.5610, 34.7705)]])
        let tile = Self.tileOf(Position(135.5605, 34.77025), z: 15)
        try await withApp(env) { client in
            let before = try await client.get("/tiles/sewer_pipes/\(tile).mvt")
            let etag = try #require(before.headers[.eTag])
            #expect(
                try json(try await client.get("/ogc/collections/sewer_pipes/items?system=%E6%B1%9A%E6%B0%B4"))["numberMatched"] as? Int == 1
            )
            try load([[(135.5600, 34.7700), (135.5610, 34.7705)], [(135.5601, 34.7701), (135.5609, 34.7704)]])
            let after = try await client.get("/tiles/sewer_pipes/\(tile).mvt", [.ifNoneMatch: etag])
            #expect(after.status == .ok)
            #expect(after.headers[.eTag] != etag)
            #expect(
                try json(try await client.get("/ogc/collections/sewer_pipes/items?system=%E6%B1%9A%E6%B0%B4"))["numberMatched"] as? Int == 2
            )
        }
    }
}
