import Foundation
import GRDB
import MachiCore
import MachiGeometry
import MachiTestSupport
import Testing

@testable import MachiParking

/// PATCH semantics: what may change, what is ignored, what is refused and what the history says.
@Suite struct CaseUpdateTests {
    let staff = StaffUser(name: "traffic1", role: .roadTraffic)
    let now = ISO8601DateFormatter().date(from: "2026-11-20T04:00:00Z")!

    func newCase(_ cases: ParkingCases, lon: Double = 135.5764, lat: Double = 34.7771, notes: String? = nil) async throws -> String {
        let extra = notes.map { #","notes":"\#($0)""# } ?? ""
        let body =
            #"{"type":"Feature","geometry":{"type":"Point","coordinates":[\#(lon),\#(lat)]},"properties":{"observed_at":"2026-11-20T12:55:00+09:00","category":"違法駐車"\#(extra)}}"#
        let c = try await cases.create(body: Array(body.utf8), user: staff, idempotencyKey: nil, now: now)
        return try #require(c.item.feature.string("id", in: cases.layer))
    }

    /// A scratch store holding one new case.
    func withCase(_ body: (TestEnvironment, ParkingCases, String) async throws -> Void) async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        try await body(env, cases, try await newCase(cases))
    }

    func patch(_ cases: ParkingCases, _ id: String, _ json: String, _ ifMatch: String) async throws -> ParkingCase {
        try await cases.update(id: id, body: Array(json.utf8), ifMatch: ifMatch, user: staff, now: now)
    }

