import Foundation
import GRDB
import MachiCore
import MachiGeometry
import MachiTestSupport
import MachiTiles
import Testing

/// Tiles rendered from the sample ledger in a real SpatiaLite store, read back with the
/// test decoder and compared with the database.
@Suite struct TileRenderingTests {
    /// The z16 tile holding the sample ledger's first pipe.
    func busyTile(_ env: TestEnvironment, z: Int = 16) throws -> TileID {
        let g: Geometry = try env.store.pool.read { db in
            let blob = try Data.fetchOne(db, sql: "SELECT geom FROM sewer_pipes ORDER BY fid LIMIT 1")!
            return try SpatiaLiteBlob.decode(Array(blob)).geometry
        }
        let p = try env.store.toLonLat.transform(g).positions[0]
        return TileID(z: z, x: Int(WebMercator.tileX(lon: p.x, z: z)), y: Int(WebMercator.tileY(lat: p.y, z: z)))!
    }

    @Test func layersAttributesAndIdsComeFromTheLayerFiles() throws {
        let env = try TestEnvironment.withSampleLedger()
        let layers = [try env.store.layer("sewer_pipes"), try env.store.layer("manholes")]
        let tile = try busyTile(env)
        let rendered = try TileRenderer(store: env.store).render(layers, tile: tile)
        let decoded = DecodedTile(rendered.bytes)
        #expect(decoded.layers.map(\.name) == ["sewer_pipes", "manholes"])
        for (l, def) in zip(decoded.layers, layers) {
            #expect(l.version == 2 && l.extent == 4096)
            #expect(Set(l.keys).isSubset(of: Set(def.attributes.map(\.key))))
            #expect(!l.features.isEmpty)
            #expect(l.features.allSatisfy { $0.type == (def.geometryType == .point ? 1 : 2) })
        }
        // Attribute values are the stored ones.
        let pipes = decoded.layers[0]
        for f in pipes.features.prefix(20) {
            let row = try #require(
                try env.store.pool.read { db in
                    try Row.fetchOne(
                        db, sql: "SELECT pipe_no, system, diameter_mm, length_m FROM sewer_pipes WHERE fid = ?", arguments: [f.id])
                })
            let props = pipes.properties(f)
            #expect(props["pipe_no"] == .string(row["pipe_no"]))
            #expect(props["system"] == .string(row["system"]))
            if let d: Int64 = row["diameter_mm"] { #expect(props["diameter_mm"] == .int(d)) }
            if let len: Double = row["length_m"] { #expect(props["length_m"] == .double(len)) }
        }
    }

    /// Every decoded vertex lies within one tile unit of the stored geometry, and every pipe
    /// with a vertex inside the tile is in it.
    @Test func coordinatesRoundTripWithinOneTileUnit() throws {
        let env = try TestEnvironment.withSampleLedger()
        let pipes = try env.store.layer("sewer_pipes")
        let tile = try busyTile(env, z: 17)
        let decoded = DecodedTile(try TileRenderer(store: env.store).render([pipes], tile: tile).bytes)
        let projection = TileProjection(tile: tile)
        let all: [(Int64, [Position])] = try env.store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT fid, geom FROM sewer_pipes").map { row in
                let g = try SpatiaLiteBlob.decode(Array(row["geom"] as Data)).geometry
                return (row["fid"], try env.store.toLonLat.transform(g).positions.map(projection.project))
            }
        }
        let byId = Dictionary(uniqueKeysWithValues: all)
        let layer = try #require(decoded.layers.first)
        for f in layer.features {
            let source = try #require(byId[Int64(f.id!)])
            for part in DecodedTile.parts(f.geometry) {
                #expect(part.count >= 2)
                for p in part {
                    let d = distance(Position(Double(p.x), Double(p.y)), to: source)
                    #expect(d <= 1.0, "feature \(f.id!) vertex \(p) is \(d) units off")
                }
            }
        }
        let inside = all.filter { $0.1.contains { $0.x > 0 && $0.x < 4096 && $0.y > 0 && $0.y < 4096 } }.map { UInt64($0.0) }
        #expect(!inside.isEmpty)
        #expect(Set(inside).isSubset(of: Set(layer.features.compactMap(\.id))))
    }

    func distance(_ p: Position, to line: [Position]) -> Double {
        var best = Double.infinity
        for i in 1..<line.count {
            let a = line[i - 1]
            let b = line[i]
            let dx = b.x - a.x
            let dy = b.y - a.y
            let t = dx == 0 && dy == 0 ? 0 : max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / (dx * dx + dy * dy)))
            best = min(best, hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy)))
        }
        return best
    }

    @Test func tileFarFromTheCityIsEmpty() throws {
        let env = try TestEnvironment.withSampleLedger()
        let r = try TileRenderer(store: env.store).render([try env.store.layer("sewer_pipes")], tile: TileID(z: 16, x: 58_000, y: 25_000)!)
        #expect(r.bytes.isEmpty && r.candidates == 0)
    }

    /// `--out` pointed at a folder the export did not write: refused, nothing deleted; a
    /// folder it wrote (with the marker) is exported into again.
    @Test func exportRefusesAFolderItDidNotWrite() throws {
        let env = try TestEnvironment.withSampleLedger()
        let fm = FileManager.default
        let foreign = env.dir.appendingPathComponent("site-\(UUID().uuidString)")
        try fm.createDirectory(at: foreign.appendingPathComponent("15"), withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: foreign.appendingPathComponent("15/index.html"))
        // Manholes appear from their layer file's minzoom (15).
        var options = TileExportOptions(layers: [try env.store.layer("manholes")], minZoom: 15, maxZoom: 15)
        options.directory = foreign.path
        let e = #expect(throws: TileExportError.self) { try TileExporter(store: env.store).run(options) }
        #expect(e?.description.contains(".machigis-tiles") == true)
        #expect(try String(contentsOf: foreign.appendingPathComponent("15/index.html"), encoding: .utf8) == "keep")
        #expect(!fm.fileExists(atPath: foreign.appendingPathComponent("tilejson.json").path))

        let mine = env.dir.appendingPathComponent("tiles-\(UUID().uuidString)")
        options.directory = mine.path
        let first = try TileExporter(store: env.store).run(options)
        #expect(fm.fileExists(atPath: mine.appendingPathComponent(TileExporter.marker).path))
        let again = try TileExporter(store: env.store).run(options)
        #expect(again.tiles == first.tiles && first.tiles > 0)
    }

    @Test func exportWritesOnlyTilesWithDataAndAMatchingMBTiles() throws {
        let env = try TestEnvironment.withSampleLedger()
        let out = env.dir.appendingPathComponent("export-\(UUID().uuidString)")
        var options = TileExportOptions(
            layers: [try env.store.layer("sewer_pipes"), try env.store.layer("manholes")], minZoom: 12, maxZoom: 15)
        options.directory = out.path
        options.mbtiles = out.path + ".mbtiles"
        options.baseURL = "https://tiles.example.jp/settsu"
        let report = try TileExporter(store: env.store).run(options)
        defer { try? FileManager.default.removeItem(at: out) }

        let files = try FileManager.default.subpathsOfDirectory(atPath: out.path).filter { $0.hasSuffix(".mvt") }
        #expect(files.count == report.tiles)
        // Pipes start at z13 and manholes at z15 (layer files): z12 is empty, yet the export went on down.
        #expect((report.tilesPerZoom[12] ?? 0) == 0)
        #expect((report.tilesPerZoom[13] ?? 0) >= 1)
        #expect((report.tilesPerZoom[15] ?? 0) > (report.tilesPerZoom[14] ?? 0))
        for f in files {
            let bytes = [UInt8](try Data(contentsOf: out.appendingPathComponent(f)))
            #expect(DecodedTile(bytes).layers.contains { !$0.features.isEmpty }, "\(f) has data")
        }

        let tilejson = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("tilejson.json"))) as? [String: Any])
        #expect(tilejson["tilejson"] as? String == "3.0.0")
        #expect(tilejson["tiles"] as? [String] == ["https://tiles.example.jp/settsu/{z}/{x}/{y}.mvt"])
        #expect((tilejson["vector_layers"] as? [[String: Any]])?.map { $0["id"] as? String } == ["sewer_pipes", "manholes"])

        let db = try DatabaseQueue(path: out.path + ".mbtiles")
        let rows = try db.read { try Row.fetchAll($0, sql: "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles") }
        #expect(rows.count == report.tiles)
        for row in rows.prefix(10) {
            let z: Int = row[0]
            let x: Int = row[1]
            let y = (1 << z) - 1 - (row[2] as Int)
            let file = [UInt8](try Data(contentsOf: out.appendingPathComponent("\(z)/\(x)/\(y).mvt")))
            #expect(Gzip.decompress([UInt8](row[3] as Data)) == file, "TMS rows, gzip blobs")
        }
        let format = try db.read { try String.fetchOne($0, sql: "SELECT value FROM metadata WHERE name = 'format'") }
        #expect(format == "pbf")
    }
}
