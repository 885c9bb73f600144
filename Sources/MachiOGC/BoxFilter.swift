public import MachiCore
public import MachiGeometry
import MachiTiles

/// The `bbox` of an items request, resolved against the storage CRS.
///
/// The R*Tree answers with features whose box meets `outer`. A feature whose box lies
/// within `inner` intersects the bbox for sure and is never decoded; only features across
/// the bbox's edge are tested exactly, in the bbox's own CRS (a lon/lat box is slightly
/// curved and rotated in the plane CS, so testing there would be off by metres).
public struct BoxFilter: Sendable, Hashable {
    public let outer: BoundingBox
    public let inner: BoundingBox
    /// The bbox in GIS axis order, in its own CRS.
    public let box: BoundingBox
    public let inStorageCRS: Bool

    public init(bbox: BoundingBox, crs: OGCCRS, store: Store) throws {
        box = crs.gisBox(bbox)
        inStorageCRS = crs.epsg == store.city.srid
        if inStorageCRS {
            outer = box
            inner = box
            return
        }
        // Only the part near the city can hold features; the rest would project to nonsense.
        guard let near = store.nearCity(box) else {
            outer = Store.matchesNothing
            inner = Store.matchesNothing
            return
        }
        let steps = 16
        var left = [Position]()
        var right = [Position]()
        var bottom = [Position]()
        var top = [Position]()
        for i in 0...steps {
            let f = Double(i) / Double(steps)
            let x = near.minX + (near.maxX - near.minX) * f
            let y = near.minY + (near.maxY - near.minY) * f
            left.append(Position(near.minX, y))
            right.append(Position(near.maxX, y))
            bottom.append(Position(x, near.minY))
            top.append(Position(x, near.maxY))
        }
        var all = left + right + bottom + top
        try store.toPlane.withTransformer { try $0.transform(&all) }
        let k = steps + 1
        (left, right, bottom, top) = (Array(all[0..<k]), Array(all[k..<(2 * k)]), Array(all[(2 * k)..<(3 * k)]), Array(all[(3 * k)...]))
        outer = BoundingBox(covering: left + right + bottom + top)
        // A centimetre inside the densified outline, for the edge's curvature between samples.
        let margin = 0.01
        inner = BoundingBox(
            minX: left.map(\.x).max()! + margin, minY: bottom.map(\.y).max()! + margin, maxX: right.map(\.x).min()! - margin,
            maxY: top.map(\.y).min()! - margin)
    }

    /// Exact test of a storage-CRS geometry; `toLonLat` is used for a lon/lat bbox.
    public func matches(_ g: Geometry, toLonLat: CoordinateTransformer) throws -> Bool {
        Self.intersects(inStorageCRS ? g : try toLonLat.transform(g), box)
    }

    public static func intersects(_ g: Geometry, _ r: BoundingBox) -> Bool {
        switch g {
        case .point(let p): return r.contains(p)
        case .multiPoint(let ps): return ps.contains(where: r.contains)
        case .lineString(let l): return path(l, r)
        case .multiLineString(let ls): return ls.contains { path($0, r) }
        case .polygon(let rings): return polygon(rings, r)
        case .multiPolygon(let polys): return polys.contains { polygon($0, r) }
        }
    }

    static func path(_ ps: [Position], _ r: BoundingBox) -> Bool {
        guard let first = ps.first else { return false }
        if r.contains(first) { return true }
        for i in ps.indices.dropFirst() where Clipping.segment(ps[i - 1], ps[i], r) != nil { return true }
        return false
    }

    /// A polygon meets the box when an edge does, or when the box lies inside it.
    static func polygon(_ rings: [[Position]], _ r: BoundingBox) -> Bool {
        if rings.contains(where: { path($0, r) }) { return true }
        return Geometry.polygon(rings).contains(Position(r.minX, r.minY))
    }
}
