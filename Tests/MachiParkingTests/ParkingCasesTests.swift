import Foundation
import GRDB
import MachiCore
import MachiGeometry
import MachiTestSupport
import Testing

@testable import MachiParking

@Suite struct ParkingCasesTests {
    let staff = StaffUser(name: "traffic1", role: .roadTraffic)
    let now = ISO8601DateFormatter().date(from: "2026-11-20T04:00:00Z")!  // 13:00 JST, a Friday

    func body(
        lon: Double = 135.5764, lat: Double = 34.7771, category: String = "違法駐車", observed: String = "2026-11-20T12:55:00+09:00",
        extra: String = ""
    ) -> [UInt8] {
        Array(
            """
            {"type":"Feature","geometry":{"type":"Point","coordinates":[\(lon),\(lat)]},
             "properties":{"observed_at":"\(observed)","category":"\(category)","vehicle_type":"普通","plate":"なにわ 500 あ 12-34","accuracy_m":8\(extra)}}
            """.utf8)
    }

    @Test func createStoresAnOpenCaseWithServerFieldsAndHistory() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let c = try await cases.create(
            body: body(extra: #","status":"resolved","created_by":"mallory","id":"X""#), user: staff, idempotencyKey: nil, now: now)
        let f = c.item.feature
        let id = try #require(f.string("id", in: cases.layer))
        #expect(ULID.isValid(id))
        #expect(f.string("status", in: cases.layer) == "open")  // server-set fields in the body are ignored
        #expect(f.string("created_by", in: cases.layer) == "traffic1")
        #expect(f.string("observed_at", in: cases.layer) == "2026-11-20T12:55:00+09:00")
        #expect(f.string("reported_at", in: cases.layer) == "2026-11-20T13:00:00+09:00")
        #expect(c.item.version == 1)
        #expect(!c.replayed && c.possibleDuplicates.isEmpty)
        let (_, history) = try cases.get(id: id)
        #expect(history.map(\.action) == ["create"])
        #expect(history[0].user == "traffic1")
    }

    @Test func idempotencyKeyReturnsTheSameCase() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let a = try await cases.create(body: body(), user: staff, idempotencyKey: "k-1", now: now)
        let b = try await cases.create(body: body(), user: staff, idempotencyKey: "k-1", now: now)
        #expect(a.item.feature.string("id", in: cases.layer) == b.item.feature.string("id", in: cases.layer))
        #expect(b.replayed)
        #expect(try env.count("parking_incidents") == 1)
        _ = try await cases.create(body: body(), user: staff, idempotencyKey: "k-2", now: now)
        #expect(try env.count("parking_incidents") == 2)
    }

