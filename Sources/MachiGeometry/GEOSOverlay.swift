import CGEOS

// Overlay operations for polygon coverages (districts built from small areas): where two
// polygons overlap, what lies between them, and vertex alignment along shared borders.
extension GEOSContext {
    public func intersection(_ a: Geometry, _ b: Geometry) throws(GEOSError) -> Geometry? {
        let ga = try read(a)
        let gb = try read(b)
        guard let r = GEOSIntersection_r(handle, ga.ptr, gb.ptr) else { throw GEOSError(description: "GEOS intersection failed") }
        return try polygonal(Owned(self, r))
    }

    public func difference(_ a: Geometry, _ b: Geometry) throws(GEOSError) -> Geometry? {
        let ga = try read(a)
        let gb = try read(b)
        guard let r = GEOSDifference_r(handle, ga.ptr, gb.ptr) else { throw GEOSError(description: "GEOS difference failed") }
        return try polygonal(Owned(self, r))
    }

    /// Area shared by the interiors of two polygonal geometries (0 when they only touch).
    public func overlapArea(_ a: Geometry, _ b: Geometry) throws(GEOSError) -> Double {
        let ga = try read(a)
        let gb = try read(b)
        // The DE-9IM test is much cheaper than the overlay, and most neighbours only touch.
        guard GEOSRelatePattern_r(handle, ga.ptr, gb.ptr, "2********") == 1 else { return 0 }
        guard let r = GEOSIntersection_r(handle, ga.ptr, gb.ptr) else { throw GEOSError(description: "GEOS intersection failed") }
        let o = Owned(self, r)
        var area = 0.0
        guard GEOSArea_r(handle, o.ptr, &area) == 1 else { throw GEOSError(description: "GEOS area failed") }
        return area
    }

    /// A point guaranteed to lie inside the geometry, for pointing a person at a gap or overlap.
    public func pointOnSurface(_ g: Geometry) throws(GEOSError) -> Position {
        let o = try read(g)
        guard let r = GEOSPointOnSurface_r(handle, o.ptr) else { throw GEOSError(description: "GEOS point on surface failed") }
        guard case .point(let p) = try write(Owned(self, r)) else { throw GEOSError(description: "GEOS point on surface: not a point") }
        return p
    }

    /// Snaps `g`'s vertices and segments to `reference`'s vertices within `tolerance`, so a
    /// border two polygons share carries the same vertices on both sides.
    public func snap(_ g: Geometry, to reference: Geometry, tolerance: Double) throws(GEOSError) -> Geometry {
        let a = try read(g)
        let b = try read(reference)
        guard let r = GEOSSnap_r(handle, a.ptr, b.ptr, tolerance) else { throw GEOSError(description: "GEOS snap failed") }
        return try write(Owned(self, r))
    }

    /// Overlay results can be collections with stray lines or points where inputs touch;
    /// only the polygonal part has area. nil when there is none.
    private func polygonal(_ o: Owned) throws(GEOSError) -> Geometry? {
        if GEOSisEmpty_r(handle, o.ptr) == 1 { return nil }
        let type = GEOSGeomTypeId_r(handle, o.ptr)
        if type == Int32(GEOS_POLYGON.rawValue) || type == Int32(GEOS_MULTIPOLYGON.rawValue) { return try write(o) }
        guard type == Int32(GEOS_GEOMETRYCOLLECTION.rawValue) else { return nil }
        var polygons: [[[Position]]] = []
        for i in 0..<GEOSGetNumGeometries_r(handle, o.ptr) {
            guard let part = GEOSGetGeometryN_r(handle, o.ptr, i), let clone = GEOSGeom_clone_r(handle, part) else { continue }
            switch try write(Owned(self, clone)) {
            case .polygon(let p): polygons.append(p)
            case .multiPolygon(let ps): polygons.append(contentsOf: ps)
            default: break
            }
        }
        return polygons.isEmpty ? nil : .multiPolygon(polygons)
    }
}
