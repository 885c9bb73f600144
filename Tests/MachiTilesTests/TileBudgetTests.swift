import Foundation
import MachiCore
import MachiGeometry
import MachiTestSupport
import MachiTiles
import Testing

/// The byte budget, zoom range, low-zoom merging and simplification of tiles, on a real
/// SpatiaLite store.
@Suite struct TileBudgetTests {
    /// Around the middle of Settsu, far from any tile edge at z14–z16.
    static let origin = Position(135.5655, 34.7755)

    func load(_ env: TestEnvironment, _ features: [String]) throws {
        let r = try Importer(store: env.store).run(
            layer: "sewer_pipes", path: try env.write("p-\(UUID()).geojson", FixtureJSON.collection(features)))
        #expect(r.committed)
    }

    func tile(_ p: Position, z: Int) -> TileID {
        TileID(z: z, x: Int(WebMercator.tileX(lon: p.x, z: z)), y: Int(WebMercator.tileY(lat: p.y, z: z)))!
    }

    /// Length of a decoded feature in tile units.
    func length(_ f: DecodedTile.Feature) -> Double {
        DecodedTile.parts(f.geometry).reduce(0.0) { sum, part in
            sum + zip(part, part.dropFirst()).reduce(0.0) { $0 + hypot(Double($1.1.x - $1.0.x), Double($1.1.y - $1.0.y)) }
        }
    }

    /// 2,000 pipes of lengths from 2 m to 40 m inside one z16 tile: unbudgeted the tile is far
    /// twice 40 KB; with that budget it fits, says how many it left out, and kept the longest.
    @Test func denseTileFitsTheBudgetKeepingTheLongest() throws {
        let env = try TestEnvironment(extraLayers: false)
        defer { env.cleanup() }
        let t = tile(Self.origin, z: 16)
        let b = t.lonLatBounds(buffer: 0, extent: 4096)
        var pipes = [String]()
        for i in 0..<2000 {
            // 50 × 40 pipes spread over the middle of the tile.
            let x = b.minX + (b.maxX - b.minX) * (0.1 + 0.016 * Double(i % 50))
            let y = b.minY + (b.maxY - b.minY) * (0.1 + 0.02 * Double(i / 50))
            let len = (2.0 + Double((i * 7919) % 39)) / 91_600
            pipes.append(FixtureJSON.pipe("D-\(i)", system: ["合流", "汚水", "雨水"][i % 3], coords: [(x, y), (x + len, y)]))
        }
        try load(env, pipes)
        let layer = try env.store.layer("sewer_pipes")
        var renderer = TileRenderer(store: env.store)
        renderer.maxBytes = Int.max
        let full = try renderer.render([layer], tile: t)
        #expect(full.features == 2000 && full.dropped == 0)
        #expect(full.bytes.count > 2 * 40_000)

        renderer.maxBytes = 40_000
        let fitted = try renderer.render([layer], tile: t)
        #expect(fitted.bytes.count <= 40_000)
        #expect(fitted.bytes.count > 30_000, "the budget is used, not wasted")
        #expect(fitted.dropped > 0 && fitted.dropped + fitted.features == 2000)
        let kept = try #require(DecodedTile(fitted.bytes).layers.first).features
        #expect(kept.count == fitted.features)
        let keptIds = Set(kept.compactMap(\.id))
        let all = try #require(DecodedTile(full.bytes).layers.first).features
        let shortestKept = kept.map(length).min() ?? 0
        let longestDropped = all.filter { !keptIds.contains($0.id!) }.map(length).max() ?? 0
        #expect(longestDropped <= shortestKept)
        // The city's default budget applies when nothing overrides it.
        #expect(TileRenderer(store: env.store).budget([layer]) == CityConfig.defaultTileMaxBytes)
    }

