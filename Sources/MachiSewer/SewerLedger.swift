import Foundation
import GRDB
public import MachiCore
public import MachiGeometry

/// Which ledger layer a request addresses.
public enum SewerLayer: String, Sendable, CaseIterable {
    case pipes, manholes

    public var tableName: String { self == .pipes ? "sewer_pipes" : "manholes" }
    public var keyColumn: String { self == .pipes ? "pipe_no" : "mh_no" }
}

public struct SewerSearch: Sendable {
    public var q: String?
    public var system: String?
    public var diameterMin: Int?
    public var diameterMax: Int?
    public var material: String?
    public var yearFrom: Int?
    public var yearTo: Int?
    /// lon/lat box.
    public var bbox: BoundingBox?
    /// nil: both layers (pipes first).
    public var layer: SewerLayer?
    public var limit = 50
    public var offset = 0

    public init() {}

    /// Filters only pipes have: when one is set, manholes cannot match.
    var pipeOnly: Bool { diameterMin != nil || diameterMax != nil || material != nil }
}

public struct SearchResult: Sendable {
    public var numberMatched: Int
    public var features: [(layer: SewerSearchLayer, feature: StoredFeature)]
}

public typealias SewerSearchLayer = SewerLayer

/// A pipe with what it connects to, or a manhole with its pipes.
public struct Connected: Sendable {
    public var feature: StoredFeature
    public var upstream: [LedgerFeature]
    public var downstream: [LedgerFeature]
}

/// A stored feature tagged with the ledger layer it belongs to.
public struct LedgerFeature: Sendable {
    public var layer: SewerLayer
    public var feature: StoredFeature
}

/// The public sewer ledger (下水道台帳): search, nearest pipe and connectivity.
public struct SewerLedger: Sendable {
    public let store: Store
    public let pipes: LayerDefinition
    public let manholes: LayerDefinition

    public static let maxLimit = 1000
    public static let maxK = 100
    public static let maxRadius = 5000.0

    public init(store: Store) throws {
        self.store = store
        pipes = try store.layer("sewer_pipes")
        manholes = try store.layer("manholes")
    }

    public func definition(_ l: SewerLayer) -> LayerDefinition { l == .pipes ? pipes : manholes }

