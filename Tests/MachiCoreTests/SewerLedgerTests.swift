import Foundation
import GRDB
import MachiTestSupport
import Testing

@testable import MachiCore
@testable import MachiGeometry
@testable import MachiSewer

/// Runs against the shipped sample ledger, loaded once into a real SpatiaLite file.
@Suite(.serialized) struct SewerLedgerTests {
    var env: TestEnvironment { get throws { try TestEnvironment.withSampleLedger() } }

    @Test func nearestMatchesABruteForceSpatiaLiteScan() throws {
        let env = try env
        let ledger = try SewerLedger(store: env.store)
        var rng = SplitMix(seed: 42)
        let e = env.store.city.extent
        for _ in 0..<40 {
            let lon = e.minX + (e.maxX - e.minX) * (0.2 + 0.6 * rng.unit())
            let lat = e.minY + (e.maxY - e.minY) * (0.2 + 0.6 * rng.unit())
            for layer in SewerLayer.allCases {
                let hits = try ledger.nearest(lon: lon, lat: lat, layer: layer, k: 5, radius: nil)
                let p = try env.store.toPlane.transform(Position(lon, lat))
                // The reference: SpatiaLite (GEOS) distance from every row, no index.
                let brute = try env.store.pool.read { db throws in
                    try Row.fetchAll(
                        db,
                        sql:
                            "SELECT \(layer.keyColumn) k, ST_Distance(geom, MakePoint(?, ?, 6674)) d FROM \(layer.tableName) ORDER BY d, fid LIMIT 5",
                        arguments: [p.x, p.y])
                }
                #expect(hits.count == 5)
                for (h, b) in zip(hits, brute) {
                    let bd: Double = b["d"]
                    #expect(abs(h.distance - bd) < 1e-6, "distance \(h.distance) vs \(bd)")
                }
                // Same distance sequence; ids equal where distances are not tied.
                let d = ledger.definition(layer)
                if let first = brute.first, let h = hits.first, abs((brute[1]["d"] as Double) - (first["d"] as Double)) > 1e-6 {
                    #expect(h.feature.string(layer.keyColumn, in: d) == first["k"])
                }
            }
        }
    }

    @Test func bulkLoadedSpatialIndexAnswersLikeAFullScan() throws {
        let env = try env
        try env.store.pool.read { db throws in
            #expect(try String.fetchOne(db, sql: "SELECT rtreecheck('idx_sewer_pipes_geom')") == "ok")
            let e = env.store.planeExtent
            var rng = SplitMix(seed: 7)
            for _ in 0..<50 {
                let x = e.minX + (e.maxX - e.minX) * rng.unit()
                let y = e.minY + (e.maxY - e.minY) * rng.unit()
                let r = 50 + 400 * rng.unit()
                let viaIndex = try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM idx_sewer_pipes_geom WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?",
                    arguments: [x + r, x - r, y + r, y - r])
                let viaScan = try Int.fetchOne(
                    db,
                    sql:
                        "SELECT count(*) FROM sewer_pipes WHERE MbrMinX(geom) <= ? AND MbrMaxX(geom) >= ? AND MbrMinY(geom) <= ? AND MbrMaxY(geom) >= ?",
                    arguments: [x + r, x - r, y + r, y - r])
                #expect(viaIndex == viaScan)
            }
        }
    }

    @Test func nearestHonoursRadius() throws {
        let env = try env
        let ledger = try SewerLedger(store: env.store)
        let c = env.store.city.center
        let hits = try ledger.nearest(lon: c.x, lat: c.y, layer: .pipes, k: 100, radius: 30)
        #expect(hits.allSatisfy { $0.distance <= 30 })
        #expect(hits.map(\.distance) == hits.map(\.distance).sorted(), "sorted by distance")
        #expect(throws: QueryParameterError.self) { try ledger.nearest(lon: 139.7, lat: 35.6, layer: .pipes, k: 1, radius: nil) }
    }

    @Test func searchByPrefixFiltersAndPages() throws {
        let env = try env
        let ledger = try SewerLedger(store: env.store)
        let total = try env.count("sewer_pipes")
        var s = SewerSearch()
        s.layer = .pipes
        s.limit = 1000
        let all = try ledger.search(s)
        #expect(all.numberMatched == total)
        let firstNo = all.features[0].feature.string("pipe_no", in: ledger.pipes)!
        // Full-width, lower-case input finds the same pipe.
        var q = SewerSearch()
        q.q = firstNo.lowercased().applyingFullWidth()
        let found = try ledger.search(q)
        #expect(found.features.first?.feature.string("pipe_no", in: ledger.pipes) == firstNo)

        var f = SewerSearch()
        f.system = "雨水"
        f.diameterMin = 600
        f.yearFrom = 1990
        let filtered = try ledger.search(f)
        let expected = try env.store.pool.read {
            try Int.fetchOne(
                $0, sql: "SELECT count(*) FROM sewer_pipes WHERE system = '雨水' AND diameter_mm >= 600 AND install_year >= 1990")
        }
        #expect(filtered.numberMatched == expected)
        #expect(filtered.features.allSatisfy { $0.layer == .pipes })

        var page = SewerSearch()
        page.layer = .pipes
        page.limit = 10
        page.offset = 10
        let p2 = try ledger.search(page)
        #expect(
            p2.features.map { $0.feature.string("pipe_no", in: ledger.pipes) }
                == all.features[10..<20].map { $0.feature.string("pipe_no", in: ledger.pipes) })
    }

    @Test func pipeDetailLinksUpAndDownstream() throws {
        let env = try env
        let ledger = try SewerLedger(store: env.store)
        let row = try env.store.pool.read {
            try Row.fetchOne(
                $0,
                sql:
                    "SELECT pipe_no, upstream_mh, downstream_mh FROM sewer_pipes WHERE downstream_mh IN (SELECT upstream_mh FROM sewer_pipes) LIMIT 1"
            )!
        }
        let c = try #require(try ledger.pipe(row["pipe_no"]))
        #expect(c.upstream.contains { $0.layer == .manholes && $0.feature.string("mh_no", in: ledger.manholes) == row["upstream_mh"] })
        #expect(c.downstream.contains { $0.layer == .manholes && $0.feature.string("mh_no", in: ledger.manholes) == row["downstream_mh"] })
        #expect(c.downstream.contains { $0.layer == .pipes && $0.feature.string("upstream_mh", in: ledger.pipes) == row["downstream_mh"] })
        let mh = try #require(try ledger.manhole(row["downstream_mh"]))
        #expect(mh.upstream.allSatisfy { $0.layer == .pipes })
        #expect(mh.upstream.contains { $0.feature.string("pipe_no", in: ledger.pipes) == row["pipe_no"] })
        #expect(try ledger.pipe("NO-SUCH-PIPE") == nil)
    }
}

extension String {
    /// ASCII → full-width forms, as a Japanese IME types them.
    func applyingFullWidth() -> String {
        String(
            String.UnicodeScalarView(
                unicodeScalars.map { u in
                    (0x21...0x7E).contains(u.value) ? Unicode.Scalar(u.value + 0xFEE0)! : u
                }))
    }
}

/// Deterministic random numbers for reproducible test points.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
