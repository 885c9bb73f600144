import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MachiCore
import MachiTestSupport
import Synchronization
import Testing

@testable import MachiOGC

/// Filters of any size or shape a client can send cost bounded memory and answer 200 or a
/// 400 naming `filter`, never a 500 from SQLite.
@Suite struct FilterBoundsTests {
    static func items(_ filter: String, _ extra: String = "") -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        return "/ogc/collections/sewer_pipes/items?filter=\(filter.addingPercentEncoding(withAllowedCharacters: allowed)!)\(extra)"
    }

    static func pipeNumbers(_ env: TestEnvironment) throws -> [String] {
        try syncRead(env) { try String.fetchAll($0, sql: "SELECT pipe_no FROM sewer_pipes ORDER BY fid") }
    }

    /// 90 ORed comparisons overflowed SQLite's parser stack when written as a left-deep nest.
    @Test func thousandOredTermsReturnTheRightFeatures() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let all = try Self.pipeNumbers(env)
        // Every fourth pipe, so the answer is not just "the first 1,000".
        let chosen = stride(from: 0, to: all.count, by: 4).prefix(1_000).map { all[$0] }
        #expect(chosen.count == 1_000)
        let filter = chosen.map { "pipe_no = '\($0)'" }.joined(separator: " OR ")
        try await withApp(env) { client in
            let r = try await client.get(Self.items(filter, "&limit=10000"))
            #expect(r.status == .ok, "\(String(buffer: r.body).prefix(300))")
            let body = try json(r)
            #expect(body["numberMatched"] as? Int == 1_000)
            let ids = try #require(body["features"] as? [[String: Any]]).compactMap { $0["id"] as? String }
            #expect(ids == chosen)
            // The same chain under AND and NOT: still one balanced tree.
            let and = try json(try await client.get(Self.items("NOT NOT (\(filter)) AND diameter_mm > 0", "&limit=1")))
            let want = try syncRead(env) { db in
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM sewer_pipes WHERE diameter_mm > 0 AND pipe_no IN (SELECT value FROM json_each(?))",
                    arguments: ["[" + chosen.map { "\"\($0)\"" }.joined(separator: ",") + "]"])
            }
            #expect(and["numberMatched"] as? Int == want)
        }
    }

    @Test func oneConditionBeyondTheBoundIsA400NamingFilter() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let at = (0..<CQL2Parser.maxTerms).map { "diameter_mm = \($0)" }.joined(separator: " OR ")
        try await withApp(env) { client in
            #expect(try await client.get(Self.items(at, "&limit=1")).status == .ok)
            let r = try await client.get(Self.items(at + " OR diameter_mm = -1", "&limit=1"))
            #expect(r.status == .badRequest)
            #expect(r.headers[.contentType] == "application/problem+json")
            let body = try json(r)
            #expect(body["parameter"] as? String == "filter")
            #expect((body["detail"] as? String)?.contains("more than \(CQL2Parser.maxTerms) conditions") == true)
            let values = "diameter_mm IN (" + (0..<1_000).map(String.init).joined(separator: ",") + ")"
            let many = Array(repeating: values, count: 11).joined(separator: " OR ")
            let v = try await client.get(Self.items(many, "&limit=1"))
            let problem = try json(v)
            #expect(v.status == .badRequest && problem["parameter"] as? String == "filter")
        }
    }

    /// Every shape of nesting the parser lets through either compiles to SQL that SQLite
    /// parses or is refused as a CQL2Error: nothing in between reaches SQLite to fail there.
    @Test func nestingNeverOverflowsSQLitesParser() throws {
        let env = try TestEnvironment.withSampleLedger()
        let def = try env.store.layer("sewer_pipes")
        let store = env.store
        let compiler = CQL2Compiler(layer: def, srid: store.city.srid) { try OGCCRS.crs84.toStorage($0, store: store) }
        let leaf = "diameter_mm = 300"
        let geo = "S_INTERSECTS(geometry, BBOX(135.55, 34.76, 135.57, 34.78))"
        let shapes: [(String, (Int) -> String)] = [
            ("parentheses", { String(repeating: "(", count: $0) + leaf + String(repeating: ")", count: $0) }),
            ("NOT", { String(repeating: "NOT ", count: $0) + leaf }),
            ("NOT (", { String(repeating: "NOT (", count: $0) + leaf + String(repeating: ")", count: $0) }),
            ("AND (", { String(repeating: "\(leaf) AND (", count: $0) + leaf + String(repeating: ")", count: $0) }),
            (
                "alternating",
                { d in (0..<d).map { $0 % 2 == 0 ? "\(leaf) AND (" : "\(leaf) OR (" }.joined() + leaf + String(repeating: ")", count: d) }
            ),
            ("AND NOT (", { String(repeating: "\(leaf) OR NOT (", count: $0) + geo + String(repeating: ")", count: $0) }),
            (
                "OR chains",
                { d in
                    (0..<d).map { _ in "(" + Array(repeating: leaf, count: 50).joined(separator: " OR ") + ") AND (" }.joined() + geo
                        + String(repeating: ")", count: d)
                }
            ),
            ("left-deep", { String(repeating: "(", count: $0) + leaf + String(repeating: " OR \(geo))", count: $0) }),
        ]
        var compiledSome = Set<String>()
        for (name, make) in shapes {
            for depth in 1...45 {
                let filter = make(depth)
                let f: SQLFragment
                do {
                    f = try compiler.compile(try CQL2Parser.parse(filter))
                } catch is CQL2Error {
                    continue
                }
                compiledSome.insert(name)
                let n = try syncRead(env) { db in
                    try Int.fetchOne(
                        db, sql: "SELECT count(*) FROM sewer_pipes t WHERE \(f.sql)", arguments: StatementArguments(f.arguments))
                }
                #expect(n != nil, "\(name) at depth \(depth)")
            }
        }
        #expect(compiledSome.count == shapes.count, "every shape compiles at small depths")
    }

    /// Literals are never null (CQL2 allows them there); a geometry literal used to leave
    /// its `?` unbound, a 500.
    @Test(arguments: [
        ("POINT(0 0) IS NULL", false), ("POINT(0 0) IS NOT NULL", true), ("BBOX(0, 0, 1, 1) IS NULL", false),
        ("'x' IS NULL", false), ("1 IS NOT NULL", true), ("DATE('2024-01-01') IS NULL", false), ("TRUE IS NULL", false),
        ("1 = 1", true), ("1 = 2", false), ("'a' LIKE 'a%'", true), ("5 BETWEEN 1 AND 10", true), ("5 IN (1, 2)", false),
        ("NOT (1 = 1)", false), ("TRUE = FALSE", false), ("9223372036854775807 < 92233720368547758070", true),
        ("1e308 > -1e308", true), ("TIMESTAMP('2024-01-01T00:00:00Z') = TIMESTAMP('2024-01-01T09:00:00+09:00')", true),
    ])
    func literalOnlyPredicatesAreConstants(_ filter: String, _ all: Bool) async throws {
        let env = try TestEnvironment.withSampleLedger()
        let total = try env.count("sewer_pipes")
        try await withApp(env) { client in
            let r = try await client.get(Self.items(filter, "&limit=1"))
            #expect(r.status == .ok, "\(filter): \(String(buffer: r.body).prefix(300))")
            #expect(try json(r)["numberMatched"] as? Int == (all ? total : 0), "\(filter)")
        }
    }

    /// Odd and hostile constructs: each is a 200 or a 400 naming `filter`, never a 500.
    @Test func oddConstructsAreAnsweredOrRefused() async throws {
        let env = try TestEnvironment.withSampleLedger()
        let filters = [
            "geometry IS NULL", "geometry IS NOT NULL", "POINT(0 0) = POINT(0 0)", "geometry = POINT(0 0)", "POINT(0 0) IN (POINT(0 0))",
            "BBOX(0,0,1,1) BETWEEN 1 AND 2", "POINT(0 0) LIKE 'x'", "S_INTERSECTS(POINT(0 0), POINT(0 0))",
            "S_INTERSECTS(geometry, POINT(1e300 1e300))", "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 0 1, 1 0, 0 0)))",
            "diameter_mm = 1e999", "diameter_mm = 99999999999999999999999", "diameter_mm = -0", "diameter_mm = NaN",
            "diameter_mm = Infinity", "pipe_no LIKE '" + String(repeating: "*", count: 5_000) + "'",
            "pipe_no LIKE '" + String(repeating: "下", count: 20_000) + "'", "pipe_no = '\u{0}'", "'a' = 'a'", "TRUE", "FALSE",
            "NOT TRUE", "TRUE AND FALSE", "install_year = DATE('2024-01-01')", "DATE('2024-01-01') < DATE('2025-01-01')",
            "pipe_no IN ()", "pipe_no IS NULL IS NULL",
            "(((((((((((((((((((((((((((((((((((((((((pipe_no = 'x')))))))))))))))))))))))))))))))))))))))",
        ]
        try await withApp(env) { client in
            for filter in filters {
                let r = try await client.get(Self.items(filter, "&limit=1"))
                #expect(r.status == .ok || r.status == .badRequest, "\(filter.prefix(80)): \(r.status)")
                if r.status == .badRequest {
                    let problem = try json(r)
                    #expect(problem["parameter"] as? String == "filter", "\(filter.prefix(80))")
                }
            }
        }
    }

    /// GRDB's statement cache kept one prepared statement per distinct SQL text forever;
    /// filters of 300 IN-list lengths kept 300 statements (and grew the server by 490 MB).
    @Test func distinctFiltersDoNotGrowTheStatementCache() async throws {
        let env = try TestEnvironment.withSampleLedger()
        func send(_ shapes: ClosedRange<Int>) async throws {
            try await withApp(env) { client in
                for n in shapes {
                    let list = (0..<n).map(String.init).joined(separator: ",")
                    // Half with a bbox: those go through the R*Tree id query.
                    let bbox = n % 2 == 0 ? "&bbox=135.55,34.76,135.57,34.78" : ""
                    let r = try await client.get(Self.items("diameter_mm IN (\(list))", "&limit=1\(bbox)"))
                    #expect(r.status == .ok)
                }
            }
        }
        // The per-layer statements are cached once per reader connection: warm them first.
        try await send(1...50)
        let before = try liveStatements(env)
        try await send(51...350)
        let after = try liveStatements(env)
        #expect(after - before < 50, "prepared statements: \(before) before, \(after) after 300 more filter shapes")
    }

    @Test func matchCacheStaysWithinItsBounds() {
        let cache = MatchCache()
        let bigQuery = String(repeating: "x", count: 100_000)
        let ids = Array(0..<Int64(5_000))
        for i in 0..<600 {
            cache.put(.init(layer: "l", version: 1, query: "\(i)" + (i % 10 == 0 ? bigQuery : "")), .ids(ids))
        }
        let u = cache.usage
        #expect(u.entries <= MatchCache.maxEntries)
        #expect(u.ids <= MatchCache.maxTotalIds)
        #expect(u.keyBytes <= MatchCache.maxKeyBytes)
    }
}

/// Prepared statements alive on the pool's reader connections, from SQLite's `sqlite_stmt`
/// table. Every reader is held at once, one thread each, so each connection is counted.
func liveStatements(_ env: TestEnvironment) throws -> Int {
    let readers = env.store.pool.configuration.maximumReaderCount
    final class Tally: Sendable {
        let arrived = Mutex(0)
        let counts = Mutex([Int]())
    }
    let tally = Tally()
    let group = DispatchGroup()
    for _ in 0..<readers {
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            try? env.store.pool.read { db in
                tally.arrived.withLock { $0 += 1 }
                let deadline = Date().addingTimeInterval(10)
                while tally.arrived.withLock({ $0 }) < readers, Date() < deadline { usleep(1_000) }
                // The counting statement itself is one of them.
                let n = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_stmt")! - 1
                tally.counts.withLock { $0.append(n) }
            }
        }
    }
    group.wait()
    let all = tally.counts.withLock { $0 }
    guard all.count == readers else { throw StoreError("only \(all.count) of \(readers) readers answered") }
    return all.reduce(0, +)
}