    /// Pipe and manhole numbers are ASCII in the ledger, but people type them with a
    /// Japanese IME in full width ("Ｓ－００１２") or in lower case.
    public static func normalizeNumber(_ s: String) -> String {
        s.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces).uppercased()
            .replacingOccurrences(of: "−", with: "-").replacingOccurrences(of: "ー", with: "-")
    }

    /// The plane-CS box covering a lon/lat box.
    public func planeBox(_ b: BoundingBox) throws -> BoundingBox {
        try store.planeBox(lonLat: b)
    }

    public func search(_ s: SewerSearch) throws -> SearchResult {
        let layers: [SewerLayer] = s.layer.map { [$0] } ?? (s.pipeOnly ? [.pipes] : [.pipes, .manholes])
        let box = try s.bbox.map(planeBox)
        return try store.pool.read { db in
            var matched = 0
            var out: [(layer: SewerLayer, feature: StoredFeature)] = []
            var skip = s.offset
            for l in layers {
                if l == .manholes && s.pipeOnly { continue }
                let def = definition(l)
                var conditions = [String]()
                var args = StatementArguments()
                if let q = s.q.map(Self.normalizeNumber), !q.isEmpty {
                    // A range on the unique key index: a prefix match that uses the index.
                    conditions.append("t.\(l.keyColumn) >= ? AND t.\(l.keyColumn) < ?")
                    args += [q, q + "\u{10FFFF}"]
                }
                if let v = s.system {
                    conditions.append("t.system = ?")
                    args += [v]
                }
                if l == .pipes {
                    if let v = s.diameterMin {
                        conditions.append("t.diameter_mm >= ?")
                        args += [v]
                    }
                    if let v = s.diameterMax {
                        conditions.append("t.diameter_mm <= ?")
                        args += [v]
                    }
                    if let v = s.material {
                        conditions.append("t.material = ?")
                        args += [v]
                    }
                }
                if let v = s.yearFrom {
                    conditions.append("t.install_year >= ?")
                    args += [v]
                }
                if let v = s.yearTo {
                    conditions.append("t.install_year <= ?")
                    args += [v]
                }
                if let b = box {
                    conditions.append(
                        "t.fid IN (SELECT pkid FROM \"\(def.spatialIndexTable)\" WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)"
                    )
                    args += [b.maxX, b.minX, b.maxY, b.minY]
                }
                let whereSQL = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(def.name)\" t \(whereSQL)", arguments: args) ?? 0
                matched += count
                let want = s.limit - out.count
                if want > 0 && skip < count {
                    let rows = try Row.fetchAll(
                        db,
                        sql: "SELECT \(def.selectColumns()) FROM \"\(def.name)\" t \(whereSQL) ORDER BY t.\(l.keyColumn) LIMIT ? OFFSET ?",
                        arguments: args + [want, skip])
                    for r in rows { out.append((l, try def.decode(r))) }
                }
                skip = max(0, skip - count)
            }
            return SearchResult(numberMatched: matched, features: out)
        }
    }

    /// Validates a lon/lat point: on Earth, and inside the city extent.
    public func planePoint(lon: Double, lat: Double) throws -> Position {
        guard (-180...180).contains(lon) else { throw QueryParameterError("lon", "\(lon) is outside -180…180") }
        guard (-90...90).contains(lat) else { throw QueryParameterError("lat", "\(lat) is outside -90…90") }
        let e = store.city.extent
        guard e.contains(Position(lon, lat)) else {
            throw QueryParameterError(
                "lon,lat", "(\(lon), \(lat)) is outside \(store.city.name) (extent \(e.minX), \(e.minY), \(e.maxX), \(e.maxY))")
        }
        return try store.toPlane.transform(Position(lon, lat))
    }

    public func nearest(lon: Double, lat: Double, layer: SewerLayer, k: Int, radius: Double?) throws -> [NearestQuery.Hit] {
        let p = try planePoint(lon: lon, lat: lat)
        return try NearestQuery(store: store).nearest(layer: definition(layer), point: p, k: k, maxDistance: radius)
    }

    public func pipe(_ number: String) throws -> Connected? {
        try store.pool.read { db in
            guard let f = try fetch(db, .pipes, "pipe_no = ?", [Self.normalizeNumber(number)]).first?.feature else { return nil }
            // Upstream: the pipe's upstream manhole and the pipes draining into it; downstream likewise.
            let up = f.string("upstream_mh", in: pipes)
            let down = f.string("downstream_mh", in: pipes)
            var upstream = [LedgerFeature]()
            var downstream = [LedgerFeature]()
            if let up {
                upstream += try fetch(db, .manholes, "mh_no = ?", [up])
                upstream += try fetch(db, .pipes, "downstream_mh = ?", [up])
            }
            if let down {
                downstream += try fetch(db, .manholes, "mh_no = ?", [down])
                downstream += try fetch(db, .pipes, "upstream_mh = ? AND pipe_no <> ?", [down, f.string("pipe_no", in: pipes)])
            }
            return Connected(feature: f, upstream: upstream, downstream: downstream)
        }
    }

    public func manhole(_ number: String) throws -> Connected? {
        try store.pool.read { db in
            guard let f = try fetch(db, .manholes, "mh_no = ?", [Self.normalizeNumber(number)]).first?.feature else { return nil }
            let no = f.string("mh_no", in: manholes)
            return Connected(
                feature: f,
                upstream: try fetch(db, .pipes, "downstream_mh = ?", [no]),
                downstream: try fetch(db, .pipes, "upstream_mh = ?", [no]))
        }
    }

    func fetch(_ db: Database, _ layer: SewerLayer, _ condition: String, _ args: StatementArguments) throws -> [LedgerFeature] {
        let def = definition(layer)
        return try Row.fetchAll(
            db, sql: "SELECT \(def.selectColumns()) FROM \"\(def.name)\" t WHERE \(condition) ORDER BY t.fid", arguments: args
        )
        .map { LedgerFeature(layer: layer, feature: try def.decode($0)) }
    }
}
