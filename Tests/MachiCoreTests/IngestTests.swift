import Foundation
import GRDB
import MachiTestSupport
import Testing

@testable import MachiCore
@testable import MachiFormats
@testable import MachiGeometry

@Suite struct IngestTests {
    let center = (135.566, 34.776)

    func line(_ dx: Double) -> [(Double, Double)] {
        [(center.0 + dx, center.1), (center.0 + dx + 0.0005, center.1)]
    }

    @Test func geoJSONLoadsAllAttributesAndComputesLength() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let path = try env.write(
            "pipes.geojson",
            FixtureJSON.collection([
                FixtureJSON.pipe("S-00001", coords: line(0), extra: #","slope_permille":3.5,"upstream_mh":"SM-1","downstream_mh":"SM-2""#),
                FixtureJSON.pipe("S-00002", system: "雨水", coords: line(0.001), extra: #","length_m":12.5"#),
            ]))
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: path)
        #expect(r.committed)
        #expect(r.read == 2 && r.loaded == 2 && r.rejected == 0)
        try env.store.pool.read { db throws in
            let a = try Row.fetchOne(db, sql: "SELECT * FROM sewer_pipes WHERE pipe_no = 'S-00001'")!
            #expect(a["system"] == "汚水")
            #expect(a["diameter_mm"] == 250)
            #expect(a["slope_permille"] == 3.5)
            #expect(a["upstream_mh"] == "SM-1")
            let computed: Double = a["length_m"]
            #expect(computed > 45 && computed < 47)  // 0.0005° of longitude at 34.78°N ≈ 45.8 m
            let b = try Row.fetchOne(db, sql: "SELECT length_m FROM sewer_pipes WHERE pipe_no = 'S-00002'")!
            #expect(b["length_m"] == 12.5)  // a surveyed length wins over the computed one
            #expect(try Int.fetchOne(db, sql: "SELECT data_version FROM machi_layers WHERE name = 'sewer_pipes'") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT feature_count FROM machi_layers WHERE name = 'sewer_pipes'") == 2)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM idx_sewer_pipes_geom") == 2)
            // The bulk-built spatial index is a well-formed R*Tree (SQLite's own checker).
            #expect(try String.fetchOne(db, sql: "SELECT rtreecheck('idx_sewer_pipes_geom')") == "ok")
            let triggers = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'sewer_pipes' ORDER BY name")
            #expect(triggers.count == 8, "SpatiaLite's triggers are restored after a replace: \(triggers)")
        }
    }

