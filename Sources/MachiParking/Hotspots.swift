import Foundation
import GRDB
import MachiCore
public import MachiGeometry

/// Where and when cases concentrate: counts per mesh cell with the Getis-Ord Gi* statistic
/// (queen contiguity, the cell itself included, binary weights) over every cell of the
/// city's extent, so empty cells count as the low values they are.
public struct HotspotResult: Sendable {
    public struct Cell: Sendable {
        public var cell: MeshCell
        public var count: Int
        public var z: Double
        public var p: Double
    }

    public var size: MeshSize
    /// Cells with at least one case.
    public var cells: [Cell]
    public var byHour: [Int]
    /// Monday first (月 … 日).
    public var byWeekday: [Int]
    public var total: Int
}

public struct CaseFilter: Sendable {
    /// Earliest `observed_at`, inclusive.
    public var from: String?
    /// End of the period, exclusive (a whole day `D` is `to` = the start of `D + 1`).
    public var to: String?
    public var category: String?
    public var status: String?
    public var q: String?
    /// Storage-CRS box.
    public var box: BoundingBox?

    public init() {}

    func sql(layer: LayerDefinition) -> (String, StatementArguments) {
        var c = [String]()
        var a = StatementArguments()
        if let from {
            c.append("t.observed_at >= ?")
            a += [from]
        }
        if let to {
            c.append("t.observed_at < ?")
            a += [to]
        }
        if let category {
            c.append("t.category = ?")
            a += [category]
        }
        if let status {
            c.append("t.status = ?")
            a += [status]
        }
        if let q {
            let pattern =
                "%"
                + q.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            // Only the columns the caller may read: searching a hidden plate would reveal it.
            let columns = ["id", "address", "notes", "plate"].filter { layer.attribute($0) != nil }
            c.append("(" + columns.map { "t.\($0) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ") + ")")
            a += StatementArguments(columns.map { _ in pattern })
        }
        if let b = box {
            c.append("t.fid IN (SELECT pkid FROM \"\(layer.spatialIndexTable)\" WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)")
            a += [b.maxX, b.minX, b.maxY, b.minY]
        }
        return (c.isEmpty ? "" : "WHERE " + c.joined(separator: " AND "), a)
    }
}

extension ParkingCases {
    public func hotspots(filter: CaseFilter, size: MeshSize) throws -> HotspotResult {
        let (whereSQL, args) = filter.sql(layer: layer)
        var points = [Position]()
        var byHour = [Int](repeating: 0, count: 24)
        var byWeekday = [Int](repeating: 0, count: 7)
        try store.pool.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT t.observed_at, t.geom FROM parking_incidents t \(whereSQL)", arguments: args)
            while let row = try rows.next() {
                let observed: String = row[0]
                if let (h, wd) = Self.hourAndWeekday(observed) {
                    byHour[h] += 1
                    byWeekday[wd] += 1
                }
                try row.withUnsafeData(atIndex: 1) { data in
                    guard let data, case .point(let p) = try data.withUnsafeBytes({ try SpatiaLiteBlob.decode($0).geometry }) else {
                        return
                    }
                    points.append(p)
                }
            }
        }
        try store.toLonLat.withTransformer { try $0.transform(&points) }
        var counts = [MeshCell: Int]()
        for p in points { counts[MeshCell(p, size: size), default: 0] += 1 }

        // The study area: every cell over the city's extent.
        let e = store.city.extent
        let sw = MeshCell(Position(e.minX, e.minY), size: size)
        let ne = MeshCell(Position(e.maxX, e.maxY), size: size)
        let rows = ne.row - sw.row + 1
        let cols = ne.col - sw.col + 1
        let n = Double(rows * cols)
        var grid = [Double](repeating: 0, count: rows * cols)
        for (c, k) in counts where (sw.row...ne.row).contains(c.row) && (sw.col...ne.col).contains(c.col) {
            grid[(c.row - sw.row) * cols + (c.col - sw.col)] = Double(k)
        }
        let sum = grid.reduce(0, +)
        let mean = sum / n
        let s = (grid.reduce(0) { $0 + $1 * $1 } / n - mean * mean).squareRoot()
        var cells = [HotspotResult.Cell]()
        for (c, k) in counts {
            let r0 = c.row - sw.row
            let c0 = c.col - sw.col
            var local = 0.0
            var w = 0.0
            for dr in -1...1 {
                for dc in -1...1 {
                    let r = r0 + dr
                    let cc = c0 + dc
                    guard r >= 0, r < rows, cc >= 0, cc < cols else { continue }
                    local += grid[r * cols + cc]
                    w += 1
                }
            }
            let denominator = s * ((n * w - w * w) / (n - 1)).squareRoot()
            let z = denominator > 0 ? (local - mean * w) / denominator : 0
            let p = erfc(abs(z) / 2.0.squareRoot())
            cells.append(.init(cell: c, count: k, z: z, p: p))
        }
        cells.sort { $0.count > $1.count || ($0.count == $1.count && $0.cell.code(size: size) < $1.cell.code(size: size)) }
        return HotspotResult(size: size, cells: cells, byHour: byHour, byWeekday: byWeekday, total: points.count)
    }

    /// Hour (0–23) and weekday (0 = Monday) of a stored "+09:00" timestamp, read from the
    /// text itself: the store normalises every time to Japan time.
    static func hourAndWeekday(_ s: String) -> (Int, Int)? {
        let u = Array(s.utf8)
        guard u.count >= 13 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int? {
            var v = 0
            for i in a..<b {
                guard (48...57).contains(u[i]) else { return nil }
                v = v * 10 + Int(u[i] - 48)
            }
            return v
        }
        guard let y = num(0, 4), let m = num(5, 7), let d = num(8, 10), let h = num(11, 13), h < 24 else { return nil }
        let days = CivilDate.days(year: y, month: m, day: d)
        let weekday = ((days % 7) + 7 + 3) % 7  // 1970-01-01 was a Thursday (index 3)
        return (h, weekday)
    }
}
