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

    /// SQLite's parser has a fixed stack (YYSTACKDEPTH = 100 in the 3.40 Debian ships): an
    /// opening parenthesis costs one slot, a pending `x AND`/`x OR` two more, `NOT` one.
    /// Measured there: 90 nested parentheses parse and 100 overflow; 30 right-nested `(a AND (…`
    /// parse and 31 overflow. `nesting` below counts those slots for the SQL this compiler
    /// writes, with a margin for the comparison inside and the bbox subquery of S_INTERSECTS.
    public static let maxNesting = 80
    /// Values bound in one statement (each S_INTERSECTS binds six).
    public static let maxArguments = 20_000
    /// Bytes of one GLOB pattern: SQLite refuses patterns over SQLITE_MAX_LIKE_PATTERN_LENGTH
    /// (50,000 by default) with an error, and `*`, `?` and `[` triple when escaped.
    public static let maxPatternBytes = 10_000

    /// SQL with the parser-stack slots it takes to read (see `maxNesting`).
    struct Compiled {
        var sql: String
        var arguments: [DatabaseValue]
        var nesting: Int
    }

    public func compile(_ e: CQL2Expression) throws -> SQLFragment {
        let c = try node(e)
        guard c.nesting <= Self.maxNesting else {
            throw CQL2Error("the filter nests AND, OR and NOT too deeply; write it with fewer levels of parentheses", at: 1)
        }
        guard c.arguments.count <= Self.maxArguments else {
            throw CQL2Error("the filter needs more than \(Self.maxArguments) values", at: 1)
        }
        return SQLFragment(c.sql, c.arguments)
    }

    func node(_ e: CQL2Expression) throws -> Compiled {
        switch e {
        case .and: return try chain(e, "AND")
        case .or: return try chain(e, "OR")
        case .not(let a):
            // NOT NOT x is x in SQL's three-valued logic too (NOT NULL is NULL), and every NOT
            // written would otherwise take parser stack.
            var inner = a
            var odd = true
            while case .not(let x) = inner {
                inner = x
                odd.toggle()
            }
            let x = try node(inner)
            return odd ? Compiled(sql: "(NOT \(x.sql))", arguments: x.arguments, nesting: 2 + x.nesting) : x
        default:
            let f = try predicate(e)
            let nesting = if case .intersects = e { 12 } else { 4 }
            return Compiled(sql: f.sql, arguments: f.arguments, nesting: nesting)
        }
    }

    /// `a OR b OR c …` as a balanced tree of parentheses. The parser nests chains to the left,
    /// and SQLite overflows its parser stack near 90 nested terms; written flat, `a OR b OR …`
    /// parses but builds an expression tree as deep as the chain, which SQLite refuses beyond
    /// SQLITE_MAX_EXPR_DEPTH (1,000). Balanced, 2,000 terms are 11 levels deep.
    func chain(_ e: CQL2Expression, _ op: String) throws -> Compiled {
        var terms = [Compiled]()
        var pending = [e]
        while let x = pending.popLast() {
            switch (x, op) {
            case (.and(let a, let b), "AND"), (.or(let a, let b), "OR"): pending += [b, a]
            default: terms.append(try node(x))
            }
        }
        func balanced(_ part: ArraySlice<Compiled>) -> Compiled {
            guard part.count > 1 else { return part[part.startIndex] }
            let mid = part.startIndex + part.count / 2
            let (l, r) = (balanced(part[..<mid]), balanced(part[mid...]))
            return Compiled(
                sql: "(\(l.sql) \(op) \(r.sql))", arguments: l.arguments + r.arguments, nesting: max(1 + l.nesting, 3 + r.nesting))
        }
        return balanced(terms[...])
    }

    /// One predicate: a comparison, LIKE, BETWEEN, IN, IS NULL, S_INTERSECTS or a boolean.
    func predicate(_ e: CQL2Expression) throws -> SQLFragment {
        switch e {
        case .and, .or, .not: return try compile(e)
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
            let glob = Self.glob(fromLike: pattern)
            guard glob.utf8.count <= Self.maxPatternBytes else {
                throw CQL2Error("the LIKE pattern is too long (at most \(Self.maxPatternBytes / 3) characters)", at: p.position)
            }
            let sql = "(\(l.sql) \(negated ? "NOT GLOB" : "GLOB") ?)"
            return SQLFragment(sql, l.arguments + [glob.databaseValue])
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
            // A literal is never null (CQL2 allows one here). Answered as a constant, not as
            // `? IS NULL`: a geometry literal is no bound value and would leave `?` unbound.
            guard v.isProperty else { return SQLFragment(negated ? "(1 = 1)" : "(1 = 0)") }
            return SQLFragment("(\(v.sql) IS \(negated ? "NOT " : "")NULL)", v.arguments)
        case .intersects(let a, let b):
            return try intersects(a, b)
        }
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
            // The lexer lets only finite numbers through; NaN would bind as NULL and match nothing.
            guard let d = Double(n), d.isFinite else { throw CQL2Error("\"\(n.prefix(40))\" is not a finite number", at: pos) }
            let v: DatabaseValue = Int64(n).map(\.databaseValue) ?? d.databaseValue
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
