public import MachiGeometry

/// Turns a lon/lat geometry into the integer tile geometry of one tile: Web Mercator
/// projection, clipping to the buffered tile, simplification for the zoom, rounding, and
/// polygon winding as the vector tile spec requires (exterior positive area, holes negative).
public struct TileProjection: Sendable {
    public let tile: TileID
    public let extent: Int32
    public let buffer: Int32
    public let tolerance: Double
    public let clipBox: BoundingBox

    public init(tile: TileID, extent: Int32 = 4096, buffer: Int32 = 64, tolerance: Double? = nil) {
        self.tile = tile
        self.extent = extent
        self.buffer = buffer
        self.tolerance = tolerance ?? Simplify.tolerance(zoom: tile.z)
        let b = Double(buffer)
        clipBox = BoundingBox(minX: -b, minY: -b, maxX: Double(extent) + b, maxY: Double(extent) + b)
    }

    /// Tile units (not yet rounded) of a lon/lat position.
    public func project(_ p: Position) -> Position {
        let e = Double(extent)
        return Position(
            (WebMercator.tileX(lon: p.x, z: tile.z) - Double(tile.x)) * e, (WebMercator.tileY(lat: p.y, z: tile.z) - Double(tile.y)) * e)
    }

    /// nil when nothing of the geometry is left in the tile.
    public func geometry(_ lonLat: Geometry) -> TileGeometry? {
        let g: TileGeometry
        switch lonLat {
        case .point(let p): g = points([p])
        case .multiPoint(let ps): g = points(ps)
        case .lineString(let l): g = .lines(line(l))
        case .multiLineString(let ls): g = .lines(ls.flatMap(line))
        case .polygon(let rings): g = .polygons(polygon(rings).map { [$0] } ?? [])
        case .multiPolygon(let polys): g = .polygons(polys.compactMap(polygon))
        }
        return g.isEmpty ? nil : g
    }

    func points(_ ps: [Position]) -> TileGeometry {
        .points(ps.map(project).filter(clipBox.contains).map(round))
    }

    func line(_ ps: [Position]) -> [[TilePoint]] {
        let projected = ps.map(project)
        let parts = projected.allSatisfy(clipBox.contains) ? [projected] : Clipping.line(projected, to: clipBox)
        return parts.compactMap { part in
            let r = Self.dedupe(Simplify.douglasPeucker(part, tolerance: tolerance).map(round))
            return r.count >= 2 ? r : nil
        }
    }

    func polygon(_ rings: [[Position]]) -> [[TilePoint]]? {
        guard let exterior = rings.first, let outer = ring(exterior, exterior: true) else { return nil }
        return [outer] + rings.dropFirst().compactMap { ring($0, exterior: false) }
    }

    func ring(_ ps: [Position], exterior: Bool) -> [TilePoint]? {
        let clipped = Clipping.ring(ps.map(project), to: clipBox)
        guard !clipped.isEmpty else { return nil }
        var r = Self.dedupe(Simplify.douglasPeucker(clipped, tolerance: tolerance).map(round))
        guard r.count >= 4, r.first == r.last else { return nil }
        let area = TileGeometry.doubleSignedArea(r)
        guard area != 0 else { return nil }
        if (area > 0) != exterior { r.reverse() }
        return r
    }

    func round(_ p: Position) -> TilePoint {
        TilePoint(Int32(p.x.rounded()), Int32(p.y.rounded()))
    }

    static func dedupe(_ ps: [TilePoint]) -> [TilePoint] {
        var out = [TilePoint]()
        out.reserveCapacity(ps.count)
        for p in ps where out.last != p { out.append(p) }
        return out
    }
}
