import MachiGeometry

/// Shape type codes of the ESRI shapefile specification.
public enum ShapefileShapeType: Int32, Sendable, CaseIterable {
    case null = 0
    case point = 1
    case polyLine = 3
    case polygon = 5
    case multiPoint = 8
    case pointZ = 11
    case polyLineZ = 13
    case polygonZ = 15
    case multiPointZ = 18
    case pointM = 21
    case polyLineM = 23
    case polygonM = 25
    case multiPointM = 28
    case multiPatch = 31

    /// The 2D type a Z or M type carries; MachiGIS drops the extra ordinates.
    public var planar: ShapefileShapeType {
        switch self {
        case .pointZ, .pointM: .point
        case .polyLineZ, .polyLineM: .polyLine
        case .polygonZ, .polygonM: .polygon
        case .multiPointZ, .multiPointM: .multiPoint
        default: self
        }
    }
}

/// Decodes one .shp record's content into a Geometry. Z and M values follow the x/y points in
/// the record and are simply not read.
enum ShapeRecordDecoder {
    struct Problem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    static func geometry(from content: [UInt8]) throws(Problem) -> Geometry? {
        guard content.count >= 4 else { throw Problem("record is too short to hold a shape type") }
        let code = content.int32LE(at: 0)
        guard let type = ShapefileShapeType(rawValue: code) else { throw Problem("unknown shape type \(code)") }
        switch type.planar {
        case .null:
            return nil
        case .point:
            guard content.count >= 20 else { throw Problem("Point record is \(content.count) bytes, needs 20") }
            let x = content.float64LE(at: 4)
            let y = content.float64LE(at: 12)
            // Writers mark an empty point with NaN coordinates.
            if x.isNaN || y.isNaN { return nil }
            guard x.isFinite && y.isFinite else { throw Problem("point coordinates are not finite numbers") }
            return .point(Position(x, y))
        case .multiPoint:
            guard content.count >= 40 else { throw Problem("MultiPoint record is \(content.count) bytes, needs at least 40") }
            let count = Int(content.int32LE(at: 36))
            let points = try readPoints(content, at: 40, count: count)
            return points.isEmpty ? nil : .multiPoint(points)
        case .polyLine:
            let parts = try readParts(content, kind: "PolyLine")
            if parts.isEmpty { return nil }
            for (k, part) in parts.enumerated() where part.count < 2 {
                throw Problem("part \(k) has \(part.count) point\(part.count == 1 ? "" : "s"); a line needs at least 2")
            }
            return parts.count == 1 ? .lineString(parts[0]) : .multiLineString(parts)
        case .polygon:
            var rings = try readParts(content, kind: "Polygon")
            if rings.isEmpty { return nil }
            for k in rings.indices {
                // Some writers leave rings open; the ring is still unambiguous, so close it.
                if rings[k].first != rings[k].last, let first = rings[k].first { rings[k].append(first) }
                guard rings[k].count >= 4 else { throw Problem("ring \(k) has \(rings[k].count) points; a ring needs at least 4") }
            }
            let polygons = PolygonAssembly.polygons(fromShapefileRings: rings)
            return polygons.count == 1 ? .polygon(polygons[0]) : .multiPolygon(polygons)
        default:
            throw Problem("\(type) shapes are not supported")
        }
    }

    /// PolyLine and Polygon share a layout: bbox, part count, point count, part start
    /// indexes, then the points.
    private static func readParts(_ content: [UInt8], kind: String) throws(Problem) -> [[Position]] {
        guard content.count >= 44 else { throw Problem("\(kind) record is \(content.count) bytes, needs at least 44") }
        let partCount = Int(content.int32LE(at: 36))
        let pointCount = Int(content.int32LE(at: 40))
        guard partCount >= 0, pointCount >= 0, 44 + 4 * partCount <= content.count else {
            throw Problem("\(kind) record claims \(partCount) parts and \(pointCount) points, more than its \(content.count) bytes hold")
        }
        let points = try readPoints(content, at: 44 + 4 * partCount, count: pointCount)
        var starts: [Int] = []
        for k in 0..<partCount { starts.append(Int(content.int32LE(at: 44 + 4 * k))) }
        var parts: [[Position]] = []
        for (k, start) in starts.enumerated() {
            let end = k + 1 < starts.count ? starts[k + 1] : pointCount
            guard start >= 0, start <= end, end <= pointCount else {
                throw Problem("\(kind) part \(k) starts at point \(start), outside 0...\(pointCount)")
            }
            parts.append(Array(points[start..<end]))
        }
        return parts
    }