    @Test func cp932ManholeCSVWithPlaneXYImportsThroughTheLayerAliases() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        // Plane CS zone VI, survey order: X = northing, Y = easting. Settsu is ~136 km south, ~40 km west of the origin.
        let text =
            "人孔番号,排除方式,深さ,地盤高,布設年度,X,Y\r\nＳＭ－０００１,汚水,2.35,5.10,1985,-135012.5,-40120.25\r\nSM-0002,合流,１．８０,4.9,１９７０,-135050.0,-40100.0\r\n"
        let path = try env.write("mh.csv", bytes: try cp932(text))
        let r = try Importer(store: env.store).run(layer: "manholes", path: path)
        #expect(r.committed, "\(r.issues)")
        #expect(r.loaded == 2)
        try env.store.pool.read { db throws in
            let row = try Row.fetchOne(
                db, sql: "SELECT mh_no, system, depth_m, install_year, X(geom) x, Y(geom) y FROM manholes ORDER BY fid")!
            #expect(row["mh_no"] == "ＳＭ－０００１")  // kept as written; search normalises full width
            #expect(row["system"] == "汚水")
            #expect(row["depth_m"] == 2.35)
            #expect(row["install_year"] == 1985)
            #expect(row["x"] == -40120.25)  // easting from the Y column
            #expect(row["y"] == -135012.5)  // northing from the X column
            let second = try Row.fetchOne(db, sql: "SELECT depth_m, install_year FROM manholes WHERE mh_no = 'SM-0002'")!
            #expect(second["depth_m"] == 1.8)  // full-width digits read as numbers
            #expect(second["install_year"] == 1970)
        }
    }

    @Test func shapefileWithCP932DBFImports() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let shp = env.dir.appendingPathComponent("pipes.shp").path
        try writePipeShapefile(at: shp, pipes: [("U-001", "雨水"), ("G-001", "合流")])
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: shp)
        #expect(r.committed, "\(r.issues)")
        #expect(r.loaded == 2)
        try env.store.pool.read { db throws in
            #expect(try String.fetchOne(db, sql: "SELECT system FROM sewer_pipes WHERE pipe_no = 'G-001'") == "合流")
            #expect(try Int.fetchOne(db, sql: "SELECT diameter_mm FROM sewer_pipes WHERE pipe_no = 'U-001'") == 600)
        }
    }

    /// Every bad input is refused with a message naming the feature and field, and leaves
    /// the layer exactly as it was.
    @Test(arguments: BadInput.allCases)
    func badInputIsRejectedAndChangesNothing(_ bad: BadInput) throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let seed = try env.write("seed.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-SEED", coords: line(0.002))]))
        let areaSeed = try env.write(
            "areas.geojson",
            #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"area_no":"A0"},"geometry":{"type":"Polygon","coordinates":[[[135.56,34.77],[135.561,34.77],[135.561,34.771],[135.56,34.77]]]}}]}"#
        )
        #expect(try Importer(store: env.store).run(layer: "sewer_pipes", path: seed).committed)
        #expect(try Importer(store: env.store).run(layer: "test_areas", path: areaSeed).committed)
        let before = try env.fingerprint(bad.layer)
        let version = try env.store.dataVersion(bad.layer)

        let path = try bad.write(env, self)
        var options = ImportOptions()
        options.mode = bad.mode
        do {
            let r = try Importer(store: env.store).run(layer: bad.layer, path: path, options: options)
            #expect(!r.committed)
            let text = r.issues.map(\.description).joined(separator: "\n")
            #expect(text.contains(bad.expected), "got: \(text)")
        } catch let e as ImportError {
            #expect(e.description.contains(bad.expected), "got: \(e.description)")
        }
        #expect(try env.fingerprint(bad.layer) == before)
        #expect(try env.store.dataVersion(bad.layer) == version)
    }

    enum BadInput: String, CaseIterable, Sendable {
        case malformedJSON, wrongGeometryType, selfIntersectingRing, outOfArea, missingRequired, notAllowedValue, duplicateKeyInFile,
            duplicateKeyInLayer, nonNumeric, truncatedShapefile

        var layer: String { self == .selfIntersectingRing ? "test_areas" : "sewer_pipes" }
        var mode: ImportMode { self == .duplicateKeyInLayer ? .append : .replace }

        var expected: String {
            switch self {
            case .malformedJSON: "line 3"
            case .wrongGeometryType: "feature 1, field \"geometry\": expected LineString, got Point"
            case .selfIntersectingRing: "feature 0, field \"geometry\": invalid geometry: Self-intersection[135.565 34.775]"
            case .outOfArea: "feature 0, field \"geometry\": coordinate (139.76, 35.68) is outside the 摂津市 extent"
            case .missingRequired: "feature 1, field \"system\": required 排除方式 is missing"
            case .notAllowedValue: "feature 0, field \"system\": \"混合\" is not one of 合流 / 汚水 / 雨水"
            case .duplicateKeyInFile: "feature 2, field \"pipe_no\": duplicate key \"S-2\" (appears earlier in the file)"
            case .duplicateKeyInLayer: "feature 0, field \"pipe_no\": duplicate key \"S-SEED\" (already in layer sewer_pipes)"
            case .nonNumeric: "feature 0, field \"diameter_mm\": \"太い\" is not an integer"
            case .truncatedShapefile: "truncated"
            }
        }

        func write(_ env: TestEnvironment, _ t: IngestTests) throws -> String {
            switch self {
            case .malformedJSON:
                return try env.write(
                    "bad.geojson",
                    "{\"type\":\"FeatureCollection\",\"features\":[\n" + FixtureJSON.pipe("S-1", coords: t.line(0))
                        + ",\n{\"type\":\"Feature\",,}\n]}")
            case .wrongGeometryType:
                return try env.write(
                    "bad.geojson",
                    FixtureJSON.collection([
                        FixtureJSON.pipe("S-1", coords: t.line(0)),
                        #"{"type":"Feature","properties":{"pipe_no":"S-2","system":"汚水"},"geometry":{"type":"Point","coordinates":[135.566,34.776]}}"#,
                    ]))
            case .selfIntersectingRing:
                return try env.write(
                    "bad.geojson",
                    #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"area_no":"A1"},"geometry":{"type":"Polygon","coordinates":[[[135.56,34.77],[135.57,34.78],[135.57,34.77],[135.56,34.78],[135.56,34.77]]]}}]}"#
                )
            case .outOfArea:
                return try env.write(
                    "bad.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-1", coords: [(139.76, 35.68), (139.761, 35.68)])]))
            case .missingRequired:
                return try env.write(
                    "bad.geojson",
                    FixtureJSON.collection([
                        FixtureJSON.pipe("S-1", coords: t.line(0)),
                        #"{"type":"Feature","properties":{"pipe_no":"S-2"},"geometry":{"type":"LineString","coordinates":[[135.566,34.776],[135.567,34.776]]}}"#,
                    ]))
            case .notAllowedValue:
                return try env.write("bad.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-1", system: "混合", coords: t.line(0))]))
            case .duplicateKeyInFile:
                return try env.write(
                    "bad.geojson",
                    FixtureJSON.collection([
                        FixtureJSON.pipe("S-1", coords: t.line(0)), FixtureJSON.pipe("S-2", coords: t.line(0.001)),
                        FixtureJSON.pipe("S-2", coords: t.line(0.002)),
                    ]))
            case .duplicateKeyInLayer:
                return try env.write("bad.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-SEED", coords: t.line(0))]))
            case .nonNumeric:
                return try env.write(
                    "bad.geojson",
                    #"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"pipe_no":"S-1","system":"汚水","diameter_mm":"太い"},"geometry":{"type":"LineString","coordinates":[[135.566,34.776],[135.567,34.776]]}}]}"#
                )
            case .truncatedShapefile:
                let shp = env.dir.appendingPathComponent("cut.shp").path
                try t.writePipeShapefile(at: shp, pipes: [("U-001", "雨水"), ("U-002", "雨水"), ("U-003", "雨水")])
                let data = try Data(contentsOf: URL(fileURLWithPath: shp))
                try data.prefix(data.count - 20).write(to: URL(fileURLWithPath: shp))
                return shp
            }
        }
    }

    @Test func skipInvalidLoadsTheGoodOnesAndReportsTheRest() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let path = try env.write(
            "mixed.geojson",
            FixtureJSON.collection([
                FixtureJSON.pipe("S-1", coords: line(0)), FixtureJSON.pipe("S-2", system: "?", coords: line(0.001)),
                FixtureJSON.pipe("S-3", coords: line(0.002)),
            ]))
        var options = ImportOptions()
        options.skipInvalid = true
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: path, options: options)
        #expect(r.committed)
        #expect(r.read == 3 && r.loaded == 2 && r.rejected == 1)
        #expect(r.issues.map(\.description) == ["feature 1, field \"system\": \"?\" is not one of 合流 / 汚水 / 雨水"])
        #expect(try env.count("sewer_pipes") == 2)
    }

    @Test func upsertUpdatesByKeyAndAppendAdds() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let first = try env.write("a.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-1", coords: line(0))]))
        _ = try Importer(store: env.store).run(layer: "sewer_pipes", path: first)
        let second = try env.write(
            "b.geojson",
            FixtureJSON.collection([
                FixtureJSON.pipe("S-1", system: "合流", coords: line(0)), FixtureJSON.pipe("S-9", coords: line(0.003)),
            ]))
        var options = ImportOptions()
        options.mode = .upsert
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: second, options: options)
        #expect(r.committed && r.loaded == 2)
        #expect(try env.count("sewer_pipes") == 2)
        try env.store.pool.read { db throws in
            #expect(try String.fetchOne(db, sql: "SELECT system FROM sewer_pipes WHERE pipe_no = 'S-1'") == "合流")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM idx_sewer_pipes_geom") == 2)
        }
        // replace empties the layer first
        let third = try env.write("c.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-5", coords: line(0.004))]))
        _ = try Importer(store: env.store).run(layer: "sewer_pipes", path: third)
        #expect(try env.count("sewer_pipes") == 1)
    }

    /// A replace that would leave the layer empty is far likelier a wrong file than a wish.
    @Test(arguments: ["empty", "no features", "all rejected"])
    func aReplaceThatLoadsNothingLeavesTheLayerAlone(_ what: String) throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let first = try env.write("a.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-1", coords: line(0))]))
        #expect(try Importer(store: env.store).run(layer: "sewer_pipes", path: first).committed)
        var options = ImportOptions()
        let path: String
        switch what {
        case "empty": path = try env.write("e.geojson", "")
        case "no features": path = try env.write("e.geojson", FixtureJSON.collection([]))
        default:
            options.skipInvalid = true
            path = try env.write("e.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-2", system: "?", coords: line(0.001))]))
        }
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: path, options: options)
        #expect(!r.committed && r.emptyRefused)
        #expect(r.summary.contains("would have emptied the layer"))
        #expect(try env.count("sewer_pipes") == 1)
    }

    /// A file with fewer columns (a shapefile export, a partial survey) must not blank the rest.
    @Test func upsertChangesOnlyTheColumnsTheFileHas() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let first = try env.write(
            "a.geojson",
            FixtureJSON.collection([
                FixtureJSON.pipe("S-1", coords: line(0), extra: #","slope_permille":3.5,"upstream_mh":"SM-1","treatment_area":"中央""#)
            ]))
        #expect(try Importer(store: env.store).run(layer: "sewer_pipes", path: first).committed)
        let second = try env.write(
            "b.geojson",
            FixtureJSON.collection([FixtureJSON.pipe("S-1", system: "合流", coords: line(0), extra: #","upstream_mh":null"#)]))
        var options = ImportOptions()
        options.mode = .upsert
        #expect(try Importer(store: env.store).run(layer: "sewer_pipes", path: second, options: options).committed)
        try env.store.pool.read { db throws in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM sewer_pipes WHERE pipe_no = 'S-1'"))
            #expect(row["system"] == "合流")
            #expect(row["slope_permille"] == 3.5)
            #expect(row["treatment_area"] == "中央")
            #expect((row["upstream_mh"] as String?) == nil, "a column present but empty is cleared")
        }
    }

    /// DBF field names are cut at 10 bytes by every shapefile writer.
    @Test func columnNamesCutToTenBytesFindTheirAttribute() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let path = try env.write(
            "a.geojson",
            FixtureJSON.collection([FixtureJSON.pipe("S-1", coords: line(0), extra: #","slope_perm":4.5,"treatment_":"北部""#)]))
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: path)
        #expect(r.committed && r.unknownColumns.isEmpty, "\(r.unknownColumns)")
        try env.store.pool.read { db throws in
            #expect(try Double.fetchOne(db, sql: "SELECT slope_permille FROM sewer_pipes") == 4.5)
            #expect(try String.fetchOne(db, sql: "SELECT treatment_area FROM sewer_pipes") == "北部")
        }
    }

    /// --srid names the file's CRS, so a crs member hidden far from the file's end is not
    /// checked against what the features were read as.
    @Test func explicitSRIDWinsOverALateCRSMember() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let filler = String(repeating: "x", count: 70_000)
        let feature =
            #"{"type":"Feature","properties":{"mh_no":"M-1","system":"汚水"},"geometry":{"type":"Point","coordinates":[-40120.25,-135012.5]}}"#
        let path = try env.write(
            "late.geojson",
            #"{"type":"FeatureCollection","features":[\#(feature)],"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::6669"}},"note":"\#(filler)"}"#
        )
        var options = ImportOptions()
        options.srid = 6674
        let r = try Importer(store: env.store).run(layer: "manholes", path: path, options: options)
        #expect(r.committed, "\(r.issues)")
        #expect(try env.count("manholes") == 1)
    }

    @Test func textWithANulIsRefusedNotCut() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let path = try env.write(
            "a.geojson", FixtureJSON.collection([FixtureJSON.pipe("S-1", coords: line(0), extra: #","treatment_area":"A\u0000B""#)]))
        let r = try Importer(store: env.store).run(layer: "sewer_pipes", path: path)
        #expect(!r.committed)
        #expect(r.issues.map(\.description) == ["feature 0, field \"treatment_area\": contains a NUL character (U+0000)"])
    }

    func writePipeShapefile(at path: String, pipes: [(String, String)]) throws {
        try writeTestPipeShapefile(at: path, pipes: pipes, around: center)
    }
}
