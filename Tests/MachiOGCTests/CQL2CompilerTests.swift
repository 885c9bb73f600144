import Foundation
import GRDB
import MachiCore
import MachiGeometry
import MachiOGC
import MachiTestSupport
import Testing

/// CQL2 compiled to SQL and run on the sample ledger: each operator gives the count an
/// independent hand-written query gives, type errors point at the operand, and hostile
/// input never reaches the SQL text.
@Suite struct CQL2CompilerTests {
    func compile(_ env: TestEnvironment, _ filter: String, layer: String = "sewer_pipes") throws -> SQLFragment {
        let def = try env.store.layer(layer)
        let store = env.store
        return try CQL2Compiler(layer: def, srid: store.city.srid) { try OGCCRS.crs84.toStorage($0, store: store) }
            .compile(try CQL2Parser.parse(filter))
    }

    func count(_ env: TestEnvironment, _ filter: String, layer: String = "sewer_pipes") throws -> Int {
        let f = try compile(env, filter, layer: layer)
        return try env.store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(layer)\" t WHERE \(f.sql)", arguments: StatementArguments(f.arguments))!
        }
    }

    func sql(_ env: TestEnvironment, _ sql: String, _ args: StatementArguments = []) throws -> Int {
        try env.store.pool.read { try Int.fetchOne($0, sql: sql, arguments: args)! }
    }

    @Test(arguments: [
        ("diameter_mm = 300", "diameter_mm = 300"),
        ("diameter_mm <> 300", "diameter_mm <> 300"),
        ("diameter_mm < 300", "diameter_mm < 300"),
        ("diameter_mm <= 300", "diameter_mm <= 300"),
        ("diameter_mm > 300", "diameter_mm > 300"),
        ("diameter_mm >= 300", "diameter_mm >= 300"),
        ("300 < diameter_mm", "diameter_mm > 300"),
        ("system = '汚水' AND install_year >= 1990", "system = '汚水' AND install_year >= 1990"),
        ("system = '雨水' OR diameter_mm > 1000", "system = '雨水' OR diameter_mm > 1000"),
        ("NOT (system = '合流')", "NOT (system = '合流')"),
        ("pipe_no LIKE 'S-000%'", "pipe_no GLOB 'S-000*'"),
        ("pipe_no LIKE 'S-0000_'", "pipe_no GLOB 'S-0000?'"),
        ("pipe_no NOT LIKE 'S-%'", "pipe_no NOT GLOB 'S-*'"),
        ("pipe_no LIKE 's-%'", "0"),
        ("diameter_mm BETWEEN 250 AND 400", "diameter_mm BETWEEN 250 AND 400"),
        ("diameter_mm NOT BETWEEN 250 AND 400", "diameter_mm NOT BETWEEN 250 AND 400"),
        ("material IN ('VU', 'HP')", "material IN ('VU', 'HP')"),
        ("material NOT IN ('VU', 'HP')", "material NOT IN ('VU', 'HP')"),
        ("width_mm IS NULL", "width_mm IS NULL"),
        ("width_mm IS NOT NULL", "width_mm IS NOT NULL"),
        ("depth_down_m > depth_up_m", "depth_down_m > depth_up_m"),
        ("length_m >= 25.5", "length_m >= 25.5"),
        ("TRUE", "1"),
        ("FALSE OR diameter_mm = 250", "diameter_mm = 250"),
    ])
    func operatorsMatchHandWrittenSQL(_ filter: String, _ expected: String) throws {
        let env = try TestEnvironment.withSampleLedger()
        let want = try sql(env, "SELECT count(*) FROM sewer_pipes WHERE \(expected)")
        #expect(try count(env, filter) == want, "\(filter)")
    }

    @Test func operatorsSelectSomethingInTheSample() throws {
        let env = try TestEnvironment.withSampleLedger()
        for f in ["diameter_mm > 300", "pipe_no LIKE 'S-000%'", "width_mm IS NOT NULL", "material IN ('VU', 'HP')"] {
            #expect(try count(env, f) > 0, "\(f) should match something, or the comparison above proves little")
        }
    }

    @Test func likeIsCaseSensitiveAndEscapesWork() {
        #expect(CQL2Compiler.glob(fromLike: "S-%") == "S-*")
        #expect(CQL2Compiler.glob(fromLike: "a_b") == "a?b")
        #expect(CQL2Compiler.glob(fromLike: "100\\%") == "100%")
        #expect(CQL2Compiler.glob(fromLike: "x\\_y") == "x_y")
        #expect(CQL2Compiler.glob(fromLike: "*?[") == "[*][?][[]")
    }

    @Test func intersectsUsesTheExactGeometry() throws {
        let env = try TestEnvironment.withSampleLedger()
        let box = "POLYGON((135.555 34.770, 135.565 34.770, 135.565 34.780, 135.555 34.780, 135.555 34.770))"
        let got = try count(env, "S_INTERSECTS(geometry, \(box))")
        let want = try sql(
            env,
            "SELECT count(*) FROM sewer_pipes WHERE ST_Intersects(geom, Transform(GeomFromText(?, 4326), 6674)) = 1",
            ["POLYGON((135.555 34.770, 135.565 34.770, 135.565 34.780, 135.555 34.780, 135.555 34.770))"])
        #expect(got == want && got > 0)
        #expect(try count(env, "S_INTERSECTS(geometry, BBOX(135.555, 34.770, 135.565, 34.780))") == want)
        #expect(try count(env, "NOT S_INTERSECTS(geometry, \(box))") == (try env.count("sewer_pipes")) - want)
        #expect(try count(env, "S_INTERSECTS(BBOX(135.555, 34.770, 135.565, 34.780), geom) AND system = '汚水'") <= want)
    }

    @Test func intersectsWithAPointFindsTheManholeThere() throws {
        let env = try TestEnvironment.withSampleLedger()
        let (mh, lonLat): (String, Position) = try env.store.pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT mh_no, geom FROM manholes ORDER BY fid LIMIT 1")!
            let g = try SpatiaLiteBlob.decode(Array(row["geom"] as Data)).geometry
            return (row["mh_no"], try env.store.toLonLat.transform(g).positions[0])
        }
        let f = try compile(
            env, "S_INTERSECTS(geometry, BBOX(\(lonLat.x - 1e-6), \(lonLat.y - 1e-6), \(lonLat.x + 1e-6), \(lonLat.y + 1e-6)))",
            layer: "manholes")
        let found = try env.store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT mh_no FROM manholes t WHERE \(f.sql)", arguments: StatementArguments(f.arguments))
        }
        #expect(found == [mh])
    }

    /// Type errors are 400s pointing at the operand, not SQL errors.
    @Test(arguments: [
        ("diameter_mm = 'big'", 15, "type mismatch"),
        ("system = 3", 10, "type mismatch"),
        ("nosuch = 1", 1, "unknown property \"nosuch\""),
        ("system LIKE 3", 13, "quoted string"),
        ("diameter_mm LIKE '3%'", 1, "LIKE needs a string property"),
        ("system BETWEEN 'a' AND 'b'", 1, "BETWEEN compares"),
        ("S_INTERSECTS(geometry, geometry)", 24, "one geometry literal"),
        ("S_INTERSECTS(system, POINT(0 0))", 14, "takes geometries"),
        ("geometry = 1", 12, "type mismatch"),
        ("install_year IN (1990, 'x')", 24, "type mismatch"),
        ("system = TRUE", 10, "type mismatch"),
        ("install_year = DATE('2024-13-01')", 16, "not a date"),
    ])
    func typeErrorsNameThePosition(_ filter: String, _ position: Int, _ message: String) throws {
        let env = try TestEnvironment.withSampleLedger()
        #expect {
            try compile(env, filter)
        } throws: { error in
            guard let e = error as? CQL2Error else { return false }
            #expect(e.position == position, "\(filter): \(e)")
            #expect(e.message.contains(message), "\(filter): \(e)")
            return true
        }
    }

    /// Whatever the filter holds, the SQL text is built from the layer file and fixed
    /// operators only; literals travel as bound values and match nothing.
    @Test(arguments: [
        "pipe_no = 'x'' OR ''1''=''1'",
        "pipe_no = '''; DROP TABLE sewer_pipes; --'",
        "pipe_no IN ('a'') OR 1=1 --', 'b')",
        "pipe_no LIKE '%'' OR 1=1 --'",
        "system = '\") OR 1=1 --'",
    ])
    func injectedLiteralsStayValues(_ filter: String) throws {
        let env = try TestEnvironment.withSampleLedger()
        let f = try compile(env, filter)
        for word in ["DROP", "--", "1=1", "''"] { #expect(!f.sql.contains(word), "\(f.sql)") }
        #expect(try count(env, filter) == 0)
        #expect(try env.count("sewer_pipes") == 4876)
    }

    @Test(arguments: [
        "pipe_no = 'a'; DROP TABLE sewer_pipes",
        "\"pipe_no\\\" = 1 OR 1\" = 1",
        "\"x\"\" OR 1=1 --\" = 1",
        "pipe_no = 'a' UNION SELECT 1",
        "pipe_no = 'a' /* comment */",
        "system IN (SELECT system FROM sewer_pipes)",
    ])
    func injectedSyntaxIsRejected(_ filter: String) throws {
        let env = try TestEnvironment.withSampleLedger()
        #expect(throws: CQL2Error.self, "\(filter)") { try compile(env, filter) }
        #expect(try env.count("sewer_pipes") == 4876)
    }
}
