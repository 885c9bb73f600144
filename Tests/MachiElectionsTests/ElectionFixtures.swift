import Foundation
import GRDB
import MachiCore
import MachiElections
import MachiFormats
import MachiGeometry
import MachiTestSupport

/// A scratch store on a real SpatiaLite file with the repository's city and polling layer
/// files, and the election office on top of it.
struct ElectionEnvironment: Sendable {
    let dir: URL
    let store: Store
    let office: ElectionOffice

    static let repoLayers = TestEnvironment.repoRoot.appendingPathComponent("layers")

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("machigis-elections-\(UUID().uuidString)")
        let layers = dir.appendingPathComponent("layers")
        try FileManager.default.createDirectory(at: layers, withIntermediateDirectories: true)
        for f in ["city.yaml", "polling_districts.yaml", "polling_stations.yaml"] {
            try FileManager.default.copyItem(at: Self.repoLayers.appendingPathComponent(f), to: layers.appendingPathComponent(f))
        }
        store = try Store(path: dir.appendingPathComponent("db/test.sqlite").path, catalog: try LayerCatalog.load(directory: layers.path))
        office = try ElectionOffice(store: store)
    }

    var layersPath: String { dir.appendingPathComponent("layers").path }

    func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func cleanup() {
        try? FileManager.default.removeItem(at: dir)
    }

    /// Loads a layer from GeoJSON text through the real importer.
    func ingest(_ layer: String, _ geojson: String) throws {
        let path = try write("\(layer).geojson", geojson)
        let r = try Importer(store: store).run(layer: layer, path: path)
        guard r.committed else { throw StoreError("\(layer) did not load: \(r.issues)") }
    }

    func importTurnout(_ election: String, _ csv: String, cp932: Bool = false, skipInvalid: Bool = false) throws -> TurnoutImportReport {
        let path = cp932 ? try write("\(election).csv", bytes: try TextEncoder(.cp932).encode(csv)) : try write("\(election).csv", csv)
        var options = TurnoutImportOptions()
        options.skipInvalid = skipInvalid
        options.aliases = try TurnoutAliases.load(layersDirectory: layersPath)
        return try TurnoutImporter(store: store).run(election: election, path: path, options: options)
    }

    /// The hand fixture's districts and stations, and election e1 without turnout.
    static func withHandDistricts() throws -> ElectionEnvironment {
        let env = try ElectionEnvironment()
        try env.ingest("polling_stations", HandFixture.stations)
        try env.ingest("polling_districts", HandFixture.districts)
        try env.office.registry.add(id: "e1", name: "市長選挙", date: "2025-04-20")
        return env
    }

    func turnoutRows(_ election: String) throws -> Int {
        try store.pool.read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM election_turnout WHERE election_id = ?", arguments: [election]) ?? -1
        }
    }
}

/// The hand-computed fixture: three square districts north-west of Settsu's centre, with
/// figures chosen so that every percentage can be checked to the digit (see HandFixtureTests).
enum HandFixture {
    static let origin = (135.560, 34.770)
    static let size = 0.004

    /// Square i, j (lon/lat) as a GeoJSON ring, counterclockwise.
    static func square(_ i: Int, _ j: Int) -> String {
        let x0 = origin.0 + Double(i) * size
        let y0 = origin.1 + Double(j) * size
        let x1 = x0 + size
        let y1 = y0 + size
        return "[[[\(x0),\(y0)],[\(x1),\(y0)],[\(x1),\(y1)],[\(x0),\(y1)],[\(x0),\(y0)]]]"
    }

    static let districts = """
        {"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"district_no":"1","name":"第1投票区","station_no":"1"},"geometry":{"type":"Polygon","coordinates":\(square(0, 0))}},
        {"type":"Feature","properties":{"district_no":"2","name":"第2投票区","station_no":"2"},"geometry":{"type":"Polygon","coordinates":\(square(1, 0))}},
        {"type":"Feature","properties":{"district_no":"10","name":"第10投票区","station_no":"1"},"geometry":{"type":"Polygon","coordinates":\(square(0, 1))}}
        ]}
        """

    static let stations = """
        {"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"station_no":"1","name":"第一小学校","address":"摂津市テスト町1-1"},"geometry":{"type":"Point","coordinates":[135.562,34.774]}},
        {"type":"Feature","properties":{"station_no":"2","name":"第二公民館"},"geometry":{"type":"Point","coordinates":[135.566,34.772]}}
        ]}
        """

    static let header = "投票区,有権者数_男,有権者数_女,有権者数_計,当日_男,当日_女,当日_計,期日前_男,期日前_女,期日前_計,不在者_男,不在者_女,不在者_計"

    /// District 2 has 14513 voters of 20000 electors: 72.565 % exactly, published as 72.57.
    static let turnout = """
        \(header)
        1,1000,1000,2000,400,450,850,100,140,240,3,2,5
        2,9800,10200,20000,4000,4513,8513,2900,3000,5900,50,50,100
        10,600,700,1300,200,260,460,70,90,160,0,1,1

        """

    /// The earlier election: district 10 did not exist yet.
    static let previous = """
        \(header)
        1,1000,1000,2000,450,450,900,50,50,100,0,0,0
        2,9800,10200,20000,5000,6000,11000,2000,1900,3900,50,50,100

        """

    static func load(_ env: ElectionEnvironment) throws {
        try env.ingest("polling_stations", stations)
        try env.ingest("polling_districts", districts)
        try env.office.registry.add(id: "2025-test", name: "テスト選挙", date: "2025-07-20")
        try env.office.registry.add(id: "2021-test", name: "前回テスト選挙", date: "2021-10-31")
        for (id, csv) in [("2025-test", turnout), ("2021-test", previous)] {
            let r = try env.importTurnout(id, csv)
            guard r.committed else { throw StoreError("fixture turnout \(id): \(r.issues)") }
        }
    }
}
