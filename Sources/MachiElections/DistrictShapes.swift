import MachiCore
import MachiGeometry
import Synchronization

/// A district ready for output: its GeoJSON geometry already in lon/lat.
struct DistrictShape: Sendable {
    var number: String
    var name: String?
    var stationNumber: String?
    var stationName: String?
    /// RFC 7946 geometry text: lon/lat, 7 decimals, right-hand rule.
    var geometryJSON: String
}

/// District geometries change only with an import, while every map request needs them in
/// lon/lat; so they are reprojected once per data version of the two layers. Every vertex
/// goes through the same transformation and rounding, so a border two districts share is
/// written with identical coordinates on both sides: no slivers or gaps appear between them.
final class DistrictShapes: Sendable {
    private struct Entry: Sendable {
        var versions: [Int64]
        var shapes: [DistrictShape]
    }

    private let entry = Mutex<Entry?>(nil)
    let store: Store

    init(store: Store) { self.store = store }

    func current() throws -> [DistrictShape] {
        let versions = [
            try store.dataVersion(PollingLayers.districtsLayer), try store.dataVersion(PollingLayers.stationsLayer),
        ]
        if let hit = entry.withLock({ $0?.versions == versions ? $0?.shapes : nil }) { return hit }
        let layers = PollingLayers(store: store)
        let districts = try layers.districts()
        var stationNames = [String: String]()
        if store.catalog[PollingLayers.stationsLayer] != nil {
            for s in try layers.stations() { stationNames[s.number] = s.name }
        }
        let shapes = try store.toLonLat.withTransformer { t in
            try districts.map { d in
                var json = ""
                GeoJSONWriter.geometry(try t.transform(d.geometry).rightHandRule, into: &json)
                return DistrictShape(
                    number: d.number, name: d.name, stationNumber: d.stationNumber,
                    stationName: d.stationNumber.flatMap { stationNames[$0] },
                    geometryJSON: json)
            }
        }
        entry.withLock { $0 = Entry(versions: versions, shapes: shapes) }
        return shapes
    }
}
