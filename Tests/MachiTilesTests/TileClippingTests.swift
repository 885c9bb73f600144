import MachiGeometry
import MachiTiles
import Testing

/// Clipping, simplification, rounding and winding of geometries into one tile.
@Suite struct TileClippingTests {
    let box = BoundingBox(minX: -64, minY: -64, maxX: 4160, maxY: 4160)

    @Test func lineCrossingTheEdgeIsCutAtTheBuffer() {
        let parts = Clipping.line([Position(100, 100), Position(5000, 100)], to: box)
        #expect(parts == [[Position(100, 100), Position(4160, 100)]])
    }

    @Test func lineLeavingAndReenteringBecomesTwoParts() {
        let ps = [Position(0, 0), Position(0, 5000), Position(100, 5000), Position(100, 0)]
        let parts = Clipping.line(ps, to: box)
        #expect(parts == [[Position(0, 0), Position(0, 4160)], [Position(100, 4160), Position(100, 0)]])
    }

    @Test func lineOutsideIsDropped() {
        #expect(Clipping.line([Position(-500, -500), Position(-100, -400)], to: box).isEmpty)
    }

    @Test func lineThroughTheTileWithBothEndsOutside() {
        let parts = Clipping.line([Position(-1000, 2000), Position(5000, 2000)], to: box)
        #expect(parts == [[Position(-64, 2000), Position(4160, 2000)]])
    }

    @Test func polygonCoveringTheTileClipsToTheBufferedSquare() {
        let big = [Position(-9000, -9000), Position(9000, -9000), Position(9000, 9000), Position(-9000, 9000), Position(-9000, -9000)]
        let r = Clipping.ring(big, to: box)
        #expect(r.first == r.last)
        #expect(Set(r) == Set([Position(-64, -64), Position(4160, -64), Position(4160, 4160), Position(-64, 4160)]))
    }

    @Test func ringOutsideIsDropped() {
        let r = [Position(5000, 5000), Position(6000, 5000), Position(6000, 6000), Position(5000, 5000)]
        #expect(Clipping.ring(r, to: box).isEmpty)
    }

    @Test func douglasPeuckerKeepsEndsAndSharpCorners() {
        let ps = [Position(0, 0), Position(5, 0.2), Position(10, 0), Position(10, 10)]
        #expect(Simplify.douglasPeucker(ps, tolerance: 0.5) == [Position(0, 0), Position(10, 0), Position(10, 10)])
        #expect(Simplify.douglasPeucker(ps, tolerance: 0.1) == ps)
        #expect(Simplify.tolerance(zoom: 10) > Simplify.tolerance(zoom: 18), "coarser at low zoom")
    }

    /// A tile of Settsu at z16 and a lon/lat geometry relative to its corners.
    func tileAndCorner() -> (TileID, (Double, Double) -> Position) {
        let tile = TileID(z: 16, x: 57_447, y: 26_016)!
        let b = tile.lonLatBounds()
        return (tile, { fx, fy in Position(b.minX + (b.maxX - b.minX) * fx, b.maxY - (b.maxY - b.minY) * fy) })
    }

    @Test func projectionPutsTheTileCornersAtZeroAndExtent() {
        let (tile, at) = tileAndCorner()
        let p = TileProjection(tile: tile)
        let nw = p.project(at(0, 0))
        let se = p.project(at(1, 1))
        #expect(abs(nw.x) < 1e-6 && abs(nw.y) < 1e-6)
        #expect(abs(se.x - 4096) < 1e-6 && abs(se.y - 4096) < 1e-6)
    }

    /// Whatever the source winding (RFC 7946 says counter-clockwise exteriors; shapefiles use
    /// clockwise), the tile has positive-area exteriors and negative-area holes.
    @Test(arguments: [false, true])
    func polygonWindingFollowsTheSpec(reversedInput: Bool) throws {
        let (tile, at) = tileAndCorner()
        var outer = [at(0.1, 0.1), at(0.9, 0.1), at(0.9, 0.9), at(0.1, 0.9), at(0.1, 0.1)]
        var hole = [at(0.4, 0.4), at(0.4, 0.6), at(0.6, 0.6), at(0.6, 0.4), at(0.4, 0.4)]
        if reversedInput {
            outer.reverse()
            hole.reverse()
        }
        let g = try #require(TileProjection(tile: tile).geometry(.polygon([outer, hole])))
        guard case .polygons(let polys) = g else { Issue.record("not a polygon"); return }
        #expect(polys.count == 1 && polys[0].count == 2)
        #expect(TileGeometry.doubleSignedArea(polys[0][0]) > 0)
        #expect(TileGeometry.doubleSignedArea(polys[0][1]) < 0)
        #expect(polys[0][0].contains(TilePoint(410, 410)) || polys[0][0].contains(TilePoint(409, 410)))
    }

