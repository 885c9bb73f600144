public import MachiGeometry

/// Clipping to the buffered tile square, in tile units before rounding.
public enum Clipping {
    /// The parts of a line inside `box`: Liang–Barsky on each segment, joining runs that
    /// stay inside and starting a new part wherever the line leaves and re-enters.
    public static func line(_ ps: [Position], to box: BoundingBox) -> [[Position]] {
        guard ps.count >= 2 else { return [] }
        var parts = [[Position]]()
        var current = [Position]()
        for i in 1..<ps.count {
            guard let (a, b) = segment(ps[i - 1], ps[i], box) else {
                if current.count >= 2 { parts.append(current) }
                current = []
                continue
            }
            if let last = current.last, last == a {
                current.append(b)
            } else {
                if current.count >= 2 { parts.append(current) }
                current = [a, b]
            }
            // A segment that was cut at its end leaves the box: the next part starts afresh.
            if b != ps[i] {
                parts.append(current)
                current = []
            }
        }
        if current.count >= 2 { parts.append(current) }
        return parts
    }

    /// The part of segment a–b inside `box`, or nil when it misses the box.
    public static func segment(_ a: Position, _ b: Position, _ box: BoundingBox) -> (Position, Position)? {
        let dx = b.x - a.x
        let dy = b.y - a.y
        var t0 = 0.0
        var t1 = 1.0
        for (p, q) in [(-dx, a.x - box.minX), (dx, box.maxX - a.x), (-dy, a.y - box.minY), (dy, box.maxY - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
            } else {
                let r = q / p
                if p < 0 {
                    if r > t1 { return nil }
                    if r > t0 { t0 = r }
                } else {
                    if r < t0 { return nil }
                    if r < t1 { t1 = r }
                }
            }
        }
        let start = t0 == 0 ? a : Position(a.x + t0 * dx, a.y + t0 * dy)
        let end = t1 == 1 ? b : Position(a.x + t1 * dx, a.y + t1 * dy)
        return (start, end)
    }

    /// A closed ring clipped to `box` by Sutherland–Hodgman (the box is convex, so each ring
    /// clips on its own and holes stay holes). Returns a closed ring, or [] when nothing is left.
    public static func ring(_ ring: [Position], to box: BoundingBox) -> [Position] {
        var pts = ring
        if let f = pts.first, f == pts.last { pts.removeLast() }
        guard pts.count >= 3 else { return [] }
        if pts.allSatisfy(box.contains) { return pts + [pts[0]] }
        let edges: [(Position) -> Bool] = [{ $0.x >= box.minX }, { $0.x <= box.maxX }, { $0.y >= box.minY }, { $0.y <= box.maxY }]
        let cuts: [(Position, Position) -> Position] = [
            { a, b in interpolateX(a, b, box.minX) }, { a, b in interpolateX(a, b, box.maxX) },
            { a, b in interpolateY(a, b, box.minY) }, { a, b in interpolateY(a, b, box.maxY) },
        ]
        for k in 0..<4 {
            guard !pts.isEmpty else { break }
            var out = [Position]()
            out.reserveCapacity(pts.count + 4)
            var prev = pts[pts.count - 1]
            var prevIn = edges[k](prev)
            for p in pts {
                let pIn = edges[k](p)
                if pIn {
                    if !prevIn { out.append(cuts[k](prev, p)) }
                    out.append(p)
                } else if prevIn {
                    out.append(cuts[k](prev, p))
                }
                prev = p
                prevIn = pIn
            }
            pts = out
        }
        guard pts.count >= 3 else { return [] }
        return pts + [pts[0]]
    }

    static func interpolateX(_ a: Position, _ b: Position, _ x: Double) -> Position {
        Position(x, a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x))
    }

    static func interpolateY(_ a: Position, _ b: Position, _ y: Double) -> Position {
        Position(a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y), y)
    }
}
