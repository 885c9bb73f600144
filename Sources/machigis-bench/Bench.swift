import ArgumentParser
import Foundation
import MachiCore
import MachiGeometry
import MachiSewer

/// Benchmark helpers: synthetic ledgers and in-process query timing. bench/run.sh drives
/// them next to the peers (ogr2ogr, wrk) and writes BENCHMARKS.md.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "machigis-bench", subcommands: [Generate.self, Nearest.self, Hotspots.self, IngestOnly.self, TileTiming.self])
}

/// A street grid of pipes (both directions, ~35 m blocks) around Settsu, written as
/// GeoJSON in lon/lat, streamed so that a million pipes need little memory.
struct Generate: ParsableCommand {
    @Option(help: "Number of pipes.") var pipes: Int
    @Option(help: "Output GeoJSON file.") var out: String
    @Option(help: "Grid spacing in metres.") var spacing = 35.0

    func run() throws {
        let perSide = Int((Double(pipes) / 2).squareRoot().rounded(.up)) + 1
        let origin = Position(135.566, 34.776)
        let mPerLon = 91_600.0
        let mPerLat = 110_950.0
        let half = Double(perSide) * spacing / 2
        guard FileManager.default.createFile(atPath: out, contents: nil), let h = FileHandle(forWritingAtPath: out) else {
            throw ValidationError("cannot write \(out)")
        }
        defer { try? h.close() }
        var buffer = "{\"type\":\"FeatureCollection\",\"features\":[\n"
        var n = 0
        var rng = SystemRandomNumberGenerator()
        let systems = ["合流", "汚水", "雨水"]
        let materials = ["VU", "HP", "CP", "K-J"]
        func lonlat(_ i: Int, _ j: Int) -> (Double, Double) {
            let x = Double(i) * spacing - half
            let y = Double(j) * spacing - half
            return (origin.x + x / mPerLon, origin.y + y / mPerLat)
        }
        outer: for j in 0..<perSide {
            for i in 0..<perSide {
                for dir in 0..<2 {
                    guard n < pipes else { break outer }
                    let (i2, j2) = dir == 0 ? (i + 1, j) : (i, j + 1)
                    guard i2 < perSide, j2 < perSide else { continue }
                    let a = lonlat(i, j)
                    let b = lonlat(i2, j2)
                    n += 1
                    if n > 1 { buffer += ",\n" }
                    // One system per street (row or column), so consecutive pipes form runs.
                    let system = systems[(dir == 0 ? j : i) % 3]
                    buffer += String(
                        format:
                            "{\"type\":\"Feature\",\"properties\":{\"pipe_no\":\"B-%07d\",\"system\":\"%@\",\"diameter_mm\":%d,\"material\":\"%@\",\"install_year\":%d,\"upstream_mh\":\"BM-%d-%d\",\"downstream_mh\":\"BM-%d-%d\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[%.7f,%.7f],[%.7f,%.7f]]}}",
                        n, system, [200, 250, 300, 450, 600][Int.random(in: 0..<5, using: &rng)], materials[n % 4],
                        Int.random(in: 1965...2023, using: &rng), i, j, i2, j2, a.0, a.1, b.0, b.1)
                    if buffer.utf8.count > 1 << 20 {
                        h.write(Data(buffer.utf8))
                        buffer = ""
                    }
                }
            }
        }
        buffer += "\n]}\n"
        h.write(Data(buffer.utf8))
        print(String(format: "%d pipes, extent ±%.0f m", n, half))
    }
}

/// k=5 nearest-pipe queries at random points inside the data, timed one by one.
struct Nearest: ParsableCommand {
    @Option var db: String
    @Option var layers = "bench/layers"
    @Option var queries = 20_000
    @Option var k = 5
    @Option(help: "Half-width of the square the points are drawn from, metres around the centre.") var spread = 3000.0
    @Option(help: "A file of query points, \"lon lat\" per line (tools/gen_city_ledger.py), used in turn instead of --spread.")
    var points: String?

    func run() throws {
        let store = try Store(path: db, catalog: try LayerCatalog.load(directory: layers))
        let ledger = try SewerLedger(store: store)
        let c = store.city.center
        var rng = SystemRandomNumberGenerator()
        var times = [Double]()
        times.reserveCapacity(queries)
        var found = 0
        let listed: [(Double, Double)] =
            try points.map { path in
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line -> (Double, Double)? in
                    let f = line.split(separator: " ").compactMap { Double($0) }
                    return f.count == 2 ? (f[0], f[1]) : nil
                }
            } ?? []
        // Warm the page cache, the statement cache and the tree first, as a running server would be.
        for i in 0..<(queries + 1000) {
            var lon = c.x + Double.random(in: -spread...spread, using: &rng) / 91_600
            var lat = c.y + Double.random(in: -spread...spread, using: &rng) / 110_950
            if !listed.isEmpty { (lon, lat) = listed[i % listed.count] }
            let t0 = DispatchTime.now().uptimeNanoseconds
            let hits = try ledger.nearest(lon: lon, lat: lat, layer: .pipes, k: k, radius: nil)
            let t1 = DispatchTime.now().uptimeNanoseconds
            if i >= 1000 {
                times.append(Double(t1 - t0) / 1e6)
                found += hits.count
            }
        }
        times.sort()
        func pct(_ p: Double) -> Double { times[min(times.count - 1, Int(Double(times.count) * p))] }
        print(
            String(
                format: "queries=%d p50_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_hits=%.2f", times.count, pct(0.5), pct(0.99), times.last ?? 0,
                Double(found) / Double(times.count)))
    }
}

/// The importer alone (same code as `machigis ingest`), for profiling without the server.
struct IngestOnly: ParsableCommand {
    @Option var db: String
    @Option var layers = "bench/layers"
    @Argument var file: String

    func run() throws {
        let store = try Store(path: db, catalog: try LayerCatalog.load(directory: layers))
        let r = try Importer(store: store).run(layer: "sewer_pipes", path: file)
        print(r.summary)
    }
}
