import Foundation
public import MachiCore
import MachiGeometry

/// The election office's data service, shared by the HTTP routes and the CLI: elections,
/// turnout maps, stations and regulated zones, with the visibility rules applied.
public final class ElectionOffice: Sendable {
    public let store: Store
    public let registry: ElectionRegistry
    let shapes: DistrictShapes

    /// Brings the office's tables up to date, so every entry point can rely on them.
    public init(store: Store) throws {
        self.store = store
        registry = ElectionRegistry(store: store)
        shapes = DistrictShapes(store: store)
        try ElectionSchema.migrate(store)
    }

    /// Elections `user` may see: published ones, and all for the office and admins.
    public func elections(visibleTo user: StaffUser?) throws -> [Election] {
        try registry.all().filter { $0.published || Election.mayReadUnpublished(user) }
    }

    public func election(_ id: String, visibleTo user: StaffUser?) throws -> Election {
        guard ElectionRegistry.validID(id), let e = try registry.election(id) else { throw ElectionError(.notFound, "no election \(id)") }
        try e.checkVisible(to: user)
        return e
    }

    public func turnoutGeoJSON(_ id: String, compare: String?, options: TurnoutMapOptions, user: StaffUser?) throws -> String {
        let e = try election(id, visibleTo: user)
        var other: Election?
        if let compare {
            // An election the caller may not see is reported exactly like one that does not exist.
            do {
                other = try election(compare, visibleTo: user)
            } catch let err as ElectionError where err.kind == .notFound || err.kind == .forbidden {
                throw ElectionError.invalid("compare", "no election \(compare)")
            }
            guard other?.hasFinalTurnout == true else { throw ElectionError.invalid("compare", "election \(compare) has no final turnout") }
        }
        return try TurnoutMap(store: store, shapes: try shapes.current()).geoJSON(
            election: e, compare: other, options: options, cityName: store.city.name)
    }

    public func stationsGeoJSON() throws -> String {
        let stations = try PollingLayers(store: store).stations()
        let districts = try shapes.current()
        var out = "{\"type\":\"FeatureCollection\",\"features\":["
        try store.toLonLat.withTransformer { t in
            for (i, s) in stations.enumerated() {
                if i > 0 { out += ",\n" }
                out += "{\"type\":\"Feature\",\"id\":" + GeoJSONWriter.string(s.number) + ",\"geometry\":"
                GeoJSONWriter.geometry(try t.transform(.point(s.position)), into: &out)
                out += ",\"properties\":{\"station_no\":" + GeoJSONWriter.string(s.number)
                out += ",\"name\":" + (s.name.map(GeoJSONWriter.string) ?? "null")
                out += ",\"address\":" + (s.address.map(GeoJSONWriter.string) ?? "null")
                let served = districts.filter { $0.stationNumber == s.number }.map { GeoJSONWriter.string($0.number) }
                out += ",\"district_no\":[" + served.joined(separator: ",") + "]}}"
            }
        }
        out += "]}"
        return out
    }

    public var zones: RegulatedZones { RegulatedZones(store: store) }
}
