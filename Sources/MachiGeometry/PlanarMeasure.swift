// Euclidean measures in a projected (metre) CRS. They run on every candidate of a
// nearest-pipe query, so they stay allocation-free; tests check them against
// SpatiaLite's ST_Distance and ST_Length (GEOS).

extension Geometry {
    /// Length in CRS units: the sum of segment lengths of lines, and of ring perimeters of polygons.
    public var planarLength: Double {
        switch self {
        case .point, .multiPoint: 0
        case .lineString(let ps): Self.pathLength(ps)
        case .polygon(let rings), .multiLineString(let rings): rings.reduce(0) { $0 + Self.pathLength($1) }
        case .multiPolygon(let polys): polys.reduce(0) { $0 + $1.reduce(0) { $0 + Self.pathLength($1) } }
        }
    }

    /// Shortest distance from `p` to the geometry (0 inside a polygon).
    public func planarDistance(to p: Position) -> Double {
        switch self {
        case .point(let q): return Self.dist(p, q)
        case .multiPoint(let qs): return qs.reduce(Double.infinity) { min($0, Self.dist(p, $1)) }
        case .lineString(let ps): return Self.distanceToPath(p, ps)
        case .multiLineString(let lines): return lines.reduce(Double.infinity) { min($0, Self.distanceToPath(p, $1)) }
        case .polygon(let rings): return Self.distanceToPolygon(p, rings)
        case .multiPolygon(let polys): return polys.reduce(Double.infinity) { min($0, Self.distanceToPolygon(p, $1)) }
        }
    }

    static func dist(_ a: Position, _ b: Position) -> Double {
        let dx = a.x - b.x
        let dy = a.y - b.y
        return (dx * dx + dy * dy).squareRoot()
    }

    static func pathLength(_ ps: [Position]) -> Double {
        guard ps.count > 1 else { return 0 }
        var total = 0.0
        for i in 1..<ps.count { total += dist(ps[i - 1], ps[i]) }
        return total
    }

    static func distanceToSegment(_ p: Position, _ a: Position, _ b: Position) -> Double {
        let dx = b.x - a.x
        let dy = b.y - a.y
        let len2 = dx * dx + dy * dy
        if len2 == 0 { return dist(p, a) }
        let t = max(0, min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len2))
        return dist(p, Position(a.x + t * dx, a.y + t * dy))
    }

    static func distanceToPath(_ p: Position, _ ps: [Position]) -> Double {
        guard ps.count > 1 else { return ps.first.map { dist(p, $0) } ?? .infinity }
        var best = Double.infinity
        for i in 1..<ps.count { best = min(best, distanceToSegment(p, ps[i - 1], ps[i])) }
        return best
    }

    static func distanceToPolygon(_ p: Position, _ rings: [[Position]]) -> Double {
        if ringsContain(p, rings) { return 0 }
        return rings.reduce(Double.infinity) { min($0, distanceToPath(p, $1)) }
    }

    /// Even-odd rule over all rings, so holes are excluded.
    static func ringsContain(_ p: Position, _ rings: [[Position]]) -> Bool {
        var inside = false
        for ring in rings where ring.count > 2 {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let a = ring[i]
                let b = ring[j]
                if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                    inside.toggle()
                }
                j = i
            }
        }
        return inside
    }

    /// Whether the point lies inside (or on the interior of) a polygonal geometry.
    public func contains(_ p: Position) -> Bool {
        switch self {
        case .polygon(let rings): Self.ringsContain(p, rings)
        case .multiPolygon(let polys): polys.contains { Self.ringsContain(p, $0) }
        default: false
        }
    }
}
