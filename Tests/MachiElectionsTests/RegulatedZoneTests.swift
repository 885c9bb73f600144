import Foundation
import MachiCore
import MachiElections
import MachiGeometry
import Testing

/// The 300 m regulated zones, built in the plane CS with GEOS, measured on the ellipsoid with
/// PROJ's geodesic: every vertex and every chord within 0.5 m of 300 m.
@Suite struct RegulatedZoneTests {
    /// Stations across the city: near the zone VI origin's meridian the plane scale is 0.9999,
    /// so an uncorrected buffer would be 3 cm short; farther west, a little less.
    static let stations = """
        {"type":"FeatureCollection","features":[
        {"type":"Feature","properties":{"station_no":"1","name":"西"},"geometry":{"type":"Point","coordinates":[135.540,34.790]}},
        {"type":"Feature","properties":{"station_no":"2","name":"中"},"geometry":{"type":"Point","coordinates":[135.5764,34.7771]}},
        {"type":"Feature","properties":{"station_no":"3","name":"南"},"geometry":{"type":"Point","coordinates":[135.565,34.757]}},
        {"type":"Feature","properties":{"station_no":"4","name":"南隣"},"geometry":{"type":"Point","coordinates":[135.567,34.759]}}
        ]}
        """

    static let entrances: [String: Position] = [
        "1": Position(135.540, 34.790), "2": Position(135.5764, 34.7771), "3": Position(135.565, 34.757), "4": Position(135.567, 34.759),
    ]

    /// The outer ring of a zone Feature, in lon/lat.
    func ring(_ f: [String: Any]) throws -> [Position] {
        let g = try #require(f["geometry"] as? [String: Any])
        return try #require(rings(g).first)
    }

    func rings(_ g: [String: Any]) -> [[Position]] {
        let coords = g["coordinates"]
        if let p = coords as? [[[Double]]] { return p.map { $0.map { Position($0[0], $0[1]) } } }
        if let mp = coords as? [[[[Double]]]] { return mp.flatMap { $0.map { $0.map { Position($0[0], $0[1]) } } } }
        return []
    }

    @Test func radiusHoldsWithinHalfAMetreOnTheEllipsoid() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try env.ingest("polling_stations", Self.stations)
        let text = try RegulatedZones(store: env.store).geoJSON(radius: 300, dissolve: false)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let features = try #require(body["features"] as? [[String: Any]])
        #expect(features.count == 4)
        var worst = 0.0
        for f in features {
            let no = try #require((f["properties"] as? [String: Any])?["station_no"] as? String)
            let entrance = try #require(Self.entrances[no])
            let ring = try ring(f)
            #expect(ring.count > 100)
            for (i, v) in ring.enumerated() {
                let d = Geodesic.distance(entrance, v)
                worst = max(worst, abs(d - 300))
                #expect(abs(d - 300) < 0.5, "station \(no) vertex \(i): \(d) m")
                // Midway along each chord the polygon is closest to the centre.
                let w = ring[(i + 1) % ring.count]
                let mid = Geodesic.distance(entrance, Position((v.x + w.x) / 2, (v.y + w.y) / 2))
                #expect(abs(mid - 300) < 0.5, "station \(no) chord \(i): \(mid) m")
            }
        }
        // The scale correction makes the vertices exact to well under a centimetre.
        let vertexError =
            try features.map { f -> Double in
                let no = (f["properties"] as? [String: Any])?["station_no"] as? String ?? ""
                return try ring(f).map { abs(Geodesic.distance(Self.entrances[no]!, $0) - 300) }.max() ?? 1
            }.max() ?? 1
        #expect(vertexError < 0.01, "vertices \(vertexError) m off")
        #expect(worst < 0.1)
    }

    @Test func dissolvedZonesMergeOverlappingCircles() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try env.ingest("polling_stations", Self.stations)
        let zones = try RegulatedZones(store: env.store).zones(radius: 300, dissolve: true)
        #expect(zones.count == 1)
        let pieces: Int
        switch zones[0].geometry {
        case .multiPolygon(let ps): pieces = ps.count
        case .polygon: pieces = 1
        default: pieces = 0
        }
        #expect(pieces == 3, "stations 3 and 4 are 290 m apart: their circles merge")
    }

    /// A point 299 m from an entrance is inside, 301 m outside, by the geodesic distance.
    @Test func checkDecidesByGeodesicDistance() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try env.ingest("polling_stations", Self.stations)
        let zones = RegulatedZones(store: env.store)
        let centre = Self.entrances["2"]!
        for (target, inside) in [(299.0, true), (301.0, false)] {
            // Due east, by bisection on the longitude to hit the target distance.
            var lo = 0.0
            var hi = 0.01
            for _ in 0..<60 {
                let mid = (lo + hi) / 2
                if Geodesic.distance(centre, Position(centre.x + mid, centre.y)) < target { lo = mid } else { hi = mid }
            }
            let p = Position(centre.x + lo, centre.y)
            let r = try zones.check(lon: p.x, lat: p.y, radius: 300)
            #expect(r.inside == inside, "\(target) m")
            #expect(r.stations == (inside ? ["2"] : []))
            #expect(abs((r.distance ?? 0) - target) < 0.01)
            #expect(r.nearestStation == "2")
        }
        let between = try zones.check(lon: 135.566, lat: 34.758, radius: 300)
        #expect(between.stations == ["4", "3"] || between.stations == ["3", "4"])
        #expect(between.inside)
    }
}
