import Foundation
import GRDB
import MachiCore
import MachiElections
import MachiGeometry
import Testing

/// build-districts: the dissolve keeps every square metre, districts never overlap, and
/// every problem in the inputs is reported.
@Suite struct DistrictBuilderTests {
    /// An 8 × 8 grid of jittered blocks (~90 m) near Settsu's centre. Neighbours share their
    /// corner nodes exactly, as real 町丁目 data do.
    struct Grid {
        static let n = 8
        var nodes: [[Position]] = []

        init() {
            var rng = SplitMix(seed: 4)
            for j in 0...Self.n {
                nodes.append(
                    (0...Self.n).map { i in
                        let jx = Double(rng.next() % 1000) / 1000 - 0.5
                        let jy = Double(rng.next() % 1000) / 1000 - 0.5
                        return Position(135.565 + (Double(i) + jx * 0.3) * 0.001, 34.772 + (Double(j) + jy * 0.3) * 0.0008)
                    })
            }
        }

        static func key(_ i: Int, _ j: Int) -> String { "A\(j)\(i)" }

        func ring(_ i: Int, _ j: Int) -> [Position] {
            [nodes[j][i], nodes[j][i + 1], nodes[j + 1][i + 1], nodes[j + 1][i], nodes[j][i]]
        }

        static func json(_ ring: [Position]) -> String {
            "[[" + ring.map { "[\($0.x),\($0.y)]" }.joined(separator: ",") + "]]"
        }

        /// Quadrants, with a few blocks traded so the districts are not rectangles.
        static func district(_ i: Int, _ j: Int) -> Int {
            if (i, j) == (3, 3) || (i, j) == (4, 2) { return 4 }
            return (i < n / 2 ? 1 : 2) + (j < n / 2 ? 0 : 2)
        }

