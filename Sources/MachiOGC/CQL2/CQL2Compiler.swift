import Foundation
public import GRDB
public import MachiCore
public import MachiGeometry

/// SQL text with `?` placeholders and the values bound to them.
public struct SQLFragment: Sendable {
    public var sql: String
    public var arguments: [DatabaseValue]

    public init(_ sql: String, _ arguments: [DatabaseValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }
}

/// Compiles a CQL2 expression to a parameterised SQL condition on the layer table `t`.
///
/// Nothing from the filter text reaches the SQL text: column names come from the layer
/// definition (after the property was found in it), every literal is a bound value, and
/// the operators are this file's own constants.
public struct CQL2Compiler {
    public let layer: LayerDefinition
    public let srid: Int32
    /// Filter-CRS geometry (its axis order) → storage CRS.
    public let toStorage: (Geometry) throws -> Geometry

    public init(layer: LayerDefinition, srid: Int32, toStorage: @escaping (Geometry) throws -> Geometry) {
        self.layer = layer
        self.srid = srid
        self.toStorage = toStorage
    }

    /// Names a filter may use for the geometry; "geometry" is what `/queryables` lists.
    public static let geometryNames: Set<String> = ["geometry", "geom"]

    enum Kind: Equatable {
        case text, number, boolean, date, timestamp, geometry, null

        var name: String {
            switch self {
            case .text: "a string"
            case .number: "a number"
            case .boolean: "a boolean"
            case .date: "a date"
            case .timestamp: "a timestamp"
            case .geometry: "a geometry"
            case .null: "null"
            }
        }
    }

    /// An operand turned into SQL: a column of `t` or one bound value.
    struct Term {
        var sql: String
        var arguments: [DatabaseValue]
        var kind: Kind
        var isProperty: Bool
        var position: Int
        /// The literal as written, for re-typing a string against a date column.
        var literal: CQL2Operand.Value?
    }

    public func compile(_ e: CQL2Expression) throws -> SQLFragment {
        switch e {
        case .and(let a, let b): return try binary(a, "AND", b)
        case .or(let a, let b): return try binary(a, "OR", b)
        case .not(let a):
            let x = try compile(a)
            return SQLFragment("(NOT \(x.sql))", x.arguments)
        case .literal(let b): return SQLFragment(b ? "(1 = 1)" : "(1 = 0)")
        case .comparison(let op, let a, let b):
            var (l, r) = (try term(a), try term(b))
            try unify(&l, &r)
            if l.kind == .boolean, op != .eq, op != .ne {
                throw CQL2Error("booleans can only be compared with = or <>", at: r.position)
            }
            try requireScalar(l)
            return SQLFragment("(\(l.sql) \(op.rawValue) \(r.sql))", l.arguments + r.arguments)
        case .like(let a, let p, let negated):
            let l = try term(a)
            guard l.kind == .text else { throw CQL2Error("LIKE needs a string property, not \(l.kind.name)", at: l.position) }
            guard case .string(let pattern) = p.value else { throw CQL2Error("the LIKE pattern must be a quoted string", at: p.position) }
            let glob = SQLFragment("(\(l.sql) GLOB ?)", l.arguments + [Self.glob(fromLike: pattern).databaseValue])
            return negated ? SQLFragment("(NOT \(glob.sql))", glob.arguments) : glob
        case .between(let a, let lo, let hi, let negated):
            var (v, l, h) = (try term(a), try term(lo), try term(hi))
            try unify(&v, &l)
            try unify(&v, &h)
            guard [.number, .date, .timestamp].contains(v.kind) else {
                throw CQL2Error("BETWEEN compares numbers, dates or timestamps, not \(v.kind.name)", at: v.position)
            }
            let sql = "(\(v.sql) \(negated ? "NOT BETWEEN" : "BETWEEN") \(l.sql) AND \(h.sql))"
            return SQLFragment(sql, v.arguments + l.arguments + h.arguments)
        case .inList(let a, let items, let negated):
            var v = try term(a)
            try requireScalar(v)
            var list = [Term]()
            for item in items {
                var t = try term(item)
                try unify(&v, &t)
                list.append(t)
            }
            let sql = "(\(v.sql) \(negated ? "NOT IN" : "IN") (\(list.map(\.sql).joined(separator: ", "))))"
            return SQLFragment(sql, v.arguments + list.flatMap(\.arguments))
        case .isNull(let a, let negated):
            let v = try term(a)
            return SQLFragment("(\(v.sql) IS \(negated ? "NOT " : "")NULL)", v.arguments)
        case .intersects(let a, let b):
            return try intersects(a, b)
        }
    }

    func binary(_ a: CQL2Expression, _ op: String, _ b: CQL2Expression) throws -> SQLFragment {
        let (x, y) = (try compile(a), try compile(b))
        return SQLFragment("(\(x.sql) \(op) \(y.sql))", x.arguments + y.arguments)
    }

    func requireScalar(_ t: Term) throws {
        if t.kind == .geometry { throw CQL2Error("geometries can only be used in S_INTERSECTS", at: t.position) }
    }