    /// A hole cut by the tile edge must become a notch in the exterior: clipped ring by
    /// ring, hole and exterior would share an edge along the cut, which is invalid.
    @Test func holeCrossingTheTileEdgeStaysAValidPolygon() throws {
        let (tile, at) = tileAndCorner()
        // The hole straddles the right edge (x = 1), well beyond the 64-unit buffer.
        let outer = [at(0.2, 0.2), at(1.5, 0.2), at(1.5, 0.8), at(0.2, 0.8), at(0.2, 0.2)]
        let hole = [at(0.8, 0.4), at(0.8, 0.6), at(1.3, 0.6), at(1.3, 0.4), at(0.8, 0.4)]
        let geos = GEOSContext()
        let g = try #require(TileProjection(tile: tile).geometry(.polygon([outer, hole]), geos: geos))
        guard case .polygons(let polys) = g else { Issue.record("not polygons"); return }
        #expect(polys.count == 1)
        #expect(polys[0].count == 1, "the hole opens onto the cut: one ring with a notch, no separate hole")
        let asGeometry = Geometry.polygon(polys[0].map { $0.map { Position(Double($0.x), Double($0.y)) } })
        #expect(try geos.invalidityReason(asGeometry) == nil)
        // Exterior area: the clipped rectangle minus the hole's part inside the buffered tile.
        let area = Double(TileGeometry.doubleSignedArea(polys[0][0])) / 2
        let expected = (4160 - 0.2 * 4096) * (0.6 * 4096) - (4160 - 0.8 * 4096) * (0.2 * 4096)
        #expect(abs(area - expected) / expected < 0.001, "\(area) vs \(expected)")
    }

    @Test func multiPolygonKeepsEveryPartInsideAndDropsPartsOutside() throws {
        let (tile, at) = tileAndCorner()
        let inside = [at(0.1, 0.1), at(0.3, 0.1), at(0.3, 0.3), at(0.1, 0.1)]
        let alsoInside = [at(0.6, 0.6), at(0.8, 0.6), at(0.8, 0.8), at(0.6, 0.6)]
        let outside = [at(3, 3), at(4, 3), at(4, 4), at(3, 3)]
        let g = try #require(TileProjection(tile: tile).geometry(.multiPolygon([[inside], [outside], [alsoInside]])))
        guard case .polygons(let polys) = g else { Issue.record("not polygons"); return }
        #expect(polys.count == 2)
    }

    @Test func holeOfAPolygonOutsideTheTileDoesNotSurviveAlone() {
        let (tile, at) = tileAndCorner()
        let outer = [at(2, 2), at(3, 2), at(3, 3), at(2, 3), at(2, 2)]
        let hole = [at(2.4, 2.4), at(2.4, 2.6), at(2.6, 2.6), at(2.4, 2.4)]
        #expect(TileProjection(tile: tile).geometry(.polygon([outer, hole])) == nil)
    }

    @Test func pointsOutsideTheBufferAreDroppedAndInsideRounded() throws {
        let (tile, at) = tileAndCorner()
        let g = try #require(TileProjection(tile: tile).geometry(.multiPoint([at(0.5, 0.5), at(1.5, 0.5), at(1.01, 0.5)])))
        #expect(g == .points([TilePoint(2048, 2048), TilePoint(4137, 2048)]))
    }

    @Test func tinyLineCollapsingToOnePointIsDropped() {
        let (tile, at) = tileAndCorner()
        let p = TileProjection(tile: tile)
        #expect(p.geometry(.lineString([at(0.5, 0.5), at(0.50001, 0.5)])) == nil)
        #expect(p.geometry(.lineString([at(2, 2), at(3, 3)])) == nil, "outside the buffer")
    }

    @Test func coveringTilesOfTheCityExtent() {
        let settsu = BoundingBox(minX: 135.53, minY: 34.745, maxX: 135.608, maxY: 34.805)
        let tiles = TileID.covering(settsu, z: 10)
        #expect(tiles.map(\.description) == ["10/897/406"])
        #expect(TileID(z: 10, x: 1024, y: 0) == nil)
        #expect(TileID(z: 3, x: 1, y: 2)!.children.map(\.description) == ["4/2/4", "4/3/4", "4/2/5", "4/3/5"])
    }
}
