import Foundation
public import MachiCore
public import MachiGeometry

/// A coordinate reference system of OGC API – Features Part 2, with the axis order the
/// CRS itself defines (not the GIS habit): EPSG:4326 is latitude first, and the plane
/// rectangular CS of Japan (e.g. EPSG:6674) is X = northing first.
public struct OGCCRS: Sendable, Hashable {
    public let uri: String
    /// nil for CRS84.
    public let epsg: Int32?
    public let northingFirst: Bool

    public static let crs84 = OGCCRS(uri: "http://www.opengis.net/def/crs/OGC/1.3/CRS84", epsg: nil, northingFirst: false)
    public static let epsg4326 = OGCCRS(uri: "http://www.opengis.net/def/crs/EPSG/0/4326", epsg: 4326, northingFirst: true)

    public static func epsg(_ code: Int32) -> OGCCRS {
        code == 4326
            ? epsg4326 : OGCCRS(uri: "http://www.opengis.net/def/crs/EPSG/0/\(code)", epsg: code, northingFirst: northingFirst(code))
    }

    /// Lon/lat on the WGS 84 / JGD2011 datum (they agree to centimetres in Japan), not the plane CS.
    public var isGeographic: Bool { epsg == nil || epsg == 4326 }

    /// Decimals written: 7 for degrees (about 1 cm), 3 for metres (1 mm).
    public var decimals: Int { isGeographic ? 7 : 3 }

    /// Japan's plane rectangular CS, JGD2011 (6669–6687), JGD2000 (2443–2461) and Tokyo
    /// (30161–30179): their EPSG definitions put X (northing) first.
    static func northingFirst(_ code: Int32) -> Bool {
        (6669...6687).contains(code) || (2443...2461).contains(code) || (30161...30179).contains(code)
    }

    /// The CRSs this server offers: CRS84 (the default), the storage CRS and EPSG:4326.
    public static func supported(storageSRID: Int32) -> [OGCCRS] {
        [.crs84, .epsg(storageSRID), .epsg4326]
    }

    /// Reads the URI forms clients send: the OGC URI, a safe CURIE `[EPSG:6674]`, or `EPSG:6674`.
    public static func parse(_ text: String, supported: [OGCCRS]) -> OGCCRS? {
        var s = text.trimmingCharacters(in: .whitespaces)
        if s.hasPrefix("["), s.hasSuffix("]") { s = String(s.dropFirst().dropLast()) }
        let upper = s.uppercased()
        if upper == "OGC:CRS84" || s == crs84.uri || s == "https://www.opengis.net/def/crs/OGC/1.3/CRS84" {
            return supported.contains(.crs84) ? .crs84 : nil
        }
        var code: Int32?
        for prefix in ["http://www.opengis.net/def/crs/EPSG/0/", "https://www.opengis.net/def/crs/EPSG/0/", "EPSG:"]
        where upper.hasPrefix(prefix.uppercased()) {
            code = Int32(s.dropFirst(prefix.count))
        }
        guard let code else { return nil }
        return supported.first { $0.epsg == code }
    }

    func swapped(_ g: Geometry) -> Geometry {
        g.replacingPositions(g.positions.map { Position($0.y, $0.x) })
    }

    /// A geometry in this CRS's axis order → the storage CRS (GIS order: easting, northing).
    public func toStorage(_ g: Geometry, store: Store) throws -> Geometry {
        let gis = northingFirst ? swapped(g) : g
        return epsg == store.city.srid ? gis : try store.toPlane.transform(gis)
    }

    /// A box in this CRS's axis order (as `bbox` gives it) → its corners in GIS order.
    public func gisBox(_ b: BoundingBox) -> BoundingBox {
        northingFirst ? BoundingBox(minX: b.minY, minY: b.minX, maxX: b.maxY, maxY: b.maxX) : b
    }
}
