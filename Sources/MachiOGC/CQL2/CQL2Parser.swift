import MachiGeometry

/// Recursive-descent parser for the CQL2 text subset MachiGIS serves (basic CQL2,
/// advanced comparison operators, S_INTERSECTS with WKT and BBOX literals):
///
///     or        = and { OR and }
///     and       = not { AND not }
///     not       = NOT not | primary
///     primary   = "(" or ")" | S_INTERSECTS "(" operand "," operand ")" | predicate | TRUE | FALSE
///     predicate = operand ( compOp operand | [NOT] LIKE operand | [NOT] BETWEEN operand AND operand
///                         | [NOT] IN "(" operand { "," operand } ")" | IS [NOT] NULL )
public struct CQL2Parser {
    static let maxDepth = 40
    static let maxListItems = 1000
    /// Predicates in one filter (`a = 1 OR a = 2` has two). The compiler writes AND/OR chains
    /// as balanced trees, so what this bounds is the work of one query, not SQLite's parser.
    public static let maxTerms = 2_000
    /// Operands (properties and literals) in one filter, IN lists included.
    public static let maxOperands = 10_000
    static let reserved: Set<String> = ["AND", "OR", "NOT", "LIKE", "IN", "BETWEEN", "IS", "NULL"]
    static let geometryWords: Set<String> = ["POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "BBOX"]

    private let tokens: [CQL2Token]
    private var i = 0
    private var depth = 0
    private var terms = 0
    private var operands = 0

    public static func parse(_ text: String) throws(CQL2Error) -> CQL2Expression {
        var p = CQL2Parser(tokens: try CQL2Lexer.tokens(text))
        guard p.tokens.count > 1 else { throw CQL2Error("the filter is empty", at: 1) }
        let e = try p.or()
        guard case .end = p.current.kind else {
            throw CQL2Error("expected AND, OR or the end of the filter, found \(p.current.shown)", at: p.current.position)
        }
        return e
    }

    private init(tokens: [CQL2Token]) { self.tokens = tokens }

    private var current: CQL2Token { tokens[i] }
    private var nextToken: CQL2Token { tokens[min(i + 1, tokens.count - 1)] }

    private mutating func advance() -> CQL2Token {
        defer { if i < tokens.count - 1 { i += 1 } }
        return tokens[i]
    }

    private mutating func accept(_ keyword: String) -> Bool {
        guard current.isWord(keyword) else { return false }
        i += 1
        return true
    }

    private mutating func expect(_ kind: CQL2Token.Kind, _ what: String) throws(CQL2Error) {
        guard current.kind == kind else { throw CQL2Error("expected \(what), found \(current.shown)", at: current.position) }
        i += 1
    }

    private mutating func nested<T>(_ body: (inout CQL2Parser) throws(CQL2Error) -> T) throws(CQL2Error) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw CQL2Error("the filter nests deeper than \(Self.maxDepth) levels", at: current.position) }
        return try body(&self)
    }

    private mutating func or() throws(CQL2Error) -> CQL2Expression {
        var left = try and()
        while accept("OR") { left = .or(left, try and()) }
        return left
    }

    private mutating func and() throws(CQL2Error) -> CQL2Expression {
        var left = try not()
        while accept("AND") { left = .and(left, try not()) }
        return left
    }

    private mutating func not() throws(CQL2Error) -> CQL2Expression {
        if accept("NOT") { return .not(try nested { p throws(CQL2Error) in try p.not() }) }
        return try primary()
    }

    private mutating func primary() throws(CQL2Error) -> CQL2Expression {
        if current.kind != .lparen {
            terms += 1
            guard terms <= Self.maxTerms else {
                throw CQL2Error("the filter holds more than \(Self.maxTerms) conditions", at: current.position)
            }
        }
        if current.kind == .lparen {
            i += 1
            let e = try nested { p throws(CQL2Error) in try p.or() }
            try expect(.rparen, "\")\"")
            return e
        }
        if current.isWord("S_INTERSECTS"), nextToken.kind == .lparen {
            i += 2
            let a = try operand()
            try expect(.comma, "\",\" between the two geometries of S_INTERSECTS")
            let b = try operand()
            try expect(.rparen, "\")\" closing S_INTERSECTS")
            return .intersects(a, b)
        }
        let lhs = try operand()
        let negated = accept("NOT")
        let at = current
        if case .comparison(let op) = at.kind, !negated {
            i += 1
            return .comparison(CQL2Comparison(rawValue: op)!, lhs, try operand())
        }
        if accept("LIKE") { return .like(lhs, pattern: try operand(), negated: negated) }
        if accept("BETWEEN") {
            let low = try operand()
            guard accept("AND") else { throw CQL2Error("expected AND in BETWEEN, found \(current.shown)", at: current.position) }
            return .between(lhs, low: low, high: try operand(), negated: negated)
        }
        if accept("IN") {
            try expect(.lparen, "\"(\" starting the IN list")
            var items = [try operand()]
            while current.kind == .comma {
                i += 1
                items.append(try operand())
                guard items.count <= Self.maxListItems else {
                    throw CQL2Error("an IN list may hold at most \(Self.maxListItems) values", at: current.position)
                }
            }
            try expect(.rparen, "\",\" or \")\" in the IN list")
            return .inList(lhs, items, negated: negated)
        }
        if !negated, accept("IS") {
            let isNot = accept("NOT")
            guard accept("NULL") else { throw CQL2Error("expected NULL after IS, found \(current.shown)", at: current.position) }
            return .isNull(lhs, negated: isNot)
        }
        if negated {
            throw CQL2Error("expected LIKE, BETWEEN or IN after NOT, found \(at.shown)", at: at.position)
        }
        if case .boolean(let b) = lhs.value { return .literal(b) }
        throw CQL2Error("expected a comparison (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL), found \(at.shown)", at: at.position)
    }

    private mutating func operand() throws(CQL2Error) -> CQL2Operand {
        operands += 1
        guard operands <= Self.maxOperands else {
            throw CQL2Error("the filter holds more than \(Self.maxOperands) properties and values", at: current.position)
        }
        let t = advance()
        switch t.kind {
        case .number(let n): return CQL2Operand(.number(n), at: t.position)
        case .string(let s): return CQL2Operand(.string(s), at: t.position)
        case .quotedWord(let w): return CQL2Operand(.property(w), at: t.position)
        case .word(let w):
            let upper = w.uppercased()
            if upper == "TRUE" || upper == "FALSE" { return CQL2Operand(.boolean(upper == "TRUE"), at: t.position) }
            if Self.reserved.contains(upper) {
                throw CQL2Error("expected a property or a value, found the keyword \(upper)", at: t.position)
            }
            guard current.kind == .lparen else { return CQL2Operand(.property(w), at: t.position) }
            switch upper {
            case "DATE", "TIMESTAMP":
                i += 1
                let s = advance()
                guard case .string(let text) = s.kind else {
                    throw CQL2Error("\(upper) takes a quoted string, found \(s.shown)", at: s.position)
                }
                try expect(.rparen, "\")\" closing \(upper)")
                return CQL2Operand(upper == "DATE" ? .date(text) : .timestamp(text), at: t.position)
            case _ where Self.geometryWords.contains(upper):
                return CQL2Operand(.geometry(try geometry(upper, at: t.position)), at: t.position)
            case "GEOMETRYCOLLECTION":
                throw CQL2Error("GEOMETRYCOLLECTION literals are not supported; use a MULTI geometry", at: t.position)
            default:
                throw CQL2Error("unsupported function \(w); this server implements S_INTERSECTS, DATE and TIMESTAMP", at: t.position)
            }
        case .lparen, .rparen, .comma, .comparison, .end:
            throw CQL2Error("expected a property or a value, found \(t.shown)", at: t.position)
        }
    }

    // MARK: WKT and BBOX literals

    private mutating func geometry(_ word: String, at start: Int) throws(CQL2Error) -> Geometry {
        try expect(.lparen, "\"(\" after \(word)")
        let g: Geometry
        switch word {
        case "POINT": g = .point(try coordinate())
        case "LINESTRING": g = .lineString(try line())
        case "POLYGON": g = .polygon(try rings())
        case "MULTIPOINT":
            var ps = [Position]()
            repeat {
                if current.kind == .lparen {
                    i += 1
                    ps.append(try coordinate())
                    try expect(.rparen, "\")\" after a point")
                } else {
                    ps.append(try coordinate())
                }
            } while acceptComma()
            g = .multiPoint(ps)
        case "MULTILINESTRING":
            var ls = [[Position]]()
            repeat {
                try expect(.lparen, "\"(\" starting a line")
                ls.append(try line())
            } while acceptComma()
            g = .multiLineString(ls)
        case "MULTIPOLYGON":
            var polys = [[[Position]]]()
            repeat {
                try expect(.lparen, "\"(\" starting a polygon")
                polys.append(try rings())
            } while acceptComma()
            g = .multiPolygon(polys)
        default:  // BBOX
            var n = [Double]()
            repeat { n.append(try number()) } while acceptComma()
            guard n.count == 4 else { throw CQL2Error("BBOX takes four numbers (2D), got \(n.count)", at: start) }
            guard n[0] <= n[2], n[1] <= n[3] else { throw CQL2Error("BBOX minimum exceeds its maximum", at: start) }
            g = .polygon([[Position(n[0], n[1]), Position(n[2], n[1]), Position(n[2], n[3]), Position(n[0], n[3]), Position(n[0], n[1])]])
            try expect(.rparen, "\")\" closing BBOX")
            return g
        }
        // line() and rings() already read the closing ")" of a LINESTRING or POLYGON.
        if word != "POLYGON", word != "LINESTRING" { try expect(.rparen, "\")\" closing \(word)") }
        return g
    }

    private mutating func acceptComma() -> Bool {
        guard current.kind == .comma else { return false }
        i += 1
        return true
    }

    private mutating func number() throws(CQL2Error) -> Double {
        let t = advance()
        guard case .number(let n) = t.kind, let d = Double(n), d.isFinite else {
            throw CQL2Error("expected a number, found \(t.shown)", at: t.position)
        }
        return d
    }

    private mutating func coordinate() throws(CQL2Error) -> Position {
        let p = Position(try number(), try number())
        if case .number = current.kind { throw CQL2Error("only 2D coordinates are supported", at: current.position) }
        return p
    }

    /// Positions up to and including the closing ")" (the "(" is already read).
    private mutating func line() throws(CQL2Error) -> [Position] {
        let start = current.position
        var ps = [try coordinate()]
        while acceptComma() { ps.append(try coordinate()) }
        try expect(.rparen, "\",\" or \")\" in a coordinate list")
        guard ps.count >= 2 else { throw CQL2Error("a line needs at least two positions", at: start) }
        return ps
    }

    /// `(ring), (ring) )`: rings of one polygon and its closing ")".
    private mutating func rings() throws(CQL2Error) -> [[Position]] {
        var rs = [[Position]]()
        repeat {
            let start = current.position
            try expect(.lparen, "\"(\" starting a ring")
            let r = try line()
            guard r.count >= 4, r.first == r.last else {
                throw CQL2Error("a polygon ring needs at least four positions and must end where it starts", at: start)
            }
            rs.append(r)
        } while acceptComma()
        try expect(.rparen, "\")\" closing the polygon")
        return rs
    }
}
