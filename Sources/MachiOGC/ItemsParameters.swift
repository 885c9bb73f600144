import Foundation
import GRDB
public import Hummingbird
public import MachiCore
import MachiGeometry
public import MachiHTTP

/// The query parameters of `/collections/{id}/items`, checked and compiled into an
/// `ItemsSelection`: paging, bbox and bbox-crs (Part 2), crs, datetime, one equality
/// filter per queryable attribute (Part 3 "queryables as query parameters") and a CQL2
/// text `filter` (Part 3).
public struct ItemsParameters: Sendable {
    public static let defaultLimit = 10
    public static let maxLimit = 10_000
    /// Parameters every collection takes; attributes with these names cannot be filtered by `name=value`.
    public static let standard: Set<String> = [
        "f", "bbox", "bbox-crs", "crs", "limit", "offset", "filter", "filter-lang", "filter-crs", "datetime",
    ]

    public let query: QueryParameters
    public var selection: ItemsSelection
    public var crs: OGCCRS
    public var format: OutputFormat

    /// Attributes that may be filtered as `name=value`.
    public static func attributeParameters(_ layer: LayerDefinition) -> [AttributeDefinition] {
        layer.attributes.filter { !standard.contains($0.key) }
    }

    public init(_ request: Request, layer: LayerDefinition, store: Store) throws {
        let attributes = Set(Self.attributeParameters(layer).map(\.key))
        // `datetime` is a core parameter of every collection; one without time ignores it
        // (all its features are timeless), as Part 1 allows.
        let q = try QueryParameters(request) { Self.standard.contains($0) || attributes.contains($0) }
        query = q
        format = try OutputFormat.choose(q, request)
        let supported = OGCCRS.supported(storageSRID: store.city.srid)
        func crsParameter(_ name: String) throws -> OGCCRS {
            guard let v = try q.string(name) else { return .crs84 }
            guard let crs = OGCCRS.parse(v, supported: supported) else {
                throw Problem.badParameter(
                    name, "unsupported CRS \(v.prefix(80)); supported: \(supported.map(\.uri).joined(separator: ", "))")
            }
            return crs
        }
        crs = try crsParameter("crs")
        var s = ItemsSelection(layer: layer)
        s.limit = try q.int("limit", range: 1...Self.maxLimit) ?? Self.defaultLimit
        s.offset = try q.int("offset", range: 0...Int(Int32.max)) ?? 0

        let bboxCRS = try crsParameter("bbox-crs")
        if let b = try q.bbox() {
            if bboxCRS.isGeographic {
                let g = bboxCRS.gisBox(b)
                guard g.minX >= -180, g.maxX <= 180, g.minY >= -90, g.maxY <= 90 else {
                    throw Problem.badParameter("bbox", "outside the range of \(bboxCRS.uri) (check the axis order)")
                }
            }
            do {
                s.box = try BoxFilter(bbox: b, crs: bboxCRS, store: store)
            } catch is ProjectionError {
                throw Problem.badParameter("bbox", "cannot be transformed to the storage CRS")
            }
        } else if q.values["bbox-crs"] != nil {
            throw Problem.badParameter("bbox-crs", "given without bbox")
        }

        for a in Self.attributeParameters(layer) {
            guard let v = try q.string(a.key) else { continue }
            s.conditions.append(SQLFragment("(t.\"\(a.key)\" = ?)", [try Self.typed(v, a)]))
        }
        if let temporal = layer.temporal, let attribute = layer.attribute(temporal), let v = try q.string("datetime") {
            s.conditions.append(try Self.datetime(v, attribute))
        }
        if let text = try q.string("filter", maxLength: CQL2Lexer.maxLength) {
            if let lang = try q.string("filter-lang"), lang != "cql2-text" {
                throw Problem.badParameter("filter-lang", "\"\(lang.prefix(40))\" is not supported; use cql2-text")
            }
            let filterCRS = try crsParameter("filter-crs")
            let compiler = CQL2Compiler(layer: layer, srid: store.city.srid) { try filterCRS.toStorage($0, store: store) }
            s.conditions.append(try compiler.compile(try CQL2Parser.parse(text)))
        } else {
            for name in ["filter-lang", "filter-crs"] where q.values[name] != nil {
                throw Problem.badParameter(name, "given without filter")
            }
        }
        selection = s
    }

    /// A `name=value` parameter as the attribute's type.
    static func typed(_ v: String, _ a: AttributeDefinition) throws -> DatabaseValue {
        func bad(_ what: String) -> Problem { .badParameter(a.key, "\"\(v.prefix(40))\" is not \(what)") }
        switch a.type {
        case .text: return v.databaseValue
        case .integer:
            guard let i = Int64(v) else { throw bad("an integer") }
            return i.databaseValue
        case .real:
            guard let d = Double(v), d.isFinite else { throw bad("a number") }
            return d.databaseValue
        case .boolean:
            switch v.lowercased() {
            case "true", "1": return 1.databaseValue
            case "false", "0": return 0.databaseValue
            default: throw bad("true or false")
            }
        case .date:
            guard DateParsing.date(v) != nil else { throw bad("a date (YYYY-MM-DD)") }
            return v.databaseValue
        case .datetime:
            guard let d = DateParsing.dateTime(v) else { throw bad("an RFC 3339 date-time") }
            return Timestamp.format(d).databaseValue
        }
    }

    /// `datetime`: an instant or an interval `start/end` with `..` (or nothing) for an open
    /// end. A date alone means that whole day in Japan time.
    static func datetime(_ v: String, _ a: AttributeDefinition) throws -> SQLFragment {
        let column = "t.\"\(a.key)\""
        func bad() -> Problem {
            .badParameter(
                "datetime", "\"\(v.prefix(60))\" is not an RFC 3339 date-time, a date, or an interval start/end with .. for an open end")
        }
        /// (first instant, first instant after) of one end as stored text.
        func bounds(_ s: String) throws -> (String, String)? {
            if s.isEmpty || s == ".." { return nil }
            if DateParsing.date(s) != nil, s.count == 10 {
                guard a.type == .datetime else { return (s, s) }
                let start = DateParsing.dateTime(s + "T00:00:00+09:00")!
                return (Timestamp.format(start), Timestamp.format(start.addingTimeInterval(86_400)))
            }
            guard let d = DateParsing.dateTime(s), a.type == .datetime else { throw bad() }
            let t = Timestamp.format(d)
            return (t, t)
        }
        let parts = v.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1:
            guard let (start, end) = try bounds(parts[0]) else { throw bad() }
            if start == end { return SQLFragment("(\(column) = ?)", [start.databaseValue]) }
            return SQLFragment("(\(column) >= ? AND \(column) < ?)", [start.databaseValue, end.databaseValue])
        case 2:
            let from = try bounds(parts[0])
            let to = try bounds(parts[1])
            guard from != nil || to != nil else { throw bad() }
            var sql = [String]()
            var args = [DatabaseValue]()
            if let from {
                sql.append("\(column) >= ?")
                args.append(from.0.databaseValue)
            }
            if let to {
                sql.append(to.0 == to.1 ? "\(column) <= ?" : "\(column) < ?")
                args.append(to.1.databaseValue)
            }
            // A date as the end stands for that whole day, up to (not including) the next.
            if let from, let to, to.0 == to.1 ? from.0 > to.1 : from.0 >= to.1 {
                throw Problem.badParameter("datetime", "the interval ends before it starts")
            }
            return SQLFragment("(" + sql.joined(separator: " AND ") + ")", args)
        default:
            throw bad()
        }
    }
}