    private static func readPoints(_ content: [UInt8], at offset: Int, count: Int) throws(Problem) -> [Position] {
        guard count >= 0, offset + 16 * count <= content.count else {
            throw Problem("record claims \(count) points, more than its \(content.count) bytes hold")
        }
        var points: [Position] = []
        points.reserveCapacity(count)
        for k in 0..<count {
            let x = content.float64LE(at: offset + 16 * k)
            let y = content.float64LE(at: offset + 16 * k + 8)
            guard x.isFinite && y.isFinite else { throw Problem("point \(k) has coordinates that are not finite numbers") }
            points.append(Position(x, y))
        }
        return points
    }
}

/// Groups shapefile polygon rings into polygons. A shapefile lists all rings of a record in
/// one flat list and tells outer rings (clockwise) from holes (counter-clockwise) only by
/// orientation; which outer a hole belongs to must be worked out from containment.
enum PolygonAssembly {
    /// Returns polygons in RFC 7946 orientation: outer ring counter-clockwise, holes clockwise.
    static func polygons(fromShapefileRings rings: [[Position]]) -> [[[Position]]] {
        struct Outer {
            var ring: [Position]
            var area: Double
            var box: BoundingBox
            var holes: [[Position]] = []
        }
        var outers: [Outer] = []
        var holes: [(ring: [Position], box: BoundingBox)] = []
        for ring in rings {
            let area = signedArea(ring)
            // Positive signed area is counter-clockwise in a y-up plane, which shapefiles use for holes.
            if area > 0 {
                holes.append((ring, BoundingBox(covering: ring)))
            } else {
                outers.append(Outer(ring: ring, area: -area, box: BoundingBox(covering: ring)))
            }
        }
        var orphans: [[Position]] = []
        for hole in holes {
            // The smallest outer containing the hole is its owner; a larger one may contain
            // that outer too (an island in a lake in an island).
            var owner: Int?
            for (k, outer) in outers.enumerated() where outer.box.contains(hole.box) && contains(outer.ring, hole.ring) {
                if owner == nil || outer.area < outers[owner!].area { owner = k }
            }
            if let owner {
                outers[owner].holes.append(hole.ring)
            } else {
                orphans.append(hole.ring)
            }
        }
        // A counter-clockwise ring inside nothing is an outer ring written with the wrong
        // orientation, which is better kept as a polygon than dropped.
        var polygons = outers.map { [Array($0.ring.reversed())] + $0.holes.map { Array($0.reversed()) } }
        polygons += orphans.map { [$0] }
        return polygons
    }

    /// Shoelace formula; positive when the ring runs counter-clockwise.
    static func signedArea(_ ring: [Position]) -> Double {
        guard ring.count >= 3 else { return 0 }
        var sum = 0.0
        var previous = ring[ring.count - 1]
        for p in ring {
            sum += (previous.x - p.x) * (previous.y + p.y)
            previous = p
        }
        return sum / 2
    }

    /// Decides by a majority of the hole's first few vertices, because a hole may touch its
    /// outer ring and a vertex on the boundary can test either way.
    private static func contains(_ outer: [Position], _ hole: [Position]) -> Bool {
        let samples = hole.prefix(min(5, hole.count - 1))
        let inside = samples.filter { pointInRing($0, outer) }.count
        return inside * 2 > samples.count
    }

    /// Even-odd ray casting.
    static func pointInRing(_ p: Position, _ ring: [Position]) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in 0..<ring.count {
            let a = ring[i]
            let b = ring[j]
            if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
                inside.toggle()
            }
            j = i
        }
        return inside
    }
}
