public import MachiGeometry

extension Geometry {
    /// RFC 7946 §3.1.6 right-hand rule: exterior rings counterclockwise, holes clockwise.
    /// GEOS returns exteriors clockwise, and some clients (d3) draw the complement of a
    /// wrongly wound polygon. Only the order changes, so shared vertices stay shared.
    public var rightHandRule: Geometry {
        switch self {
        case .polygon(let rings): .polygon(Self.orient(rings))
        case .multiPolygon(let polys): .multiPolygon(polys.map(Self.orient))
        default: self
        }
    }

    static func orient(_ rings: [[Position]]) -> [[Position]] {
        rings.enumerated().map { i, ring in
            let ccw = signedArea(ring) > 0
            return (i == 0) == ccw ? ring : ring.reversed()
        }
    }

    /// Shoelace formula: positive for counterclockwise rings.
    static func signedArea(_ ring: [Position]) -> Double {
        guard ring.count > 2 else { return 0 }
        var sum = 0.0
        var j = ring.count - 1
        for i in 0..<ring.count {
            sum += (ring[j].x - ring[i].x) * (ring[j].y + ring[i].y)
            j = i
        }
        return sum / 2
    }
}