    /// Below the layer's minzoom the layer is absent (but the tile still counts candidates, so
    /// an export goes on down); above its maxzoom the ground tolerance stays that of maxzoom.
    @Test func zoomRangeOfTheLayerFile() throws {
        let env = try TestEnvironment(extraLayers: false)
        defer { env.cleanup() }
        // A wiggle of 1 cm every metre: detail below z18's tolerance (half a tile unit, 1.5 cm).
        var coords = [(Double, Double)]()
        for i in 0..<200 { coords.append((Self.origin.x + Double(i) / 91_600, Self.origin.y + (i % 2 == 0 ? 0 : 0.01 / 110_950))) }
        try load(env, [FixtureJSON.pipe("W-1", coords: coords)])
        let layer = try env.store.layer("sewer_pipes")
        #expect(layer.tiles.minZoom == 13 && layer.tiles.maxZoom == 18)
        let renderer = TileRenderer(store: env.store)
        let below = try renderer.render([layer], tile: tile(Self.origin, z: 12))
        #expect(below.bytes.isEmpty && below.candidates > 0)
        #expect(!(try renderer.render([layer], tile: tile(Self.origin, z: 13))).bytes.isEmpty)

        func vertices(_ z: Int) throws -> Int {
            let f = try #require(
                DecodedTile(try renderer.render([layer], tile: tile(Self.origin, z: z)).bytes).layers.first?.features.first)
            return DecodedTile.parts(f.geometry).reduce(0) { $0 + $1.count }
        }
        #expect(Simplify.tolerance(zoom: 20, maxZoom: 18) == Simplify.tolerance(zoom: 18) * 4)
        #expect(try vertices(20) <= (try vertices(18)))
        var unlimited = layer
        unlimited.tiles.maxZoom = 24
        let detailed = try #require(
            DecodedTile(try renderer.render([unlimited], tile: tile(Self.origin, z: 22)).bytes).layers.first?.features.first)
        #expect(DecodedTile.parts(detailed.geometry).reduce(0) { $0 + $1.count } > (try vertices(22)), "beyond maxzoom nothing is added")
    }

    /// Below merge_below, a run of pipes of one system becomes one line through all their
    /// vertices, with only `system`; another system and a pipe elsewhere stay apart.
    @Test func consecutivePipesOfOneSystemMergeAtLowZoom() throws {
        let env = try TestEnvironment(extraLayers: false)
        defer { env.cleanup() }
        let o = Self.origin
        // A zigzag with 100 m legs, so no vertex is simplified away at z14.
        let run = [(o.x, o.y), (o.x + 0.001, o.y + 0.001), (o.x + 0.002, o.y), (o.x + 0.003, o.y + 0.001)]
        try load(
            env,
            [
                FixtureJSON.pipe("M-2", coords: [run[1], run[2]]),  // out of order on purpose
                FixtureJSON.pipe("M-1", coords: [run[0], run[1]]),
                FixtureJSON.pipe("M-3", coords: [run[2], run[3]]),
                FixtureJSON.pipe("R-1", system: "雨水", coords: [run[3], (o.x + 0.004, o.y)]),
                FixtureJSON.pipe("M-4", coords: [(o.x, o.y - 0.002), (o.x + 0.001, o.y - 0.002)]),
            ])
        let layer = try env.store.layer("sewer_pipes")
        let t = tile(o, z: 14)
        let decoded = try #require(DecodedTile(try TileRenderer(store: env.store).render([layer], tile: t).bytes).layers.first)
        #expect(decoded.features.count == 3)
        let projection = TileProjection(tile: t)
        let expected = run.map { projection.round(projection.project(Position($0.0, $0.1))) }
        let merged = try #require(decoded.features.first { DecodedTile.parts($0.geometry).first?.count == 4 })
        #expect(DecodedTile.parts(merged.geometry) == [expected])
        #expect(decoded.properties(merged) == ["system": .string("汚水")])
        let systems = decoded.features.map { decoded.properties($0)["system"] }
        #expect(systems.filter { $0 == .string("雨水") }.count == 1)

        // From z15 every pipe is its own feature again, with all its attributes.
        let z15 = try #require(DecodedTile(try TileRenderer(store: env.store).render([layer], tile: tile(o, z: 15)).bytes).layers.first)
        #expect(z15.features.count == 5)
        #expect(z15.features.allSatisfy { z15.properties($0)["pipe_no"] != nil })
    }

    /// Tiny and nearly straight shapes at every zoom: no line shorter than two distinct
    /// points, no ring under four points or without area, whatever simplification removes.
    @Test func simplificationNeverLeavesDegenerateGeometry() throws {
        let env = try TestEnvironment.withSampleLedger()
        let layers = [try env.store.layer("sewer_pipes"), try env.store.layer("manholes")]
        let renderer = TileRenderer(store: env.store)
        for z in 13...18 {
            let t = tile(Position(135.5445, 34.7778), z: z)
            for layer in DecodedTile(try renderer.render(layers, tile: t).bytes).layers where layer.name == "sewer_pipes" {
                for f in layer.features {
                    for part in DecodedTile.parts(f.geometry) {
                        #expect(part.count >= 2, "z\(z) feature \(f.id ?? 0)")
                        #expect(zip(part, part.dropFirst()).allSatisfy { $0 != $1 }, "z\(z): repeated vertex")
                    }
                }
            }
        }
        // Polygons smaller than the tolerance vanish rather than collapse.
        let projection = TileProjection(tile: TileID(z: 10, x: 897, y: 404)!)
        let c = Position(135.5655, 34.7755)
        let tiny = Geometry.polygon([[c, Position(c.x + 1e-6, c.y), Position(c.x + 1e-6, c.y + 1e-6), c]])
        #expect(projection.geometry(tiny) == nil)
        let sliver = Geometry.polygon([[c, Position(c.x + 0.01, c.y), Position(c.x + 0.02, c.y + 1e-7), c]])
        if case .polygons(let ps)? = projection.geometry(sliver) {
            for rings in ps { for r in rings { #expect(r.count >= 4 && TileGeometry.doubleSignedArea(r) != 0) } }
        }
    }
}
