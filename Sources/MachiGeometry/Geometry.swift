/// A coordinate pair. In the plane rectangular CS `x` is easting and `y` northing
/// (GIS order, as SpatiaLite stores it); in CRS84 `x` is longitude and `y` latitude.
public struct Position: Sendable, Hashable {
    public var x: Double
    public var y: Double

    public init(_ x: Double, _ y: Double) {
        self.x = x
        self.y = y
    }
}

public enum GeometryType: String, Sendable, CaseIterable, Codable {
    case point = "Point"
    case lineString = "LineString"
    case polygon = "Polygon"
    case multiPoint = "MultiPoint"
    case multiLineString = "MultiLineString"
    case multiPolygon = "MultiPolygon"

    /// The single-part type a multi type is made of, and itself for single types.
    public var singular: GeometryType {
        switch self {
        case .multiPoint: .point
        case .multiLineString: .lineString
        case .multiPolygon: .polygon
        default: self
        }
    }

    /// The OGC class code used by WKB and the SpatiaLite blob.
    public var wkbCode: UInt32 {
        switch self {
        case .point: 1
        case .lineString: 2
        case .polygon: 3
        case .multiPoint: 4
        case .multiLineString: 5
        case .multiPolygon: 6
        }
    }

    public init?(wkbCode: UInt32) {
        guard let t = GeometryType.allCases.first(where: { $0.wkbCode == wkbCode }) else { return nil }
        self = t
    }
}

/// The simple-feature geometries MachiGIS stores (2D; any Z is dropped on input).
public enum Geometry: Sendable, Hashable {
    case point(Position)
    case lineString([Position])
    case polygon([[Position]])
    case multiPoint([Position])
    case multiLineString([[Position]])
    case multiPolygon([[[Position]]])

    public var type: GeometryType {
        switch self {
        case .point: .point
        case .lineString: .lineString
        case .polygon: .polygon
        case .multiPoint: .multiPoint
        case .multiLineString: .multiLineString
        case .multiPolygon: .multiPolygon
        }
    }

    /// Every position, in order, for bulk work such as reprojection.
    public var positions: [Position] {
        switch self {
        case .point(let p): [p]
        case .lineString(let ps), .multiPoint(let ps): ps
        case .polygon(let rings), .multiLineString(let rings): rings.flatMap { $0 }
        case .multiPolygon(let polys): polys.flatMap { $0.flatMap { $0 } }
        }
    }

    public var positionCount: Int {
        switch self {
        case .point: 1
        case .lineString(let ps), .multiPoint(let ps): ps.count
        case .polygon(let rings), .multiLineString(let rings): rings.reduce(0) { $0 + $1.count }
        case .multiPolygon(let polys): polys.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        }
    }

    /// Rebuilds the geometry with the positions replaced, in the order of `positions`.
    public func replacingPositions(_ new: [Position]) -> Geometry {
        precondition(new.count == positionCount, "position count mismatch")
        var i = 0
        func take(_ n: Int) -> [Position] {
            defer { i += n }
            return Array(new[i..<(i + n)])
        }
        switch self {
        case .point: return .point(new[0])
        case .lineString(let ps): return .lineString(take(ps.count))
        case .multiPoint(let ps): return .multiPoint(take(ps.count))
        case .polygon(let rings): return .polygon(rings.map { take($0.count) })
        case .multiLineString(let lines): return .multiLineString(lines.map { take($0.count) })
        case .multiPolygon(let polys): return .multiPolygon(polys.map { $0.map { take($0.count) } })
        }
    }

    /// Wraps a single-part geometry into its multi type; multi geometries are returned as they are.
    public var asMulti: Geometry {
        switch self {
        case .point(let p): .multiPoint([p])
        case .lineString(let ps): .multiLineString([ps])
        case .polygon(let rings): .multiPolygon([rings])
        default: self
        }
    }

    public var boundingBox: BoundingBox {
        BoundingBox(covering: positions)
    }
}

public struct BoundingBox: Sendable, Hashable {
    public var minX: Double
    public var minY: Double
    public var maxX: Double
    public var maxY: Double

    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    public init(covering positions: [Position]) {
        var b = BoundingBox(minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
        for p in positions {
            b.minX = min(b.minX, p.x)
            b.minY = min(b.minY, p.y)
            b.maxX = max(b.maxX, p.x)
            b.maxY = max(b.maxY, p.y)
        }
        self = b
    }

    public func contains(_ p: Position) -> Bool {
        p.x >= minX && p.x <= maxX && p.y >= minY && p.y <= maxY
    }

    public func contains(_ other: BoundingBox) -> Bool {
        other.minX >= minX && other.maxX <= maxX && other.minY >= minY && other.maxY <= maxY
    }

    public func intersects(_ other: BoundingBox) -> Bool {
        other.minX <= maxX && other.maxX >= minX && other.minY <= maxY && other.maxY >= minY
    }

    public func expanded(by d: Double) -> BoundingBox {
        BoundingBox(minX: minX - d, minY: minY - d, maxX: maxX + d, maxY: maxY + d)
    }
}