    func refuses(_ field: String, _ body: () async throws -> Void) async {
        await #expect {
            try await body()
        } throws: { ($0 as? QueryParameterError)?.parameter == field }
    }

    @Test func serverSetFieldsAreIgnoredNotRefused() async throws {
        try await withCase { _, cases, id in
            // Nothing but server-set fields: a no-op, not a 400 and not a new version.
            let same = try await patch(
                cases, id,
                #"{"id":"X","history":[],"properties":{"version":5,"id":"X","created_by":"mallory","reported_at":"2020-01-01T00:00:00+09:00","updated_at":"2020-01-01T00:00:00+09:00","history":[]}}"#,
                "\"v1\"")
            #expect(same.version == 1)
            let changed = try await patch(cases, id, #"{"properties":{"version":9,"created_by":"mallory","notes":"再確認"}}"#, "\"v1\"")
            #expect(changed.version == 2)
            #expect(changed.feature.string("created_by", in: cases.layer) == "traffic1")
            #expect(changed.feature.string("notes", in: cases.layer) == "再確認")
            await refuses("colour") { _ = try await patch(cases, id, #"{"properties":{"colour":"red"}}"#, "\"v2\"") }
        }
    }

    @Test func historyRecordsOnlyWhatChanged() async throws {
        try await withCase { _, cases, id in
            _ = try await patch(cases, id, #"{"properties":{"status":"resolved"}}"#, "\"v1\"")
            // The phone resends the status it shows with the new note.
            _ = try await patch(cases, id, #"{"properties":{"status":"resolved","notes":"撤去済み"}}"#, "\"v2\"")
            // A save that changes nothing writes nothing.
            let unchanged = try await patch(cases, id, #"{"properties":{"status":"resolved","notes":"撤去済み"}}"#, "\"v3\"")
            #expect(unchanged.version == 3)
            let (_, history) = try cases.get(id: id)
            #expect(history.map(\.action) == ["create", "status:resolved", "update"])
            #expect(history[2].changesJSON == #"{"notes":[null,"撤去済み"]}"#)
        }
    }

    @Test func inProgressMayGoBackToOpenButClosedStatesAreFinal() async throws {
        try await withCase { _, cases, id in
            _ = try await patch(cases, id, #"{"properties":{"status":"in_progress"}}"#, "\"v1\"")
            let reopened = try await patch(cases, id, #"{"properties":{"status":"open"}}"#, "\"v2\"")
            #expect(reopened.feature.string("status", in: cases.layer) == "open")
            _ = try await patch(cases, id, #"{"properties":{"status":"not_actionable"}}"#, "\"v3\"")
            for s in ["open", "in_progress", "resolved"] {
                await #expect(throws: ParkingError.transitionNotAllowed(from: "not_actionable", to: s)) {
                    _ = try await patch(cases, id, #"{"properties":{"status":"\#(s)"}}"#, "\"v4\"")
                }
            }
            let (_, history) = try cases.get(id: id)
            #expect(history.map(\.action) == ["create", "status:in_progress", "status:open", "status:not_actionable"])
        }
    }

    @Test func aDuplicateMustKeepPointingAtAnotherExistingCase() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        let a = try await newCase(cases)
        let b = try await newCase(cases)
        let c = try await newCase(cases)
        await refuses("duplicate_of") {
            _ = try await patch(cases, b, #"{"properties":{"status":"duplicate","duplicate_of":"\#(b)"}}"#, "\"v1\"")
        }
        await refuses("duplicate_of") {
            _ = try await patch(cases, b, #"{"properties":{"status":"duplicate","duplicate_of":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}}"#, "\"v1\"")
        }
        await refuses("duplicate_of") {
            _ = try await patch(cases, b, #"{"properties":{"status":"duplicate","duplicate_of":null}}"#, "\"v1\"")
        }
        await refuses("duplicate_of") { _ = try await patch(cases, b, #"{"properties":{"duplicate_of":"\#(a)"}}"#, "\"v1\"") }
        _ = try await patch(cases, b, #"{"properties":{"status":"duplicate","duplicate_of":"\#(a)"}}"#, "\"v1\"")

        // Emptying, self-reference and a missing case are refused on a duplicate too.
        await refuses("duplicate_of") { _ = try await patch(cases, b, #"{"properties":{"duplicate_of":null}}"#, "\"v2\"") }
        await refuses("duplicate_of") { _ = try await patch(cases, b, #"{"properties":{"duplicate_of":"\#(b)"}}"#, "\"v2\"") }
        await refuses("duplicate_of") {
            _ = try await patch(cases, b, #"{"properties":{"duplicate_of":"01ARZ3NDEKTSV4RRFFQ69G5FAV"}}"#, "\"v2\"")
        }
        // a cannot become a duplicate of b, which repeats a: neither would be the original.
        await refuses("duplicate_of") {
            _ = try await patch(cases, a, #"{"properties":{"status":"duplicate","duplicate_of":"\#(b)"}}"#, "\"v1\"")
        }
        let (stored, _) = try cases.get(id: b)
        #expect(stored.version == 2 && stored.feature.string("duplicate_of", in: cases.layer) == a)

        // Correcting the original is fine, and notes stay editable.
        let moved = try await patch(cases, b, #"{"properties":{"duplicate_of":"\#(c)","notes":"元は別件"}}"#, "\"v2\"")
        #expect(moved.feature.string("duplicate_of", in: cases.layer) == c)
    }

    @Test func patchWithAPointMovesTheCaseAndRecordsIt() async throws {
        try await withCase { env, cases, id in
            let moved = try await patch(
                cases, id, #"{"geometry":{"type":"Point","coordinates":[135.5620,34.7773]},"properties":{"address":"市役所前"}}"#, "\"v1\"")
            #expect(moved.version == 2)
            let lonLat = try env.store.toLonLat.withTransformer { try $0.transform(moved.feature.geometry) }
            guard case .point(let p) = lonLat else {
                Issue.record("not a point: \(lonLat)")
                return
            }
            #expect(abs(p.x - 135.5620) < 1e-7 && abs(p.y - 34.7773) < 1e-7)
            // The spatial index follows the move.
            func found(near lon: Double, _ lat: Double) throws -> Bool {
                var f = CaseFilter()
                f.box = try env.store.planeBox(
                    lonLat: BoundingBox(minX: lon - 0.0005, minY: lat - 0.0005, maxX: lon + 0.0005, maxY: lat + 0.0005))
                return try cases.list(filter: f, limit: 10, offset: 0, view: cases.layer).matched == 1
            }
            #expect(try found(near: 135.5620, 34.7773))
            #expect(try !found(near: 135.5764, 34.7771))
            let (_, history) = try cases.get(id: id)
            #expect(history.last?.action == "update")
            #expect(history.last?.changesJSON == #"{"address":[null,"市役所前"],"geometry":[[135.5764,34.7771],[135.562,34.7773]]}"#)

            // A whole Feature works too; the same point again changes nothing.
            let same = try await patch(
                cases, id, #"{"type":"Feature","geometry":{"type":"Point","coordinates":[135.5620,34.7773]},"properties":{}}"#, "\"v2\"")
            #expect(same.version == 2)
        }
    }

    @Test(arguments: [
        #"{"geometry":{"type":"Point","coordinates":[139.76,35.68]}}"#,
        #"{"geometry":{"type":"Point","coordinates":["x",34.7771]}}"#,
        #"{"geometry":{"type":"Point","coordinates":[135.5764]}}"#,
        #"{"geometry":{"type":"LineString","coordinates":[[135.5764,34.7771],[135.5765,34.7772]]}}"#,
        #"{"geometry":null}"#,
    ])
    func aBadLocationIsRefusedLikeOnCreate(_ json: String) async throws {
        try await withCase { _, cases, id in
            await refuses("geometry") { _ = try await patch(cases, id, json, "\"v1\"") }
            let (stored, history) = try cases.get(id: id)
            #expect(stored.version == 1 && history.count == 1)
        }
    }

    @Test func ifMatchStarOrAListOfTagsIsAccepted() async throws {
        try await withCase { _, cases, id in
            let v2 = try await patch(cases, id, #"{"properties":{"notes":"a"}}"#, "*")
            #expect(v2.version == 2)
            let v3 = try await patch(cases, id, #"{"properties":{"notes":"b"}}"#, #""v1", W/"v2""#)
            #expect(v3.version == 3)
            await #expect(throws: ParkingError.versionMismatch(current: 3)) {
                _ = try await patch(cases, id, #"{"properties":{"notes":"c"}}"#, #""v1", "v2""#)
            }
            await refuses("If-Match") { _ = try await patch(cases, id, #"{"properties":{"notes":"c"}}"#, "v3") }
            await #expect(throws: ParkingError.notFound("01ARZ3NDEKTSV4RRFFQ69G5FAV")) {
                _ = try await patch(cases, "01ARZ3NDEKTSV4RRFFQ69G5FAV", #"{"properties":{"notes":"c"}}"#, "*")
            }
        }
    }

    @Test func cp932ExportWritesUnencodableCharactersAsGetaMarks() async throws {
        let env = try TestEnvironment()
        defer { env.cleanup() }
        let cases = try ParkingCases(store: env.store)
        _ = try await newCase(cases, notes: "A🚗B\u{FFFD}C👍🏽駐車")
        _ = try await newCase(cases, notes: "ok")
        // A note starting with a lone variation selector would join the comma before it into
        // one character; the comma must survive.
        _ = try await newCase(cases, notes: "\u{FE0F}x")
        let csv = try cases.exportCSV(filter: CaseFilter(), view: cases.layer.view(for: nil, .bulk), encoding: .cp932)
        #expect(csv.substitutions == 4)
        #expect(csv.bytes.indices.contains { csv.bytes[$0...].starts(with: [0x2C, 0x81, 0xAC, 0x78, 0x2C]) })
        // 〓 is 0x81AC in CP932, 駐車 0x9293 0x8ED4; the skin-toned thumb is one character, one mark.
        let expected: [UInt8] = [0x41, 0x81, 0xAC, 0x42, 0x81, 0xAC, 0x43, 0x81, 0xAC, 0x92, 0x93, 0x8E, 0xD4]
        #expect(csv.bytes.indices.contains { csv.bytes[$0...].starts(with: expected) })
        #expect(csv.bytes.indices.contains { csv.bytes[$0...].starts(with: Array(",ok,".utf8)) })
        let utf8 = try cases.exportCSV(filter: CaseFilter(), view: cases.layer.view(for: nil, .bulk), encoding: .utf8)
        #expect(utf8.substitutions == 0)
        #expect(String(decoding: utf8.bytes, as: UTF8.self).contains("A🚗B\u{FFFD}C👍🏽駐車"))
    }
}
