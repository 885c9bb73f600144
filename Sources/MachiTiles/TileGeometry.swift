/// A vertex in tile units: x to the right, y down, 0…extent inside the tile.
public struct TilePoint: Sendable, Hashable {
    public var x: Int32
    public var y: Int32

    public init(_ x: Int32, _ y: Int32) {
        self.x = x
        self.y = y
    }
}

/// A geometry ready for a tile. Rings are closed (first point repeated last); each polygon
/// is its exterior ring followed by its holes.
public enum TileGeometry: Sendable, Hashable {
    case points([TilePoint])
    case lines([[TilePoint]])
    case polygons([[[TilePoint]]])

    /// `GeomType` of the vector tile spec (4.3.4).
    public var typeCode: UInt64 {
        switch self {
        case .points: 1
        case .lines: 2
        case .polygons: 3
        }
    }

    public var isEmpty: Bool {
        switch self {
        case .points(let ps): ps.isEmpty
        case .lines(let ls): ls.isEmpty
        case .polygons(let ps): ps.isEmpty
        }
    }

    /// Twice the signed area by the surveyor's formula, in tile coordinates. The spec
    /// calls a ring with positive area an exterior ring (clockwise on screen, y down).
    public static func doubleSignedArea(_ ring: [TilePoint]) -> Int64 {
        guard ring.count > 2 else { return 0 }
        var sum: Int64 = 0
        for i in 0..<(ring.count - 1) {
            sum += Int64(ring[i].x) * Int64(ring[i + 1].y) - Int64(ring[i + 1].x) * Int64(ring[i].y)
        }
        return sum
    }

    /// The geometry as the spec's command integers (4.3): MoveTo, LineTo and ClosePath with
    /// zigzag-encoded deltas from a cursor that runs on across parts and rings.
    public var commands: [UInt32] {
        var out = [UInt32]()
        var cx: Int32 = 0
        var cy: Int32 = 0
        func command(_ id: UInt32, _ count: Int) { out.append(id & 0x7 | UInt32(count) << 3) }
        func delta(_ p: TilePoint) {
            out.append(ProtobufWriter.zigzag32(p.x &- cx))
            out.append(ProtobufWriter.zigzag32(p.y &- cy))
            cx = p.x
            cy = p.y
        }
        switch self {
        case .points(let ps):
            guard !ps.isEmpty else { return [] }
            command(1, ps.count)
            ps.forEach(delta)
        case .lines(let lines):
            for line in lines where line.count >= 2 {
                command(1, 1)
                delta(line[0])
                command(2, line.count - 1)
                line.dropFirst().forEach(delta)
            }
        case .polygons(let polygons):
            for rings in polygons {
                for ring in rings where ring.count >= 4 {
                    // The closing point is implied by ClosePath.
                    command(1, 1)
                    delta(ring[0])
                    command(2, ring.count - 2)
                    ring[1..<(ring.count - 1)].forEach(delta)
                    command(7, 1)
                }
            }
        }
        return out
    }
}