    @Test func nearbyOpenCasesAreFlaggedAsPossibleDuplicates() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let first = try await cases.create(body: body(), user: staff, idempotencyKey: nil, now: now)
        // ~18 m east: a possible duplicate. ~90 m east: not.
        let near = try await cases.create(body: body(lon: 135.5766), user: staff, idempotencyKey: nil, now: now)
        let far = try await cases.create(body: body(lon: 135.5774), user: staff, idempotencyKey: nil, now: now)
        #expect(near.possibleDuplicates.map(\.id) == [first.item.feature.string("id", in: cases.layer)!])
        #expect(abs(near.possibleDuplicates[0].distance - 18.3) < 0.5)
        #expect(far.possibleDuplicates.isEmpty)
    }

    /// Parking writes bump the layer's data version: the nearest-search tree built before a
    /// write is not used after it, on the tree path (fresh) and the box path (stale, 30 m).
    @Test func duplicateSuggestionsFollowWritesWithATreeBuilt() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let first = try await cases.create(body: body(), user: staff, idempotencyKey: nil, now: now)
        let firstID = first.item.feature.string("id", in: cases.layer)!
        let near = try await cases.create(body: body(lon: 135.5766), user: staff, idempotencyKey: nil, now: now)
        let nearest = NearestQuery(store: env.store)
        let p = try env.store.toPlane.transform(Position(135.5766, 34.7771))
        func unbounded() throws -> [String?] {
            try nearest.nearest(layer: cases.layer, point: p, k: 10, maxDistance: nil).map { $0.feature.string("id", in: cases.layer) }
        }
        #expect(try unbounded().count == 2)
        #expect(env.store.nearestIndex.version("parking_incidents") == (try env.store.dataVersion("parking_incidents")))
        #expect(try cases.nearbyOpen(to: near.item, now: now).map(\.id) == [firstID])  // from the tree

        // Resolving the first case is a write: it is no longer suggested, with or without a rebuild.
        _ = try await cases.update(
            id: firstID, body: Array(#"{"properties":{"status":"resolved"}}"#.utf8), ifMatch: "*", user: staff, now: now)
        #expect(try cases.nearbyOpen(to: near.item, now: now).isEmpty)
        #expect(try unbounded().count == 2)
        #expect(try cases.nearbyOpen(to: near.item, now: now).isEmpty)

        // A new case is found by the next unbounded search, and suggested from the rebuilt tree.
        let third = try await cases.create(body: body(lon: 135.5765), user: staff, idempotencyKey: nil, now: now)
        let thirdID = third.item.feature.string("id", in: cases.layer)!
        #expect(third.possibleDuplicates.map(\.id) == [near.item.feature.string("id", in: cases.layer)!])
        #expect(try unbounded().dropFirst().first == thirdID, "9 m from the query point, after the case at it")
        #expect(try cases.nearbyOpen(to: near.item, now: now).map(\.id) == [thirdID])
    }

    @Test(arguments: [
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[]},"properties":{"observed_at":"2026-11-20T12:00:00+09:00","category":"違法駐車"}}"#,
            "geometry"
        ),
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":["x",34.7]},"properties":{"observed_at":"2026-11-20T12:00:00+09:00","category":"違法駐車"}}"#,
            "geometry"
        ),
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[139.76,35.68]},"properties":{"observed_at":"2026-11-20T12:00:00+09:00","category":"違法駐車"}}"#,
            "geometry"
        ),
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"observed_at":"2026-11-20T12:00:00+09:00","category":"駐車"}}"#,
            "category"
        ),
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"observed_at":"2026-11-20T13:30:00+09:00","category":"違法駐車"}}"#,
            "observed_at"
        ),
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"observed_at":"yesterday","category":"違法駐車"}}"#,
            "observed_at"
        ),
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"category":"違法駐車"}}"#,
            "observed_at"
        ),
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"observed_at":"2026-11-20T12:00:00+09:00","category":"違法駐車","colour":"red"}}"#,
            "colour"
        ),
        (
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5764,34.7771]},"properties":{"observed_at":"2026-11-20T12:00:00+09:00","category":"違法駐車","duration_min":"long"}}"#,
            "duration_min"
        ),
        (#"{"type":"Feature", "geometry":"#, "body"),
    ])
    func badCasesAreRefusedNamingTheFieldAndWriteNothing(_ json: String, _ field: String) async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        await #expect {
            try await cases.create(body: Array(json.utf8), user: staff, idempotencyKey: nil, now: now)
        } throws: { error in
            (error as? QueryParameterError)?.parameter == field
        }
        #expect(try env.count("parking_incidents") == 0)
        #expect(try await env.store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM parking_history") } == 0)
    }

    @Test func updatesNeedTheCurrentVersionAndFollowTheWorkflow() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let c = try await cases.create(body: body(), user: staff, idempotencyKey: nil, now: now)
        let id = c.item.feature.string("id", in: cases.layer)!
        let patch = { (s: String) in Array(#"{"properties":{"status":"\#(s)"}}"#.utf8) }
        await #expect(throws: ParkingError.preconditionRequired) {
            try await cases.update(id: id, body: patch("in_progress"), ifMatch: nil, user: staff)
        }
        let v2 = try await cases.update(id: id, body: patch("in_progress"), ifMatch: "\"v1\"", user: staff)
        #expect(v2.version == 2)
        // A second editor still holding v1 loses.
        await #expect(throws: ParkingError.versionMismatch(current: 2)) {
            try await cases.update(id: id, body: patch("resolved"), ifMatch: "\"v1\"", user: staff)
        }
        let v3 = try await cases.update(id: id, body: patch("resolved"), ifMatch: "\"v2\"", user: staff)
        #expect(v3.feature.string("status", in: cases.layer) == "resolved")
        await #expect(throws: ParkingError.transitionNotAllowed(from: "resolved", to: "open")) {
            try await cases.update(id: id, body: patch("open"), ifMatch: "\"v3\"", user: staff)
        }
        // Server-set fields are ignored, not written.
        let same = try await cases.update(id: id, body: Array(#"{"properties":{"created_by":"x"}}"#.utf8), ifMatch: "\"v3\"", user: staff)
        #expect(same.version == 3 && same.feature.string("created_by", in: cases.layer) == "traffic1")
        let (_, history) = try cases.get(id: id)
        #expect(history.map(\.action) == ["create", "status:in_progress", "status:resolved"])
        #expect(history[2].changesJSON == #"{"status":["in_progress","resolved"]}"#)
    }

    @Test func duplicateNeedsAnExistingOtherCase() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let a = try await cases.create(body: body(), user: staff, idempotencyKey: nil, now: now).item.feature.string("id", in: cases.layer)!
        let b = try await cases.create(body: body(), user: staff, idempotencyKey: nil, now: now).item.feature.string("id", in: cases.layer)!
        await #expect {
            try await cases.update(id: b, body: Array(#"{"properties":{"status":"duplicate"}}"#.utf8), ifMatch: "\"v1\"", user: staff)
        } throws: {
            ($0 as? QueryParameterError)?.parameter == "duplicate_of"
        }
        let d = try await cases.update(
            id: b, body: Array(#"{"properties":{"status":"duplicate","duplicate_of":"\#(a)"}}"#.utf8), ifMatch: "\"v1\"", user: staff)
        #expect(d.feature.string("duplicate_of", in: cases.layer) == a)
    }

    @Test func purgeDeletesOldCasesWithHistoryAndLogsIt() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let old = ISO8601DateFormatter().date(from: "2019-05-01T03:00:00Z")!
        _ = try await cases.create(body: body(observed: "2019-05-01T11:00:00+09:00"), user: staff, idempotencyKey: nil, now: old)
        _ = try await cases.create(body: body(), user: staff, idempotencyKey: nil, now: now)
        let cutoff = ISO8601DateFormatter().date(from: "2021-11-20T00:00:00Z")!
        #expect(try cases.purge(before: cutoff, user: "admin1") == 1)
        #expect(try env.count("parking_incidents") == 1)
        try await env.store.pool.read { db throws in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM parking_history") == 1)
            #expect(try Int.fetchOne(db, sql: "SELECT purged FROM parking_purge_log") == 1)
        }
    }
}

@Suite struct HotspotTests {
    /// JIS X 0410 codes by the standard's digit-by-digit formulas, independent of MeshCell.
    func referenceQuarterCode(lat: Double, lon: Double) -> String {
        let p = Int(lat * 1.5), a = lat * 60 - Double(p) * 40
        let q = Int(a / 5), b = a - Double(q) * 5
        let r = Int(b * 60 / 30), c = b * 60 - Double(r) * 30
        let s = Int(c / 15), d = c - Double(s) * 15
        let t = Int(d / 7.5)
        let u = Int(lon - 100), f = lon - 100 - Double(u)
        let v = Int(f * 60 / 7.5), g = f * 60 - Double(v) * 7.5
        let w = Int(g * 60 / 45), h = g * 60 - Double(w) * 45
        let x = Int(h / 22.5), i = h - Double(x) * 22.5
        let y = Int(i / 11.25)
        return "\(p)\(u)\(q)\(v)\(r)\(w)\(s * 2 + x + 1)\(t * 2 + y + 1)"
    }

    @Test func quarterMeshCodesMatchTheStandard() {
        for (lat, lon) in [(34.7773, 135.5620), (34.7539, 135.5401), (34.7950, 135.5990), (35.6812, 139.7671)] {
            #expect(MeshCell(Position(lon, lat), size: .quarter).code(size: .quarter) == referenceQuarterCode(lat: lat, lon: lon))
        }
        // 摂津市役所 lies in 3次メッシュ 52351434.
        #expect(MeshCell(Position(135.5620, 34.7773), size: .quarter).code(size: .quarter).hasPrefix("52351434"))
        #expect(MeshCell(Position(135.5620, 34.7773), size: .hundred).code(size: .hundred) == "5235143429")
    }

    @Test func aDenseClusterIsAHotCellAndALoneCaseIsNot() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let staff = StaffUser(name: "t", role: .roadTraffic)
        let now = ISO8601DateFormatter().date(from: "2026-11-20T04:00:00Z")!
        func post(_ lon: Double, _ lat: Double, _ observed: String) async throws {
            let b =
                #"{"type":"Feature","geometry":{"type":"Point","coordinates":[\#(lon),\#(lat)]},"properties":{"observed_at":"\#(observed)","category":"違法駐車"}}"#
            _ = try await cases.create(body: Array(b.utf8), user: staff, idempotencyKey: nil, now: now)
        }
        for i in 0..<12 { try await post(135.5700 + Double(i) * 0.00005, 34.7800, "2026-11-16T08:\(10 + i):00+09:00") }  // Monday 08:xx
        try await post(135.5450, 34.7600, "2026-11-19T22:00:00+09:00")  // Thursday 22:00
        let r = try cases.hotspots(filter: CaseFilter(), size: .quarter)
        #expect(r.total == 13)
        #expect(r.byHour[8] == 12 && r.byHour[22] == 1)
        #expect(r.byWeekday[0] == 12 && r.byWeekday[3] == 1)
        let top = try #require(r.cells.first)
        #expect(top.count == 12)
        #expect(top.z > 1.96 && top.p < 0.05)
        let lone = try #require(r.cells.first { $0.count == 1 })
        #expect(lone.z < 1.96)

        // Reference Gi* for the top cell, straight from the definition over the study grid.
        let e = env.store.city.extent
        let sw = MeshCell(Position(e.minX, e.minY), size: .quarter)
        let ne = MeshCell(Position(e.maxX, e.maxY), size: .quarter)
        let n = Double((ne.row - sw.row + 1) * (ne.col - sw.col + 1))
        let xs: [MeshCell: Double] = Dictionary(uniqueKeysWithValues: r.cells.map { ($0.cell, Double($0.count)) })
        let mean = 13 / n
        let s = ((xs.values.reduce(0) { $0 + $1 * $1 }) / n - mean * mean).squareRoot()
        var local = 0.0
        for dr in -1...1 { for dc in -1...1 { local += xs[MeshCell(row: top.cell.row + dr, col: top.cell.col + dc)] ?? 0 } }
        let z = (local - mean * 9) / (s * ((n * 9 - 81) / (n - 1)).squareRoot())
        #expect(abs(z - top.z) < 1e-9)
    }
}
