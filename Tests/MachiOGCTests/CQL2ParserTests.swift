import MachiGeometry
import MachiOGC
import Testing

/// CQL2 text parsing: every operator this server implements, precedence, literals, and
/// the position of every kind of syntax error.
@Suite struct CQL2ParserTests {
    func p(_ name: String, _ pos: Int) -> CQL2Operand { CQL2Operand(.property(name), at: pos) }

    @Test(arguments: [
        ("a = 1", CQL2Comparison.eq), ("a <> 1", .ne), ("a < 1", .lt), ("a <= 1", .le), ("a > 1", .gt), ("a >= 1", .ge),
    ])
    func comparisonOperators(_ text: String, _ op: CQL2Comparison) throws {
        let e = try CQL2Parser.parse(text)
        #expect(e == .comparison(op, p("a", 1), CQL2Operand(.number("1"), at: text.count)))
    }

    @Test func andBindsTighterThanOr() throws {
        let e = try CQL2Parser.parse("a = 1 OR b = 2 AND c = 3")
        guard case .or(_, .and) = e else {
            Issue.record("\(e)")
            return
        }
    }

    @Test func parenthesesAndNot() throws {
        let e = try CQL2Parser.parse("NOT (a = 1 OR b = 2) and c = 3")
        guard case .and(.not(.or), .comparison) = e else {
            Issue.record("\(e)")
            return
        }
    }

    @Test func keywordsAreCaseInsensitive() throws {
        #expect(try CQL2Parser.parse("a like 'x%' and not b is null") == CQL2Parser.parse("a LIKE 'x%' AND NOT b IS NULL"))
    }

