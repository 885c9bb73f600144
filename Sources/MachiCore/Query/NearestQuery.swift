public import GRDB
public import MachiGeometry

/// k-nearest features to a point, by true distance to the geometry (not its box).
///
/// A best-first search of the layer's packed R-tree (`NearestIndex`): its cost depends on k
/// and the density around the point, not on how far the nearest feature is (the widening box
/// it replaces read tens of thousands of pipes for a point 2 km from the network). Only
/// geometries are read while searching, by fid; attributes are read for the k winners.
public struct NearestQuery: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    public struct Hit: Sendable {
        public var feature: StoredFeature
        public var distance: Double
    }

    /// A radius search up to this many metres is bounded by its radius in the box search
    /// too, so a stale tree is not rebuilt for it: parking posts ask for 30 m after every
    /// write and would otherwise rebuild the parking tree each time.
    static let boxSearchRadius = 100.0

    /// - Parameters: `point` in the storage CRS; `maxDistance` in metres caps the search.
    public func nearest(layer: LayerDefinition, point: Position, k: Int, maxDistance: Double?) throws -> [Hit] {
        try store.pool.read { db in
            let geometry = try db.cachedStatement(sql: "SELECT geom FROM \"\(layer.name)\" WHERE fid = ?")
            let winners = try nearest(db, layer: layer, point: point, k: k, maxDistance: maxDistance) { fid in
                let rows = try Row.fetchCursor(geometry, arguments: [fid])
                guard let row = try rows.next() else { return nil }
                return try row.withUnsafeData(atIndex: 0) { data in
                    guard let data else { return nil }
                    return try data.withUnsafeBytes { try SpatiaLiteBlob.decode($0).geometry.planarDistance(to: point) }
                }
            }
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
            return winners.compactMap { w in byFid[w.fid].map { Hit(feature: $0, distance: w.distance) } }
        }
    }

    /// The k nearest fids with their distances, by (distance, fid), in `db`'s transaction.
    /// - Parameter measure: the exact distance to a feature, or nil to leave it out (a filter).
    public func nearest(
        _ db: Database, layer: LayerDefinition, point: Position, k: Int, maxDistance: Double?,
        measure: (Int64) throws -> Double?
    ) throws -> [(fid: Int64, distance: Double)] {
        let version = try NearestIndex.dataVersion(db, layer.name)
        let mayBuild = maxDistance.map { $0 > Self.boxSearchRadius } ?? true
        if let tree = try store.nearestIndex.tree(db, layer: layer, version: version, mayBuild: mayBuild) {
            return try tree.nearest(to: point, k: k, maxDistance: maxDistance ?? .infinity, measure: measure)
        }
        let cap = maxDistance ?? max(store.planeExtent.maxX - store.planeExtent.minX, store.planeExtent.maxY - store.planeExtent.minY) * 1.5
        return try boxSearch(db, layer: layer, point: point, k: k, cap: cap, measure: measure)
    }

    /// Widens a square around the point until it holds k features within its half-width: any
    /// feature closer than that must meet the square, so the answer is exact. Used while the
    /// tree is being rebuilt, and for small radii on a stale tree.
    func boxSearch(
        _ db: Database, layer: LayerDefinition, point: Position, k: Int, cap: Double, measure: (Int64) throws -> Double?
    ) throws -> [(fid: Int64, distance: Double)] {
        let box = try db.cachedStatement(
            sql: "SELECT pkid FROM \"\(layer.spatialIndexTable)\" WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?")
        var radius = min(40.0, cap)
        var found: [(fid: Int64, distance: Double)] = []
        while true {
            found.removeAll(keepingCapacity: true)
            let fids = try Int64.fetchAll(box, arguments: [point.x + radius, point.x - radius, point.y + radius, point.y - radius])
            for fid in fids {
                if let d = try measure(fid), d <= radius { found.append((fid, d)) }
            }
            if found.count >= k || radius >= cap { break }
            radius = min(radius * 3, cap)
        }
        found.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.fid < $1.fid) }
        return Array(found.prefix(k))
    }
}
