import Foundation
import HTTPTypes
import HummingbirdTesting
import MachiCore
import MachiTestSupport
import Testing

/// `datetime` and TIMESTAMP filters on a layer with a time attribute (parking cases,
/// `temporal: observed_at`), read with a road-traffic token.
@Suite struct TemporalTests {
    static let cases = [
        ("C-1", "2025-04-01T08:30:00+09:00"), ("C-2", "2025-04-01T23:59:59+09:00"), ("C-3", "2025-04-02T00:00:00+09:00"),
        ("C-4", "2025-04-10T12:00:00Z"),
    ]

    func fixture() throws -> StaffFixture {
        let f = try StaffFixture.make()
        let features = Self.cases.map { id, at in
            """
            {"type":"Feature","properties":{"id":"\(id)","observed_at":"\(at)","category":"違法駐車","status":"open"},\
            "geometry":{"type":"Point","coordinates":[135.566,34.776]}}
            """
        }
        let r = try Importer(store: f.env.store).run(
            layer: "parking_incidents", path: try f.env.write("cases.geojson", FixtureJSON.collection(features)))
        guard r.committed else { throw StoreError("cases did not load: \(r.issues)") }
        return f
    }

    @Test(arguments: [
        ("2025-04-01", ["C-1", "C-2"]),
        ("2025-04-01T23:59:59%2B09:00", ["C-2"]),
        ("2025-04-01T14:59:59Z", ["C-2"]),
        ("2025-04-01T00:00:00Z/2025-04-01T23:00:00Z", ["C-2", "C-3"]),
        ("../2025-04-01", ["C-1", "C-2"]),
        ("2025-04-02/..", ["C-3", "C-4"]),
        ("2025-04-02T00:00:00%2B09:00/", ["C-3", "C-4"]),
        ("2025-04-03/2025-04-30", ["C-4"]),
    ])
    func datetimeInstantsAndIntervals(_ datetime: String, _ expected: [String]) async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f.env) { client in
            let body = try json(
                try await client.get("/ogc/collections/parking_incidents/items?datetime=\(datetime)", f.bearer(f.roadToken)))
            let ids = (body["features"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == expected, "\(datetime)")
            #expect(body["numberMatched"] as? Int == expected.count)
        }
    }

    @Test func badDatetimesAndTimestampFiltersAndTemporalExtent() async throws {
        let f = try fixture()
        defer { f.env.cleanup() }
        try await withApp(f.env) { client in
            let road = f.bearer(f.roadToken)
            for bad in ["yesterday", "2025-04-02/2025-04-01", "../..", "2025-13-01"] {
                let r = try await client.get("/ogc/collections/parking_incidents/items?datetime=\(bad)", road)
                #expect(r.status == .badRequest, "\(bad)")
                #expect(try json(r)["parameter"] as? String == "datetime")
            }
            let filter =
                "observed_at%20%3E%3D%20TIMESTAMP('2025-04-01T15:00:00Z')%20AND%20observed_at%20%3C%20'2025-04-10T00:00:00%2B09:00'"
            let t = try json(try await client.get("/ogc/collections/parking_incidents/items?filter=\(filter)", road))
            #expect((t["features"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["C-3"])
            let c = try json(try await client.get("/ogc/collections/parking_incidents", road))
            let interval = ((c["extent"] as? [String: Any])?["temporal"] as? [String: Any])?["interval"] as? [[String]]
            #expect(interval == [["2025-04-01T08:30:00+09:00", "2025-04-10T21:00:00+09:00"]])
        }
    }
}