    @Test func likeAndNotLike() throws {
        #expect(
            try CQL2Parser.parse("pipe_no LIKE 'S-%'")
                == .like(p("pipe_no", 1), pattern: CQL2Operand(.string("S-%"), at: 14), negated: false))
        #expect(
            try CQL2Parser.parse("pipe_no NOT LIKE 'S-%'")
                == .like(p("pipe_no", 1), pattern: CQL2Operand(.string("S-%"), at: 18), negated: true))
    }

    @Test func betweenAndNotBetween() throws {
        let e = try CQL2Parser.parse("diameter_mm BETWEEN 200 AND 600")
        #expect(
            e
                == .between(
                    p("diameter_mm", 1), low: CQL2Operand(.number("200"), at: 21), high: CQL2Operand(.number("600"), at: 29), negated: false
                ))
        guard case .between(_, _, _, true) = try CQL2Parser.parse("d NOT BETWEEN -1.5 AND 2e3") else {
            Issue.record("NOT BETWEEN")
            return
        }
    }

    @Test func inAndNotIn() throws {
        let e = try CQL2Parser.parse("system IN ('汚水', '雨水')")
        #expect(
            e == .inList(p("system", 1), [CQL2Operand(.string("汚水"), at: 12), CQL2Operand(.string("雨水"), at: 18)], negated: false))
        guard case .inList(_, let items, true) = try CQL2Parser.parse("n NOT IN (1,2,3)") else {
            Issue.record("NOT IN")
            return
        }
        #expect(items.count == 3)
    }

    @Test func isNullAndIsNotNull() throws {
        #expect(try CQL2Parser.parse("width_mm IS NULL") == .isNull(p("width_mm", 1), negated: false))
        #expect(try CQL2Parser.parse("width_mm IS NOT NULL") == .isNull(p("width_mm", 1), negated: true))
    }

    @Test func literals() throws {
        guard case .comparison(_, _, let s) = try CQL2Parser.parse("a = 'it''s'") else { return }
        #expect(s.value == .string("it's"))
        guard case .comparison(_, _, let d) = try CQL2Parser.parse("a >= DATE('2024-04-01')") else { return }
        #expect(d.value == .date("2024-04-01"))
        guard case .comparison(_, _, let t) = try CQL2Parser.parse("a < TIMESTAMP('2024-04-01T00:00:00Z')") else { return }
        #expect(t.value == .timestamp("2024-04-01T00:00:00Z"))
        guard case .comparison(_, _, let b) = try CQL2Parser.parse("a = true") else { return }
        #expect(b.value == .boolean(true))
        guard case .comparison(_, let q, _) = try CQL2Parser.parse("\"and\" = 1") else { return }
        #expect(q.value == .property("and"), "a quoted name is a property even when it spells a keyword")
        #expect(try CQL2Parser.parse("TRUE") == .literal(true))
    }

    @Test func spatialLiterals() throws {
        func geometry(_ text: String) throws -> Geometry? {
            guard case .intersects(_, let g) = try CQL2Parser.parse("S_INTERSECTS(geometry, \(text))"), case .geometry(let geom) = g.value
            else { return nil }
            return geom
        }
        #expect(try geometry("POINT(135.56 34.77)") == .point(Position(135.56, 34.77)))
        #expect(try geometry("LINESTRING(0 0, 1 1)") == .lineString([Position(0, 0), Position(1, 1)]))
        let square: [Position] = [Position(0, 0), Position(1, 0), Position(1, 1), Position(0, 0)]
        #expect(try geometry("POLYGON((0 0, 1 0, 1 1, 0 0))") == .polygon([square]))
        #expect(try geometry("MULTIPOINT((0 0), (1 1))") == .multiPoint([Position(0, 0), Position(1, 1)]))
        #expect(try geometry("MULTIPOINT(0 0, 1 1)") == .multiPoint([Position(0, 0), Position(1, 1)]))
        #expect(try geometry("MULTILINESTRING((0 0, 1 1), (2 2, 3 3))")?.type == .multiLineString)
        #expect(try geometry("MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((0 0, 1 0, 1 1, 0 0)))") == .multiPolygon([[square], [square]]))
        #expect(
            try geometry("BBOX(135.5, 34.7, 135.6, 34.8)")
                == .polygon([
                    [Position(135.5, 34.7), Position(135.6, 34.7), Position(135.6, 34.8), Position(135.5, 34.8), Position(135.5, 34.7)]
                ]))
    }

    /// Malformed filters fail with a message and the 1-based position of the mistake.
    @Test(arguments: [
        ("", 1, "empty"),
        ("a = ", 5, "expected a property or a value"),
        ("a == 1", 4, "expected a property or a value"),
        ("(a = 1", 7, "expected \")\""),
        ("a = 1)", 6, "expected AND, OR"),
        ("a = 'open", 5, "not closed"),
        ("a = 1 AND", 10, "expected a property or a value"),
        ("a BETWEEN 1 2", 13, "expected AND in BETWEEN"),
        ("a IN (1, 2", 11, "\",\" or \")\""),
        ("a IS 1", 6, "expected NULL"),
        ("a NOT = 1", 7, "expected LIKE, BETWEEN or IN after NOT"),
        ("a", 2, "expected a comparison"),
        ("a = 1 b = 2", 7, "expected AND, OR"),
        ("a = $", 5, "unexpected character"),
        ("a = 12abc", 7, "after a number"),
        ("S_WITHIN(geometry, POINT(0 0))", 1, "unsupported function S_WITHIN"),
        ("S_INTERSECTS(geometry POINT(0 0))", 23, "\",\" between the two geometries"),
        ("S_INTERSECTS(geometry, POINT(0))", 31, "expected a number"),
        ("S_INTERSECTS(geometry, POINT(0 0 0))", 34, "only 2D"),
        ("S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))", 32, "must end where it starts"),
        ("S_INTERSECTS(geometry, BBOX(1, 2, 3))", 24, "four numbers"),
        ("S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(0 0)))", 24, "GEOMETRYCOLLECTION"),
        ("a = DATE(2024)", 10, "quoted string"),
        ("AND = 1", 1, "keyword AND"),
        ("\"a = 1", 1, "not closed with \""),
    ])
    func syntaxErrorsNameThePosition(_ text: String, _ position: Int, _ message: String) {
        #expect {
            try CQL2Parser.parse(text)
        } throws: { error in
            guard let e = error as? CQL2Error else { return false }
            #expect(e.position == position, "\(text): \(e)")
            #expect(e.message.contains(message), "\(text): \(e)")
            return true
        }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "(", count: 100) + "a = 1" + String(repeating: ")", count: 100)
        #expect(throws: CQL2Error.self) { try CQL2Parser.parse(deep) }
        let nots = String(repeating: "NOT ", count: 100) + "a = 1"
        #expect(throws: CQL2Error.self) { try CQL2Parser.parse(nots) }
        #expect(throws: CQL2Error.self) { try CQL2Parser.parse(String(repeating: "a", count: 70_000)) }
    }

    /// A literal that overflows a double would compare against infinity and silently match.
    @Test func numbersMustBeFinite() {
        #expect {
            try CQL2Parser.parse("diameter_mm = 1e999")
        } throws: { ($0 as? CQL2Error)?.position == 15 }
        #expect(throws: Never.self) { try CQL2Parser.parse("diameter_mm = 1e300") }
    }
}
