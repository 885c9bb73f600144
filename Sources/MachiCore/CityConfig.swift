import Foundation
public import MachiGeometry
import Yams

/// The city the store serves: read from `layers/city.yaml`.
public struct CityConfig: Sendable, Decodable {
    public var name: String
    public var nameEn: String
    public var code: String
    public var prefecture: String
    /// Storage SRID: the plane rectangular CS zone of the city (Osaka: zone VI, EPSG:6674).
    public var srid: Int32
    /// lon/lat extent; coordinates outside it are rejected as out of area.
    public var extent: BoundingBox
    /// Initial map view.
    public var center: Position
    public var zoom: Int
    /// Credit lines shown wherever the data are shown.
    public var attribution: [String]
    /// Default encoded size limit of one vector tile (`tiles: {max_bytes: …}`); a layer file may lower it.
    public var tileMaxBytes: Int

    /// tippecanoe's default: a tile a browser can still fetch and parse quickly on a phone.
    public static let defaultTileMaxBytes = 500_000

    enum CodingKeys: String, CodingKey {
        case name, nameEn = "name_en", code, prefecture, srid, extent, center, zoom, attribution, tiles
    }

    struct TileSection: Decodable {
        var max_bytes: Int?
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        nameEn = try c.decodeIfPresent(String.self, forKey: .nameEn) ?? name
        code = try c.decode(String.self, forKey: .code)
        prefecture = try c.decodeIfPresent(String.self, forKey: .prefecture) ?? ""
        srid = try c.decode(Int32.self, forKey: .srid)
        let e = try c.decode([Double].self, forKey: .extent)
        guard e.count == 4, e[0] < e[2], e[1] < e[3], e[0] >= -180, e[2] <= 180, e[1] >= -90, e[3] <= 90 else {
            throw DecodingError.dataCorruptedError(
                forKey: .extent, in: c, debugDescription: "extent must be [min_lon, min_lat, max_lon, max_lat]")
        }
        extent = BoundingBox(minX: e[0], minY: e[1], maxX: e[2], maxY: e[3])
        let ce = try c.decodeIfPresent([Double].self, forKey: .center) ?? [(e[0] + e[2]) / 2, (e[1] + e[3]) / 2]
        guard ce.count == 2 else {
            throw DecodingError.dataCorruptedError(forKey: .center, in: c, debugDescription: "center must be [lon, lat]")
        }
        center = Position(ce[0], ce[1])
        zoom = try c.decodeIfPresent(Int.self, forKey: .zoom) ?? 14
        attribution = try c.decodeIfPresent([String].self, forKey: .attribution) ?? []
        tileMaxBytes = try c.decodeIfPresent(TileSection.self, forKey: .tiles)?.max_bytes ?? Self.defaultTileMaxBytes
        guard tileMaxBytes >= 1024 else {
            throw DecodingError.dataCorruptedError(forKey: .tiles, in: c, debugDescription: "tiles.max_bytes must be at least 1024")
        }
    }

    public var storageCRS: String { "EPSG:\(srid)" }
}
