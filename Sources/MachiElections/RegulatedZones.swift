import Foundation
public import MachiCore
public import MachiGeometry

/// Whether a point lies in a regulated zone (規制区域), whose, and how far the nearest
/// station entrance is.
public struct ZoneCheck: Sendable {
    public var inside: Bool
    /// Stations whose zone holds the point, nearest first.
    public var stations: [String]
    /// Geodesic metres to the nearest entrance; nil when there are no stations.
    public var distance: Double?
    public var nearestStation: String?
}

/// The zones around polling-station entrances where campaigning is restricted on election
/// day (公職選挙法 第132条: 300 m). Buffers are built with GEOS in the plane rectangular CS;
/// the plane's scale factor (0.9999 at the zone origin, a little more away from it) is
/// applied per station, so the radius holds on the ground, checked with PROJ's geodesic.
public struct RegulatedZones: Sendable {
    public static let defaultRadius = 300.0
    /// 32 segments per quarter circle: the chords fall at most r·(1 − cos(π/128)) ≈ 9 cm inside the circle at 300 m.
    static let quadrantSegments: Int32 = 32

    public let store: Store

    public init(store: Store) { self.store = store }

    /// Plane metres per ground metre at `p` (storage CRS), measured with PROJ: 1 m east and
    /// west of the point, back to lon/lat, and the geodesic between them.
    func scale(at p: Position) throws -> Double {
        let a = try store.toLonLat.transform(Position(p.x - 1, p.y))
        let b = try store.toLonLat.transform(Position(p.x + 1, p.y))
        let ground = Geodesic.distance(a, b)
        guard ground.isFinite, ground > 0 else { return 1 }
        return 2 / ground
    }

    /// One buffer per station (in the storage CRS), or their union.
    public func zones(radius: Double, dissolve: Bool) throws -> [(stations: [PollingStation], geometry: Geometry)] {
        let stations = try PollingLayers(store: store).stations()
        let buffers = try stations.map { s in
            try store.geos.with {
                try $0.buffer(.point(s.position), distance: radius * scale(at: s.position), quadrantSegments: Self.quadrantSegments)
            }
        }
        guard dissolve else { return zip(stations, buffers).map { ([$0], $1) } }
        guard !buffers.isEmpty else { return [] }
        let union = try store.geos.with { try $0.unaryUnion(buffers) }
        return [(stations, union)]
    }

    public func geoJSON(radius: Double, dissolve: Bool) throws -> String {
        let zones = try zones(radius: radius, dissolve: dissolve)
        var out =
            "{\"type\":\"FeatureCollection\",\"radius_m\":\(GeoJSONWriter.number(radius, decimals: 2)),\"dissolve\":\(dissolve),\"features\":["
        try store.toLonLat.withTransformer { t in
            for (i, z) in zones.enumerated() {
                if i > 0 { out += ",\n" }
                out += "{\"type\":\"Feature\","
                if !dissolve, let s = z.stations.first { out += "\"id\":" + GeoJSONWriter.string(s.number) + "," }
                out += "\"geometry\":"
                GeoJSONWriter.geometry(try t.transform(z.geometry).rightHandRule, into: &out)
                out += ",\"properties\":{"
                if dissolve {
                    out += "\"station_no\":[" + z.stations.map { GeoJSONWriter.string($0.number) }.joined(separator: ",") + "]"
                } else if let s = z.stations.first {
                    out += "\"station_no\":" + GeoJSONWriter.string(s.number) + ",\"name\":" + (s.name.map(GeoJSONWriter.string) ?? "null")
                    let entrance = try t.transform(.point(s.position))
                    if case .point(let p) = entrance {
                        out += ",\"entrance\":[" + GeoJSONWriter.number(p.x) + "," + GeoJSONWriter.number(p.y) + "]"
                    }
                }
                out += ",\"radius_m\":\(GeoJSONWriter.number(radius, decimals: 2))}}"
            }
        }
        out += "]}"
        return out
    }

    /// The law measures from the entrance on the ground, so the decision uses the geodesic
    /// distance, not the plane one.
    public func check(lon: Double, lat: Double, radius: Double) throws -> ZoneCheck {
        let here = Position(lon, lat)
        let stations = try PollingLayers(store: store).stations()
        var measured = [(station: String, distance: Double)]()
        try store.toLonLat.withTransformer { t in
            for s in stations {
                guard case .point(let entrance) = try t.transform(.point(s.position)) else { continue }
                measured.append((s.number, Geodesic.distance(here, entrance)))
            }
        }
        measured.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.station < $1.station) }
        let within = measured.filter { $0.distance <= radius }.map(\.station)
        return ZoneCheck(
            inside: !within.isEmpty, stations: within, distance: measured.first?.distance, nearestStation: measured.first?.station)
    }
}
