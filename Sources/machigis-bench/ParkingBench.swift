import ArgumentParser
import Foundation
import GRDB
import MachiCore
import MachiGeometry
import MachiParking

/// Seeds N parking cases spread over a year and times the hotspot computation.
struct Hotspots: ParsableCommand {
    @Option var db: String
    @Option var layers = "layers"
    @Option var cases = 100_000
    @Option var runs = 20

    func run() throws {
        let store = try Store(path: db, catalog: try LayerCatalog.load(directory: layers))
        let parking = try ParkingCases(store: store)
        let layer = parking.layer
        let e = store.city.extent
        var rng = SystemRandomNumberGenerator()
        let yearStart = Date().addingTimeInterval(-365 * 86400)
        // Seeding goes straight to SQL in one transaction: this measures hotspots, not POSTs.
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM parking_incidents")
            let insert = try db.makeStatement(sql: Importer.insertSQL(layer, mode: .append))
            var points = [Position]()
            points.reserveCapacity(cases)
            for i in 0..<cases {
                // Half the cases near a few hot spots, half anywhere.
                if i % 2 == 0 {
                    let c = [(135.560, 34.780), (135.575, 34.770), (135.550, 34.790)][i % 3]
                    points.append(
                        Position(c.0 + Double.random(in: -0.002...0.002, using: &rng), c.1 + Double.random(in: -0.002...0.002, using: &rng))
                    )
                } else {
                    points.append(
                        Position(Double.random(in: e.minX...e.maxX, using: &rng), Double.random(in: e.minY...e.maxY, using: &rng)))
                }
            }
            try store.toPlane.withTransformer { try $0.transform(&points) }
            for (i, p) in points.enumerated() {
                let observed = Timestamp.format(yearStart.addingTimeInterval(Double.random(in: 0..<(365 * 86400), using: &rng)))
                var values = [DatabaseValue](repeating: .null, count: layer.attributes.count)
                func set(_ k: String, _ v: any DatabaseValueConvertible) {
                    values[layer.attributes.firstIndex { $0.key == k }!] = v.databaseValue
                }
                set("id", String(format: "BENCH%021d", i))
                set("observed_at", observed)
                set("category", ["違法駐車", "迷惑駐車", "放置車両", "その他"][i % 4])
                set("status", "open")
                set("version", 1)
                values.append(Data(SpatiaLiteBlob.encode(.point(p), srid: store.city.srid)).databaseValue)
                try insert.execute(arguments: StatementArguments(values))
            }
        }
        var times = [Double]()
        for cell in [MeshSize.quarter, .hundred] {
            times.removeAll()
            for _ in 0..<runs {
                let t0 = DispatchTime.now().uptimeNanoseconds
                let r = try parking.hotspots(filter: CaseFilter(), size: cell)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                precondition(r.total == cases)
            }
            times.sort()
            print(String(format: "cell=%@ cases=%d p50_ms=%.1f max_ms=%.1f", cell.rawValue, cases, times[times.count / 2], times.last!))
        }
    }
}