    func term(_ o: CQL2Operand) throws -> Term {
        let pos = o.position
        switch o.value {
        case .property(let name):
            if Self.geometryNames.contains(name) {
                return Term(sql: "t.geom", arguments: [], kind: .geometry, isProperty: true, position: pos)
            }
            guard let a = layer.attribute(name) else {
                let known = (["geometry"] + layer.attributes.map(\.key)).joined(separator: ", ")
                throw CQL2Error("unknown property \"\(name.prefix(40))\"; queryables of \(layer.name): \(known)", at: pos)
            }
            let kind: Kind =
                switch a.type {
                case .text: .text
                case .integer, .real: .number
                case .boolean: .boolean
                case .date: .date
                case .datetime: .timestamp
                }
            // The identifier is the definition's key, never the text of the filter.
            return Term(sql: "t.\"\(a.key)\"", arguments: [], kind: kind, isProperty: true, position: pos)
        case .string(let s):
            return Term(sql: "?", arguments: [s.databaseValue], kind: .text, isProperty: false, position: pos, literal: o.value)
        case .number(let n):
            let v: DatabaseValue = Int64(n).map(\.databaseValue) ?? (Double(n) ?? .nan).databaseValue
            return Term(sql: "?", arguments: [v], kind: .number, isProperty: false, position: pos)
        case .boolean(let b):
            return Term(sql: "?", arguments: [(b ? 1 : 0).databaseValue], kind: .boolean, isProperty: false, position: pos)
        case .date(let d):
            return Term(sql: "?", arguments: [try Self.date(d, at: pos).databaseValue], kind: .date, isProperty: false, position: pos)
        case .timestamp(let s):
            return Term(
                sql: "?", arguments: [try Self.timestamp(s, at: pos).databaseValue], kind: .timestamp, isProperty: false, position: pos)
        case .geometry:
            return Term(sql: "?", arguments: [], kind: .geometry, isProperty: false, position: pos, literal: o.value)
        }
    }

    /// Both sides must have one type. A quoted string next to a date or timestamp property
    /// is read as one, as people write `observed_at >= '2025-04-01T00:00:00+09:00'`.
    func unify(_ a: inout Term, _ b: inout Term) throws {
        func retype(_ t: inout Term, as kind: Kind) throws {
            guard case .string(let s) = t.literal else { return }
            switch kind {
            case .date: t.arguments = [try Self.date(s, at: t.position).databaseValue]
            case .timestamp: t.arguments = [try Self.timestamp(s, at: t.position).databaseValue]
            default: return
            }
            t.kind = kind
        }
        if a.kind == .text, a.literal != nil, b.isProperty { try retype(&a, as: b.kind) }
        if b.kind == .text, b.literal != nil, a.isProperty { try retype(&b, as: a.kind) }
        guard a.kind == b.kind else {
            let what = a.isProperty ? "property at position \(a.position) is \(a.kind.name)" : "left side is \(a.kind.name)"
            throw CQL2Error("type mismatch: \(what), this is \(b.kind.name)", at: b.position)
        }
    }

    static func date(_ s: String, at pos: Int) throws -> String {
        guard s.count == 10, DateParsing.date(s) != nil else { throw CQL2Error("\"\(s.prefix(40))\" is not a date (YYYY-MM-DD)", at: pos) }
        return s
    }

    /// Stored date-times are RFC 3339 in JST (`Timestamp.format`), so literals are brought
    /// to the same form and compare correctly as text.
    static func timestamp(_ s: String, at pos: Int) throws -> String {
        guard let d = DateParsing.dateTime(s) else {
            throw CQL2Error("\"\(s.prefix(40))\" is not an RFC 3339 timestamp (e.g. 2025-04-01T09:00:00Z)", at: pos)
        }
        return Timestamp.format(d)
    }

    func intersects(_ a: CQL2Operand, _ b: CQL2Operand) throws -> SQLFragment {
        let (x, y) = (try term(a), try term(b))
        guard x.kind == .geometry, y.kind == .geometry else {
            let bad = x.kind == .geometry ? y : x
            throw CQL2Error("S_INTERSECTS takes geometries, not \(bad.kind.name)", at: bad.position)
        }
        guard x.isProperty != y.isProperty else {
            throw CQL2Error("S_INTERSECTS compares the geometry property with one geometry literal", at: y.position)
        }
        let lit = x.isProperty ? y : x
        guard case .geometry(let g) = lit.literal else { throw CQL2Error("expected a geometry literal", at: lit.position) }
        let plane: Geometry
        do {
            plane = try toStorage(g)
        } catch {
            throw CQL2Error("the geometry cannot be transformed to the storage CRS (check filter-crs and axis order)", at: lit.position)
        }
        let box = plane.boundingBox
        // The R*Tree narrows the candidates; SpatiaLite (GEOS) decides the exact intersection.
        let sql = """
            (t.fid IN (SELECT pkid FROM "\(layer.spatialIndexTable)" WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?) \
            AND ST_Intersects(t.geom, GeomFromWKB(?, ?)) = 1)
            """
        let args: [DatabaseValue] = [
            box.maxX.databaseValue, box.minX.databaseValue, box.maxY.databaseValue, box.minY.databaseValue,
            Data(plane.wkb).databaseValue, Int64(srid).databaseValue,
        ]
        return SQLFragment(sql, args)
    }

    /// CQL2 LIKE (`%`, `_`, `\` escapes; case-sensitive) as a SQLite GLOB pattern, which is
    /// case-sensitive where SQLite's LIKE is not.
    public static func glob(fromLike pattern: String) -> String {
        var out = ""
        var escaped = false
        for c in pattern {
            if escaped {
                out += literalGlob(c)
                escaped = false
                continue
            }
            switch c {
            case "\\": escaped = true
            case "%": out += "*"
            case "_": out += "?"
            default: out += literalGlob(c)
            }
        }
        if escaped { out += literalGlob("\\") }
        return out
    }

    static func literalGlob(_ c: Character) -> String {
        switch c {
        case "*": "[*]"
        case "?": "[?]"
        case "[": "[[]"
        default: String(c)
        }
    }
}
