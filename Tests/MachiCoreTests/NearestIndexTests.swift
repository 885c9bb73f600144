import Foundation
import GRDB
import MachiTestSupport
import Synchronization
import Testing

@testable import MachiCore
@testable import MachiGeometry

/// The packed R-tree's best-first search against a brute-force scan of every row, on random
/// layers in a real SpatiaLite store.
@Suite struct NearestIndexTests {
    typealias Ranked = [(fid: Int64, distance: Double)]

    /// Random pipes (short lines) and manholes in a box of `span` degrees around the city centre.
    func load(_ env: TestEnvironment, seed: UInt64, pipes: Int, manholes: Int, span: Double = 0.01) throws {
        var rng = SplitMix(seed: seed)
        let c = env.store.city.center
        func at() -> (Double, Double) { (c.x + span * (rng.unit() - 0.5), c.y + span * (rng.unit() - 0.5)) }
        let lines = (0..<pipes).map { i -> String in
            let a = at()
            let b = (a.0 + 0.001 * (rng.unit() - 0.5), a.1 + 0.001 * (rng.unit() - 0.5))
            return FixtureJSON.pipe("P\(i)", coords: [a, b, (b.0 + 0.0003, b.1)])
        }
        let points = (0..<manholes).map { i -> String in
            let a = at()
            return
                #"{"type":"Feature","properties":{"mh_no":"M\#(i)","system":"汚水"},"geometry":{"type":"Point","coordinates":[\#(a.0),\#(a.1)]}}"#
        }
        for (layer, features) in [("sewer_pipes", lines), ("manholes", points)] where !features.isEmpty {
            let path = try env.write("\(layer)-\(seed).geojson", FixtureJSON.collection(features))
            #expect(try Importer(store: env.store).run(layer: layer, path: path).committed)
        }
    }

    /// Every row measured, sorted by (distance, fid).
    func brute(_ env: TestEnvironment, _ layer: String, _ p: Position, k: Int, maxDistance: Double = .infinity) throws -> Ranked {
        let rows = try env.store.pool.read { db in try Row.fetchAll(db, sql: "SELECT fid, geom FROM \(layer)") }
        let all: Ranked = try rows.map { r in
            let blob: Data = r["geom"]
            return (r["fid"], try SpatiaLiteBlob.decode([UInt8](blob)).geometry.planarDistance(to: p))
        }
        return Array(
            all.filter { $0.distance <= maxDistance }.sorted {
                $0.distance < $1.distance || ($0.distance == $1.distance && $0.fid < $1.fid)
            }
            .prefix(k))
    }

    func nearest(_ env: TestEnvironment, _ layer: String, _ p: Position, k: Int, maxDistance: Double? = nil) throws -> Ranked {
        try NearestQuery(store: env.store).nearest(layer: env.store.layer(layer), point: p, k: k, maxDistance: maxDistance).map {
            ($0.feature.fid, $0.distance)
        }
    }

    func expectSame(_ a: Ranked, _ b: Ranked, _ note: String) {
        #expect(a.map(\.fid) == b.map(\.fid), "\(note)")
        #expect(a.map(\.distance) == b.map(\.distance), "\(note)")
    }

    /// Query points inside the network, anywhere in the city extent, and at its corners (far
    /// from every feature).
    func points(_ env: TestEnvironment, seed: UInt64) throws -> [Position] {
        var rng = SplitMix(seed: seed)
        let c = env.store.city.center
        let e = env.store.city.extent
        var lonLat = [Position]()
        for _ in 0..<15 { lonLat.append(Position(c.x + 0.01 * (rng.unit() - 0.5), c.y + 0.01 * (rng.unit() - 0.5))) }
        for _ in 0..<15 { lonLat.append(Position(e.minX + (e.maxX - e.minX) * rng.unit(), e.minY + (e.maxY - e.minY) * rng.unit())) }
        lonLat += [Position(e.minX, e.minY), Position(e.maxX, e.maxY), Position(e.minX, e.maxY), Position(e.maxX, e.minY)]
        return try lonLat.map { try env.store.toPlane.transform($0) }
    }

