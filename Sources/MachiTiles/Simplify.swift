public import MachiGeometry

/// Douglas–Peucker in tile units. Tolerances are tile units, so one value already means
/// less ground detail at lower zooms; `tolerance(zoom:)` also loosens it as zoom drops.
public enum Simplify {
    /// Tile units: about 1/8 pixel at z18 and beyond on a 512-pixel tile, half a pixel at z12 and below.
    public static func tolerance(zoom: Int) -> Double {
        switch zoom {
        case ..<13: 4
        case 13..<16: 2
        case 16..<18: 1
        default: 0.5
        }
    }

    /// Above a layer's `maxzoom` the tolerance stays the same on the ground (doubling in tile
    /// units per zoom), so tiles there carry no detail the layer's last zoom did not.
    public static func tolerance(zoom: Int, maxZoom: Int) -> Double {
        zoom <= maxZoom ? tolerance(zoom: zoom) : tolerance(zoom: maxZoom) * Double(1 << min(zoom - maxZoom, 24))
    }

    /// Keeps the first and last point and every point farther than `tolerance` from the
    /// simplified line; kept points are original vertices, never moved.
    public static func douglasPeucker(_ ps: [Position], tolerance: Double) -> [Position] {
        guard ps.count > 2, tolerance > 0 else { return ps }
        var keep = [Bool](repeating: false, count: ps.count)
        keep[0] = true
        keep[ps.count - 1] = true
        let t2 = tolerance * tolerance
        var stack = [(0, ps.count - 1)]
        while let (first, last) = stack.popLast() {
            guard last > first + 1 else { continue }
            var maxD = -1.0
            var index = first
            for i in (first + 1)..<last {
                let d = squaredSegmentDistance(ps[i], ps[first], ps[last])
                if d > maxD {
                    maxD = d
                    index = i
                }
            }
            if maxD > t2 {
                keep[index] = true
                stack.append((first, index))
                stack.append((index, last))
            }
        }
        var out = [Position]()
        out.reserveCapacity(ps.count)
        for (i, p) in ps.enumerated() where keep[i] { out.append(p) }
        return out
    }

    static func squaredSegmentDistance(_ p: Position, _ a: Position, _ b: Position) -> Double {
        var x = a.x
        var y = a.y
        let dx = b.x - x
        let dy = b.y - y
        if dx != 0 || dy != 0 {
            let t = ((p.x - x) * dx + (p.y - y) * dy) / (dx * dx + dy * dy)
            if t > 1 {
                x = b.x
                y = b.y
            } else if t > 0 {
                x += dx * t
                y += dy * t
            }
        }
        let ex = p.x - x
        let ey = p.y - y
        return ex * ex + ey * ey
    }
}
