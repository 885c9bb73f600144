import Foundation
import GRDB
public import MachiCore
import MachiGeometry
import MachiTiles

/// What an items request asks of one layer, already validated and compiled.
public struct ItemsSelection: Sendable {
    public var layer: LayerDefinition
    /// AND-ed conditions on the layer table `t`: attribute filters, datetime, CQL2 filter.
    public var conditions: [SQLFragment] = []
    public var box: BoxFilter?
    public var limit = 10
    public var offset = 0

    public init(layer: LayerDefinition) { self.layer = layer }
}

public struct ItemsPage: Sendable {
    public var numberMatched: Int
    public var features: [StoredFeature]
}

/// Runs items and single-feature queries against the store, ordered by feature id so
/// pages are stable. Counts come from the layer's stored `feature_count` when unfiltered
/// and from the match cache otherwise.
public struct FeatureSource: Sendable {
    public let store: Store
    let cache = MatchCache()
    let extents: LayerExtents

    public init(store: Store) {
        self.store = store
        extents = LayerExtents(store: store)
    }

    /// The condition of an unfiltered query.
    static let everything = "1 = 1"

    public func items(_ s: ItemsSelection) throws -> ItemsPage {
        let layer = s.layer
        let whereSQL = s.conditions.isEmpty ? Self.everything : s.conditions.map(\.sql).joined(separator: " AND ")
        let args = s.conditions.flatMap(\.arguments)
        return try store.pool.read { db in
            var s = s
            // A bbox around all of the layer's data filters nothing: skip the index and the tests.
            if let box = s.box, let data = try extents.extent(of: layer, db: db)?.plane, box.inner.contains(data) { s.box = nil }
            let version = try LayerExtents.dataVersion(db, layer.name)
            let key = MatchCache.Key(
                layer: layer.name, version: version,
                query: whereSQL + Self.cacheKey(args) + (s.box.map { "|\($0)" } ?? ""))
            if let box = s.box {
                let ids: [Int64]
                if case .ids(let cached) = cache.get(key) {
                    ids = cached
                } else {
                    ids = try matchingIds(db, layer, box, whereSQL, args)
                    cache.put(key, .ids(ids))
                }
                let page = Array(ids.dropFirst(s.offset).prefix(s.limit))
                return ItemsPage(numberMatched: ids.count, features: try fetch(db, layer, ids: page))
            }
            let matched: Int
            if s.conditions.isEmpty {
                matched =
                    try Int.fetchOne(
                        db.cachedStatement(sql: "SELECT feature_count FROM machi_layers WHERE name = ?"), arguments: [layer.name])
                    ?? 0
            } else if let hit = cache.get(key) {
                matched = hit.count
            } else {
                matched =
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM \"\(layer.name)\" t WHERE \(whereSQL)", arguments: StatementArguments(args)) ?? 0
                cache.put(key, .count(matched))
            }
            guard s.offset < matched else { return ItemsPage(numberMatched: matched, features: []) }
            let statement = try Self.statement(
                db, "SELECT \(layer.selectColumns()) FROM \"\(layer.name)\" t WHERE \(whereSQL) ORDER BY t.fid LIMIT ? OFFSET ?",
                filtered: !s.conditions.isEmpty)
            let rows = try Row.fetchCursor(
                statement, arguments: StatementArguments(args + [s.limit.databaseValue, s.offset.databaseValue]))
            var features = [StoredFeature]()
            while let row = try rows.next() { features.append(try layer.decodeCurrentRow(of: statement, row)) }
            return ItemsPage(numberMatched: matched, features: features)
        }
    }

    /// Ids of features meeting the bbox and the conditions, ascending. Features whose index
    /// box lies inside the bbox come back without their geometry; only the rest are decoded.
    func matchingIds(_ db: Database, _ layer: LayerDefinition, _ box: BoxFilter, _ whereSQL: String, _ args: [DatabaseValue]) throws
        -> [Int64]
    {
        let sql = """
            SELECT r.pkid, CASE WHEN r.xmin >= ? AND r.xmax <= ? AND r.ymin >= ? AND r.ymax <= ? THEN NULL ELSE t.geom END
            FROM "\(layer.spatialIndexTable)" r JOIN "\(layer.name)" t ON t.fid = r.pkid
            WHERE r.xmin <= ? AND r.xmax >= ? AND r.ymin <= ? AND r.ymax >= ? AND \(whereSQL) ORDER BY r.pkid
            """
        let (i, o) = (box.inner, box.outer)
        let boxArgs: [DatabaseValue] = [i.minX, i.maxX, i.minY, i.maxY, o.maxX, o.minX, o.maxY, o.minY].map(\.databaseValue)
        return try store.toLonLat.withTransformer { t in
            let rows = try Row.fetchCursor(
                Self.statement(db, sql, filtered: whereSQL != Self.everything), arguments: StatementArguments(boxArgs + args))
            var ids = [Int64]()
            while let row = try rows.next() {
                let matches: Bool = try row.withUnsafeData(atIndex: 1) { data in
                    guard let data else { return true }
                    let g = try data.withUnsafeBytes { try SpatiaLiteBlob.decode($0).geometry }
                    return try box.matches(g, toLonLat: t)
                }
                if matches { ids.append(row[0]) }
            }
            return ids
        }
    }

    func fetch(_ db: Database, _ layer: LayerDefinition, ids: [Int64]) throws -> [StoredFeature] {
        guard !ids.isEmpty else { return [] }
        // One JSON array argument keeps a single cached statement for pages of any size.
        let list = "[" + ids.map(String.init).joined(separator: ",") + "]"
        let statement = try db.cachedStatement(
            sql: "SELECT \(layer.selectColumns()) FROM \"\(layer.name)\" t WHERE t.fid IN (SELECT value FROM json_each(?)) ORDER BY t.fid")
        let rows = try Row.fetchCursor(statement, arguments: [list])
        var out = [StoredFeature]()
        out.reserveCapacity(ids.count)
        while let row = try rows.next() { out.append(try layer.decodeCurrentRow(of: statement, row)) }
        return out
    }

    /// The feature whose id is `id`: the layer's key attribute when it has one, else the row id.
    public func item(_ layer: LayerDefinition, id: String) throws -> StoredFeature? {
        try store.pool.read { db in
            let row: Row?
            if let key = layer.key {
                row = try Row.fetchOne(
                    db, sql: "SELECT \(layer.selectColumns()) FROM \"\(layer.name)\" t WHERE t.\"\(key)\" = ?", arguments: [id])
            } else if let fid = Int64(id) {
                row = try Row.fetchOne(
                    db, sql: "SELECT \(layer.selectColumns()) FROM \"\(layer.name)\" t WHERE t.fid = ?", arguments: [fid])
            } else {
                row = nil
            }
            return try row.map(layer.decode)
        }
    }

    /// GRDB's statement cache keeps every distinct SQL text for the life of the connection,
    /// and the text of a filtered query follows the filter's shape (an IN list of each length
    /// is another text): 300 such filters grew the server by 490 MB. Filtered SQL is prepared
    /// afresh, which costs tens of microseconds; the per-layer texts stay cached.
    static func statement(_ db: Database, _ sql: String, filtered: Bool) throws -> Statement {
        filtered ? try db.makeStatement(sql: sql) : try db.cachedStatement(sql: sql)
    }

    /// Bound values, length-prefixed so no two argument lists read the same.
    static func cacheKey(_ args: [DatabaseValue]) -> String {
        var out = ""
        for a in args {
            switch a.storage {
            case .null: out += "|n"
            case .int64(let i): out += "|i\(i)"
            case .double(let d): out += "|d\(d.bitPattern)"
            case .string(let s): out += "|s\(s.utf8.count):\(s)"
            case .blob(let b): out += "|b\(b.count):" + b.base64EncodedString()
            }
        }
        return out
    }

    /// The feature id clients see: the key attribute's value, or the row id.
    public static func featureId(_ f: StoredFeature, _ layer: LayerDefinition) -> String {
        layer.key.flatMap { f.string($0, in: layer) } ?? String(f.fid)
    }
}