    @Test func matchesBruteForceOnRandomLinesAndPoints() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        try load(env, seed: 1, pipes: 1500, manholes: 1500)
        for (i, p) in try points(env, seed: 2).enumerated() {
            for layer in ["sewer_pipes", "manholes"] {
                for k in [1, 5, 37] {
                    expectSame(try nearest(env, layer, p, k: k), try brute(env, layer, p, k: k), "\(layer) point \(i) k \(k)")
                }
            }
        }
        let version = try env.store.dataVersion("sewer_pipes")
        #expect(env.store.nearestIndex.version("sewer_pipes") == version, "answered from the tree")
        #expect(env.store.nearestIndex.memoryBytes > 3000 * 40)
    }

    @Test func radiusKeepsItsMeaningOnTheTreeAndTheBoxSearch() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        try load(env, seed: 3, pipes: 800, manholes: 800)
        let ps = try points(env, seed: 4)
        // First on a store without a tree: small radii use the box search and build nothing.
        for p in ps {
            expectSame(
                try nearest(env, "manholes", p, k: 100, maxDistance: 60), try brute(env, "manholes", p, k: 100, maxDistance: 60), "box")
        }
        #expect(env.store.nearestIndex.version("manholes") == nil)
        for p in ps {
            for r in [0.0, 60, 250, 2000] {
                expectSame(
                    try nearest(env, "manholes", p, k: 100, maxDistance: r), try brute(env, "manholes", p, k: 100, maxDistance: r), "r \(r)"
                )
                expectSame(
                    try nearest(env, "sewer_pipes", p, k: 7, maxDistance: r), try brute(env, "sewer_pipes", p, k: 7, maxDistance: r),
                    "r \(r)")
            }
        }
        #expect(env.store.nearestIndex.version("manholes") != nil)
    }

    @Test func tiesComeOutByFid() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        // 40 manholes on 4 spots, and a query point equidistant from two of them.
        let c = env.store.city.center
        let spots = [(c.x - 0.001, c.y), (c.x + 0.001, c.y), (c.x, c.y + 0.003), (c.x + 0.002, c.y + 0.002)]
        let features = (0..<40).map { i -> String in
            let s = spots[(i * 7) % 4]
            return
                #"{"type":"Feature","properties":{"mh_no":"T\#(i)","system":"雨水"},"geometry":{"type":"Point","coordinates":[\#(s.0),\#(s.1)]}}"#
        }
        #expect(
            try Importer(store: env.store).run(layer: "manholes", path: env.write("ties.geojson", FixtureJSON.collection(features)))
                .committed)
        for lonLat in [c, Position(spots[0].0, spots[0].1), Position(c.x, c.y + 0.0015)] {
            let p = try env.store.toPlane.transform(lonLat)
            for k in [1, 3, 10, 25, 40] {
                let got = try nearest(env, "manholes", p, k: k)
                expectSame(got, try brute(env, "manholes", p, k: k), "k \(k)")
                #expect(got.count == k)
            }
        }
    }

    @Test func anAppendMakesTheTreeStaleAndItIsRebuilt() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        try load(env, seed: 5, pipes: 500, manholes: 0)
        let e = env.store.city.extent
        let far = Position(e.maxX - 0.001, e.maxY - 0.001)
        let p = try env.store.toPlane.transform(far)
        let before = try nearest(env, "sewer_pipes", p, k: 3)
        #expect(before[0].distance > 1000)
        let built = env.store.nearestIndex.version("sewer_pipes")
        var options = ImportOptions()
        options.mode = .append
        let path = try env.write(
            "append.geojson", FixtureJSON.collection([FixtureJSON.pipe("NEW", coords: [(far.x, far.y), (far.x + 0.0005, far.y)])]))
        #expect(try Importer(store: env.store).run(layer: "sewer_pipes", path: path, options: options).committed)
        let after = try nearest(env, "sewer_pipes", p, k: 3)
        #expect(after[0].distance < 0.01)
        expectSame(after, try brute(env, "sewer_pipes", p, k: 3), "after append")
        #expect(env.store.nearestIndex.version("sewer_pipes") != built)
        #expect(env.store.nearestIndex.version("sewer_pipes") == (try env.store.dataVersion("sewer_pipes")))
        // A replace import as well.
        try load(env, seed: 6, pipes: 300, manholes: 0)
        expectSame(try nearest(env, "sewer_pipes", p, k: 3), try brute(env, "sewer_pipes", p, k: 3), "after replace")
    }

    @Test func concurrentReadersDuringARebuildAllAnswerExactly() throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        try load(env, seed: 7, pipes: 3000, manholes: 0)
        let ps = try points(env, seed: 8)
        let expected = try ps.map { try brute(env, "sewer_pipes", $0, k: 5) }
        let got = Mutex([Int: Ranked]())
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let r = try? nearest(env, "sewer_pipes", ps[i % ps.count], k: 5)
            got.withLock { $0[i] = r }
        }
        for i in 0..<64 {
            let r = try #require(got.withLock { $0[i] })
            expectSame(r, expected[i % ps.count], "reader \(i)")
        }
    }
}
