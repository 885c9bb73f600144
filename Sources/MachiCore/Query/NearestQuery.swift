import GRDB
public import MachiGeometry

/// k-nearest features to a point, by true distance to the geometry (not its box).
///
/// SpatiaLite's R*Tree only answers box queries, so the search widens a square around the
/// point until it holds k features whose distance is within the square's half-width: any
/// feature closer than that half-width must intersect the square, so the answer is exact.
/// Only ids and geometries are read while widening; attributes are read for the k winners.
public struct NearestQuery: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    public struct Hit: Sendable {
        public var feature: StoredFeature
        public var distance: Double
    }

    /// - Parameters: `point` in the storage CRS; `maxDistance` in metres caps the search.
    public func nearest(layer: LayerDefinition, point: Position, k: Int, maxDistance: Double?) throws -> [Hit] {
        let cap = maxDistance ?? max(store.planeExtent.maxX - store.planeExtent.minX, store.planeExtent.maxY - store.planeExtent.minY) * 1.5
        return try store.pool.read { db in
            let boxSQL = """
                SELECT t.fid, t.geom FROM "\(layer.spatialIndexTable)" r JOIN "\(layer.name)" t ON t.fid = r.pkid
                WHERE r.xmin <= ? AND r.xmax >= ? AND r.ymin <= ? AND r.ymax >= ?
                """
            let boxStatement = try db.cachedStatement(sql: boxSQL)
            var radius = min(40.0, cap)
            var found: [(fid: Int64, d: Double)] = []
            while true {
                found.removeAll(keepingCapacity: true)
                let rows = try Row.fetchCursor(
                    boxStatement, arguments: [point.x + radius, point.x - radius, point.y + radius, point.y - radius])
                while let row = try rows.next() {
                    let d: Double? = try row.withUnsafeData(atIndex: 1) { data in
                        guard let data else { return nil }
                        return try data.withUnsafeBytes { try SpatiaLiteBlob.decode($0).geometry.planarDistance(to: point) }
                    }
                    if let d, d <= radius { found.append((row[0], d)) }
                }
                if found.count >= k || radius >= cap { break }
                radius = min(radius * 3, cap)
            }
            found.sort { $0.d < $1.d || ($0.d == $1.d && $0.fid < $1.fid) }
            let winners = found.prefix(k)
            guard !winners.isEmpty else { return [] }
            let marks = Array(repeating: "?", count: winners.count).joined(separator: ",")
            // Cached per k: preparing (and GRDB's authorizer) cost more than running it.
            let select = try db.cachedStatement(sql: "SELECT \(layer.selectColumns()) FROM \"\(layer.name)\" t WHERE t.fid IN (\(marks))")
            let rows = try Row.fetchAll(select, arguments: StatementArguments(winners.map(\.fid)))
            var byFid = [Int64: StoredFeature]()
            for r in rows {
                let f = try layer.decode(r)
                byFid[f.fid] = f
            }
            return winners.compactMap { w in byFid[w.fid].map { Hit(feature: $0, distance: w.d) } }
        }
    }
}