        func areas(skipping: Set<String> = [], extra: [String] = []) -> String {
            var features = [String]()
            for j in 0..<Self.n {
                for i in 0..<Self.n where !skipping.contains(Self.key(i, j)) {
                    features.append(
                        "{\"type\":\"Feature\",\"properties\":{\"KEY_CODE\":\"\(Self.key(i, j))\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":\(Self.json(ring(i, j)))}}"
                    )
                }
            }
            return "{\"type\":\"FeatureCollection\",\"features\":[\n" + (features + extra).joined(separator: ",\n") + "\n]}"
        }

        static func mapping(extraRows: [String] = [], skipping: Set<String> = []) -> String {
            var rows = ["area_key,district_no,district_name,station_no"]
            for j in 0..<n {
                for i in 0..<n where !skipping.contains(key(i, j)) {
                    let d = district(i, j)
                    rows.append("\(key(i, j)),\(d),第\(d)投票区,\(d)")
                }
            }
            return (rows + extraRows).joined(separator: "\r\n") + "\r\n"
        }
    }

    func build(
        _ env: ElectionEnvironment, areas: String, mapping: String, boundary: String? = nil, dryRun: Bool = false,
        areaKey: String = "KEY_CODE"
    ) throws -> DistrictBuildReport {
        var options = DistrictBuildOptions(
            areasPath: try env.write("areas.geojson", areas), areaKey: areaKey, mappingPath: try env.write("mapping.csv", mapping))
        options.boundaryPath = try boundary.map { try env.write("boundary.geojson", $0) }
        options.dryRun = dryRun
        return try DistrictBuilder(store: env.store).run(options)
    }

    func planeArea(_ env: ElectionEnvironment, _ lonLat: Geometry) throws -> Double {
        let g = try env.store.toPlane.transform(lonLat)
        return try env.store.geos.with { try $0.area(g) }
    }

    @Test func dissolveKeepsTheAreaAndLeavesNoOverlapOrGap() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        let grid = Grid()
        let report = try build(env, areas: grid.areas(), mapping: Grid.mapping())
        #expect(report.lines.isEmpty, "\(report.lines)")
        #expect(report.written && report.districts == 4)
        #expect(report.summary.contains("64 small areas, 64 mapping rows → 4 districts, 0 gap(s), 0 overlap(s)"))

        // Area of the inputs, measured independently of the builder.
        var input = 0.0
        for j in 0..<Grid.n {
            for i in 0..<Grid.n { input += try planeArea(env, .polygon([grid.ring(i, j)])) }
        }
        let districts = try PollingLayers(store: env.store).districts()
        #expect(districts.map(\.number) == ["1", "2", "3", "4"])
        #expect(districts.first { $0.number == "4" }?.name == "第4投票区")
        let stored = try env.store.geos.with { g in try districts.reduce(0) { $0 + (try g.area($1.geometry)) } }
        #expect(abs(stored - input) / input < 1e-4, "area preserved to 0.01 %: \(stored) vs \(input)")
        #expect(abs(report.districtTotal - report.smallAreaTotal) / report.smallAreaTotal < 1e-4)

        try env.store.geos.with { g in
            for a in districts.indices {
                for b in districts.indices where a < b {
                    #expect(try g.overlapArea(districts[a].geometry, districts[b].geometry) < 1e-6, "districts \(a) and \(b) overlap")
                }
            }
            let union = try g.unaryUnion(districts.map(\.geometry))
            guard case .polygon(let rings) = union else {
                Issue.record("the four districts should dissolve into one polygon, got \(union.type)")
                return
            }
            #expect(rings.count == 1, "no holes")
        }
    }

    /// In the published lon/lat GeoJSON (7 decimals), neighbours still share their borders:
    /// the union of the districts is one polygon without holes, with the sum of their areas.
    @Test func publishedGeoJSONHasNoSliversBetweenNeighbours() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        #expect(try build(env, areas: Grid().areas(), mapping: Grid.mapping()).written)
        try env.office.registry.add(id: "e", name: "e", date: "2025-01-01")
        let text = try env.office.turnoutGeoJSON(
            "e", compare: nil, options: TurnoutMapOptions(), user: StaffUser(name: "t", role: .election))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let features = try #require(body["features"] as? [[String: Any]])
        #expect(features.count == 4)
        let polygons: [Geometry] = try features.map { f in
            let coords = try #require((f["geometry"] as? [String: Any])?["coordinates"] as? [[[[Double]]]])
            return .multiPolygon(coords.map { $0.map { $0.map { Position($0[0], $0[1]) } } })
        }
        try env.store.geos.with { g in
            let sum = try polygons.reduce(0) { $0 + (try g.area($1)) }
            let union = try g.unaryUnion(polygons)
            #expect(abs(try g.area(union) - sum) / sum < 1e-12, "no overlaps in the output")
            guard case .polygon(let rings) = union else {
                Issue.record("output districts do not dissolve into one polygon: \(union.type)")
                return
            }
            #expect(rings.count == 1, "no gaps in the output")
        }
    }

    @Test func reportsGapsUnmappedAreasAndRowsWithoutPolygon() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        let grid = Grid()
        let hole = Grid.key(2, 5)
        let report = try build(
            env, areas: grid.areas(), mapping: Grid.mapping(extraRows: ["Z99,1,第1投票区,1"], skipping: [hole]))
        #expect(report.unmappedAreas == [hole])
        #expect(report.mappingWithoutPolygon.map(\.key) == ["Z99"])
        #expect(report.mappingWithoutPolygon.first?.line == 65, "header + 63 mapped blocks, then Z99")
        #expect(report.gaps.count == 1)
        let holeArea = try planeArea(env, .polygon([grid.ring(2, 5)]))
        #expect(abs((report.gaps.first?.area ?? 0) - holeArea) < 0.01)
        let at = try #require(report.gaps.first?.at)
        #expect(Geometry.polygon([grid.ring(2, 5)]).contains(at), "the gap is located inside the missing block")
        #expect(report.written, "gaps are reported, not refused")
        #expect(report.lines.contains { $0.hasPrefix("gap: city area in no district:") })
        #expect(report.lines.contains("mapping line 65: no small area with key \"Z99\""))
    }

    @Test func refusesDistrictsThatOverlap() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        let grid = Grid()
        #expect(try build(env, areas: grid.areas(), mapping: Grid.mapping()).written)
        let before = try env.store.pool.read {
            try String.fetchAll($0, sql: "SELECT hex(geom) FROM polling_districts ORDER BY district_no")
        }

        // A block drawn over the corner of blocks in districts 1 and 2, assigned to district 9.
        let c = grid.nodes[1][4]
        let over = [
            Position(c.x - 0.0003, c.y - 0.0003), Position(c.x + 0.0003, c.y - 0.0003), Position(c.x + 0.0003, c.y + 0.0003),
            Position(c.x - 0.0003, c.y + 0.0003),
        ]
        let extra =
            "{\"type\":\"Feature\",\"properties\":{\"KEY_CODE\":\"X1\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":\(Grid.json(over + [over[0]]))}}"
        let report = try build(env, areas: grid.areas(extra: [extra]), mapping: Grid.mapping(extraRows: ["X1,9,第9投票区,9"]))
        #expect(!report.written && !report.acceptable)
        #expect(report.overlaps.count == 2, "\(report.overlaps)")
        #expect(report.overlaps.contains { $0.what.contains("districts 1 and 9 overlap") && $0.what.contains("/X1") })
        #expect(report.overlaps.contains { $0.what.contains("districts 2 and 9 overlap") })
        let total = report.overlaps.reduce(0) { $0 + $1.area }
        let square = try planeArea(env, .polygon([over + [over[0]]]))
        #expect(abs(total - square) / square < 1e-6, "together the overlaps are the whole intruding block")
        #expect(report.summary.contains("refused: districts would overlap (database unchanged)"))
        let after = try env.store.pool.read { try String.fetchAll($0, sql: "SELECT hex(geom) FROM polling_districts ORDER BY district_no") }
        #expect(after == before)
    }

    @Test func inputErrorsAreNamedAndNothingIsWritten() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        let grid = Grid()
        let bowtie =
            "{\"type\":\"Feature\",\"properties\":{\"KEY_CODE\":\"BT\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[135.566,34.775],[135.567,34.776],[135.567,34.775],[135.566,34.776],[135.566,34.775]]]}}"
        let noKey =
            "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":\(Grid.json(grid.ring(0, 0)))}}"
        let mapping = Grid.mapping(extraRows: ["A00,1,第1投票区,1", "BT,2,二区,2", ",3,第3投票区,3"])
        let report = try build(env, areas: grid.areas(extra: [bowtie, noKey]), mapping: mapping)
        let lines = report.issues.map(\.description)
        #expect(
            lines.contains { $0.hasPrefix("feature 64, field \"geometry\": small areas: invalid polygon: Self-intersection") }, "\(lines)")
        #expect(lines.contains("feature 65, field \"KEY_CODE\": small areas: the area key is missing"))
        #expect(lines.contains("line 66, field \"area_key\": mapping: small area \"A00\" is mapped twice (first on line 2)"))
        #expect(
            lines.contains("line 67, field \"district_name\": mapping: district 2 has district_name \"二区\" here but \"第2投票区\" on line 6"))
        #expect(lines.contains("line 68, field \"area_key\": mapping: required area key is missing"))
        #expect(!report.written)
        #expect(try env.store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM polling_districts") } == 0)
    }

    @Test func cityAreaOutsideEveryDistrictIsAGapAtTheBoundary() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        let grid = Grid()
        // A boundary reaching 0.001° (~90 m) south of the grid's lowest nodes.
        let minY = grid.nodes[0].map(\.y).min()! - 0.001
        let ring = [Position(135.5, minY), Position(135.7, minY), Position(135.7, 34.79), Position(135.5, 34.79)]
        var boundary =
            "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
        boundary += Grid.json(ring + [ring[0]]) + "}}]}"
        let report = try build(env, areas: grid.areas(), mapping: Grid.mapping(), boundary: boundary, dryRun: true)
        #expect(report.gaps.count == 1)
        #expect(report.gaps.first?.what == "city area in no district (at the boundary)")
        #expect(!report.written && report.acceptable, "a dry run checks only")
    }

    static func boundary(_ ring: [Position]) -> String {
        "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":"
            + Grid.json(ring + [ring[0]]) + "}}]}"
    }

    /// A hole inside the districts is inside the city boundary too, yet it is one gap.
    @Test func anInteriorGapIsReportedOnceWithABoundary() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        let grid = Grid()
        let n = Grid.n
        // The grid's own outline: the city is exactly the small areas.
        let outline =
            (0...n).map { grid.nodes[0][$0] } + (1...n).map { grid.nodes[$0][n] } + (0..<n).reversed().map { grid.nodes[n][$0] }
            + (1..<n).reversed().map { grid.nodes[$0][0] }
        let hole = Grid.key(2, 5)
        let mapping = Grid.mapping(skipping: [hole])
        let report = try build(env, areas: grid.areas(), mapping: mapping, boundary: Self.boundary(outline), dryRun: true)
        #expect(report.gaps.map(\.what) == ["city area in no district"], "\(report.gaps)")
        #expect(report.summary.contains("1 gap(s)"))

        // With city area beyond the small areas, that strip is the second gap, and only it.
        let minY = grid.nodes[0].map(\.y).min()! - 0.001
        let wide = [Position(135.5, minY), Position(135.7, minY), Position(135.7, 34.79), Position(135.5, 34.79)]
        let both = try build(env, areas: grid.areas(), mapping: mapping, boundary: Self.boundary(wide), dryRun: true)
        #expect(both.gaps.map(\.what) == ["city area in no district", "city area in no district (at the boundary)"], "\(both.gaps)")
        let strip = try #require(both.gaps.last)
        #expect(!Geometry.polygon([grid.ring(2, 5)]).contains(strip.at))
    }

    /// A wrong --area-key is one mistake: reported once, with the attributes the file does have.
    @Test func aWrongAreaKeyIsReportedOnce() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        let report = try build(env, areas: Grid().areas(), mapping: Grid.mapping(), areaKey: "key_code")
        #expect(report.areasRead == 64)
        #expect(
            report.issues.map(\.description) == [
                "file: small areas: no feature has the attribute \"key_code\" (--area-key); did you mean \"KEY_CODE\"?; their attributes are: KEY_CODE"
            ])
        #expect(!report.written)
    }

    /// Merging district 4 into 3 leaves the turnout of district 4 without a polygon: the build
    /// says so, and the map's city totals are those of the districts it shows.
    @Test func rebuildingDistrictsNamesTurnoutLeftWithoutADistrict() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        let grid = Grid()
        #expect(try build(env, areas: grid.areas(), mapping: Grid.mapping()).written)
        try env.office.registry.add(id: "e", name: "e", date: "2025-01-01")
        let csv = [
            HandFixture.header, "1,500,500,1000,200,200,400,50,50,100,0,0,0", "2,500,500,1000,300,300,600,0,0,0,0,0,0",
            "3,500,500,1000,100,100,200,0,0,0,0,0,0", "4,1000,1000,2000,500,500,1000,0,0,0,0,0,0",
        ].joined(separator: "\n")
        #expect(try env.importTurnout("e", csv).committed)

        let merged = Grid.mapping().replacingOccurrences(of: ",4,第4投票区,4", with: ",3,第3投票区,3")
        let dry = try build(env, areas: grid.areas(), mapping: merged, dryRun: true)
        #expect(dry.orphanedTurnout.map(\.election) == ["e"] && dry.orphanedTurnout.first?.districts == ["4"])
        let report = try build(env, areas: grid.areas(), mapping: merged)
        #expect(report.written && report.districts == 3)
        #expect(report.orphanedTurnout.first?.districts == ["4"])
        #expect(
            report.lines.contains { $0.hasPrefix("warning: election e has turnout for district(s) 4, which no longer exist") },
            "\(report.lines)")

        let text = try env.office.turnoutGeoJSON(
            "e", compare: nil, options: TurnoutMapOptions(), user: StaffUser(name: "t", role: .election))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((body["features"] as? [[String: Any]])?.count == 3)
        let city = try #require(body["city"] as? [String: Any])
        #expect(city["electors"] as? Int == 3000, "districts 1–3 only")
        #expect(city["voters"] as? Int == 1300)
        #expect(city["turnout_pct"] as? Double == 43.33)
        #expect(city["unmatched_districts"] as? [String] == ["4"])
        #expect(city["compare_unmatched_districts"] as? [String] == [])
    }
}
