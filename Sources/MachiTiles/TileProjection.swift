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
    /// - Parameter geos: clips polygons that cross the tile's edge with GEOS, which keeps
    ///   them valid (a hole cut by the edge becomes a notch in the exterior); without it each
    ///   ring is clipped on its own, which is only right when holes stay inside.
    public func geometry(_ lonLat: Geometry, geos: GEOSContext? = nil) -> TileGeometry? {
        let g: TileGeometry
        switch lonLat {
        case .point(let p): g = points([p])
        case .multiPoint(let ps): g = points(ps)
        case .lineString(let l): g = .lines(line(l))
        case .multiLineString(let ls): g = .lines(ls.flatMap(line))
        case .polygon(let rings): g = .polygons(polygons(rings, geos))
        case .multiPolygon(let polys): g = .polygons(polys.flatMap { polygons($0, geos) })
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

    /// The tile polygons of one source polygon: none, one, or several when the tile's edge
    /// cuts it apart.
    func polygons(_ rings: [[Position]], _ geos: GEOSContext?) -> [[[TilePoint]]] {
        let projected = rings.map { $0.map(project) }
        let inside = projected.allSatisfy { $0.allSatisfy(clipBox.contains) }
        if !inside, let geos {
            let b = clipBox
            let box = Geometry.polygon([
                [
                    Position(b.minX, b.minY), Position(b.maxX, b.minY), Position(b.maxX, b.maxY), Position(b.minX, b.maxY),
                    Position(b.minX, b.minY),
                ]
            ])
            do {
                let parts: [[[Position]]]
                switch try geos.intersection(.polygon(projected), box) {
                case .polygon(let p): parts = [p]
                case .multiPolygon(let ps): parts = ps
                default: parts = []  // nothing of it in the tile
                }
                return parts.compactMap { tilePolygon($0, clip: false) }
            } catch {
                // An invalid source polygon can make the overlay fail: clip ring by ring.
            }
        }
        return tilePolygon(projected, clip: !inside).map { [$0] } ?? []
    }

    func tilePolygon(_ rings: [[Position]], clip: Bool) -> [[TilePoint]]? {
        guard let exterior = rings.first, let outer = ring(exterior, exterior: true, clip: clip) else { return nil }
        return [outer] + rings.dropFirst().compactMap { ring($0, exterior: false, clip: clip) }
    }

    func ring(_ projected: [Position], exterior: Bool, clip: Bool) -> [TilePoint]? {
        let clipped = clip ? Clipping.ring(projected, to: clipBox) : projected
        guard !clipped.isEmpty else { return nil }
        var r = Self.dedupe(Simplify.douglasPeucker(clipped, tolerance: tolerance).map(round))
        guard r.count >= 4, r.first == r.last else { return nil }
        let area = TileGeometry.doubleSignedArea(r)
        guard area != 0 else { return nil }
        if (area > 0) != exterior { r.reverse() }
        return r
    }

    public func round(_ p: Position) -> TilePoint {
        TilePoint(Int32(p.x.rounded()), Int32(p.y.rounded()))
    }

    static func dedupe(_ ps: [TilePoint]) -> [TilePoint] {
        var out = [TilePoint]()
        out.reserveCapacity(ps.count)
        for p in ps where out.last != p { out.append(p) }
        return out
    }
}
