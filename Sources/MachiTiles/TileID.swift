import Foundation
public import MachiGeometry

/// A tile of the WebMercatorQuad tile matrix set (XYZ scheme: y = 0 at the north edge).
public struct TileID: Sendable, Hashable, CustomStringConvertible {
    public let z: Int
    public let x: Int
    public let y: Int

    /// Deeper than this a tile is smaller than a centimetre of plane CS; nothing needs it.
    public static let maxZoom = 24

    public init?(z: Int, x: Int, y: Int) {
        guard (0...Self.maxZoom).contains(z) else { return nil }
        let n = 1 << z
        guard (0..<n).contains(x), (0..<n).contains(y) else { return nil }
        self.z = z
        self.x = x
        self.y = y
    }

    public var description: String { "\(z)/\(x)/\(y)" }

    /// West, south, east, north in lon/lat, widened by `buffer` tile units of `extent` on every side.
    public func lonLatBounds(buffer: Double = 0, extent: Double = 4096) -> BoundingBox {
        let pad = buffer / extent
        return BoundingBox(
            minX: WebMercator.lon(tileX: Double(x) - pad, z: z), minY: WebMercator.lat(tileY: Double(y + 1) + pad, z: z),
            maxX: WebMercator.lon(tileX: Double(x + 1) + pad, z: z), maxY: WebMercator.lat(tileY: Double(y) - pad, z: z))
    }

    public var children: [TileID] {
        [(0, 0), (1, 0), (0, 1), (1, 1)].compactMap { TileID(z: z + 1, x: 2 * x + $0.0, y: 2 * y + $0.1) }
    }

    /// Every tile of zoom `z` that touches a lon/lat box.
    public static func covering(_ box: BoundingBox, z: Int) -> [TileID] {
        let n = 1 << z
        func clamp(_ v: Double) -> Int { Swift.min(n - 1, Swift.max(0, Int(v.rounded(.down)))) }
        let x0 = clamp(WebMercator.tileX(lon: box.minX, z: z))
        let x1 = clamp(WebMercator.tileX(lon: box.maxX, z: z))
        let y0 = clamp(WebMercator.tileY(lat: box.maxY, z: z))
        let y1 = clamp(WebMercator.tileY(lat: box.minY, z: z))
        var out = [TileID]()
        out.reserveCapacity((x1 - x0 + 1) * (y1 - y0 + 1))
        for ty in y0...y1 {
            for tx in x0...x1 {
                if let t = TileID(z: z, x: tx, y: ty) { out.append(t) }
            }
        }
        return out
    }
}

/// Spherical Mercator (EPSG:3857) in tile units: 1 unit = one tile of zoom z.
public enum WebMercator {
    /// Web Mercator's latitude limit: the square world.
    public static let maxLatitude = 85.051_128_779_806_59

    public static func tileX(lon: Double, z: Int) -> Double {
        (lon + 180) / 360 * Double(1 << z)
    }

    public static func tileY(lat: Double, z: Int) -> Double {
        let φ = Swift.max(-maxLatitude, Swift.min(maxLatitude, lat)) * .pi / 180
        return (1 - asinh(tan(φ)) / .pi) / 2 * Double(1 << z)
    }

    public static func lon(tileX: Double, z: Int) -> Double {
        tileX / Double(1 << z) * 360 - 180
    }

    public static func lat(tileY: Double, z: Int) -> Double {
        let n = Double.pi * (1 - 2 * tileY / Double(1 << z))
        return atan(sinh(n)) * 180 / .pi
    }
}
