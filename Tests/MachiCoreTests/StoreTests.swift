import Foundation
import GRDB
import MachiTestSupport
import Testing

@testable import MachiCore
@testable import MachiGeometry

@Suite struct StoreTests {
    @Test func createsSpatiaLiteStoreInWALWithSpatialIndexes() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        try env.store.pool.read { db throws in
            #expect(try String.fetchOne(db, sql: "PRAGMA journal_mode") == "wal")
            #expect(try String.fetchOne(db, sql: "SELECT spatialite_version()")?.hasPrefix("5.") == true)
            let gc = try Row.fetchOne(
                db, sql: "SELECT srid, geometry_type, spatial_index_enabled FROM geometry_columns WHERE f_table_name = 'sewer_pipes'")
            #expect(gc?["srid"] == 6674)
            #expect(gc?["geometry_type"] == 2)  // LINESTRING XY
            #expect(gc?["spatial_index_enabled"] == 1)
            #expect(try db.tableExists("idx_sewer_pipes_geom"))
            #expect(try db.tableExists("idx_manholes_geom"))
            #expect(try db.indexes(on: "sewer_pipes").contains { $0.columns == ["pipe_no"] && $0.isUnique })
        }
    }

    @Test func reopeningKeepsDataAndAddsNewAttributesFromTheLayerFile() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let path = try env.write(
            "p.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-1", coords: [(135.566, 34.776), (135.5665, 34.776)])]))
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: path)
        #expect(r.committed && r.loaded == 1)

        // A city adds an attribute by editing the layer file only.
        let layerFile = env.dir.appendingPathComponent("layers/sewer_pipes.yaml")
        var yaml = try String(contentsOf: layerFile, encoding: .utf8)
        yaml = yaml.replacingOccurrences(
            of: "import:", with: "  - {key: inspected_year, type: integer, label: 調査年度}\nimport:")
        try yaml.write(to: layerFile, atomically: true, encoding: .utf8)
        let reopened = try Store(
            path: env.store.path, catalog: try LayerCatalog.load(directory: env.dir.appendingPathComponent("layers").path))
        try reopened.pool.read { db throws in
            #expect(try db.columns(in: "sewer_pipes").contains { $0.name == "inspected_year" })
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sewer_pipes") == 1)
        }
    }

    @Test func layerFileErrorsNameTheFileAndField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("machigis-layers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            at: TestEnvironment.repoRoot.appendingPathComponent("layers/city.yaml"), to: dir.appendingPathComponent("city.yaml"))
        try """
        name: bad
        title: {ja: 不正}
        geometry: Curve
        attributes: []
        """.write(to: dir.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        #expect {
            try LayerCatalog.load(directory: dir.path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("bad.yaml") && text.contains("geometry") && text.contains("Curve")
        }
    }

    @Test func storedGeometryIsReadableBySpatiaLiteSQL() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let path = try env.write(
            "p.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-1", coords: [(135.566, 34.776), (135.567, 34.777)])]))
        _ = try Importer(store: env.store).run(layer: "sewer_pipes", path: path)
        try env.store.pool.read { db throws in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT ST_SRID(geom) srid, ST_IsValid(geom) valid, GeometryType(geom) type, ST_Length(geom) len, length_m,
                           X(ST_StartPoint(Transform(geom, 4326))) lon
                    FROM sewer_pipes
                    """)!
            #expect(row["srid"] == 6674)
            #expect(row["valid"] == 1)
            #expect(row["type"] == "LINESTRING")
            let len: Double = row["len"]
            let stored: Double = row["length_m"]
            #expect(abs(len - stored) < 0.01)
            // ~ 91.6 m east and 111 m north: about 144 m.
            #expect(len > 140 && len < 148)
            let lon: Double = row["lon"]
            #expect(abs(lon - 135.566) < 1e-7)
        }
    }
}
