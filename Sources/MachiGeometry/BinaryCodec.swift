/// Little-endian byte writer shared by the WKB and SpatiaLite blob encoders.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }

    mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func f64(_ v: Double) {
        withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func position(_ p: Position) {
        f64(p.x)
        f64(p.y)
    }
}

public struct GeometryDecodingError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// Bounds-checked reader for WKB and SpatiaLite blobs; any overrun is a decoding error, never a trap.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset: Int
    var littleEndian = true

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func u8() throws(GeometryDecodingError) -> UInt8 {
        guard offset + 1 <= bytes.count else { throw GeometryDecodingError("truncated geometry") }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u32() throws(GeometryDecodingError) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw GeometryDecodingError("truncated geometry") }
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        offset += 4
        return littleEndian ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
    }

    mutating func f64() throws(GeometryDecodingError) -> Double {
        guard offset + 8 <= bytes.count else { throw GeometryDecodingError("truncated geometry") }
        let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        offset += 8
        return Double(bitPattern: littleEndian ? UInt64(littleEndian: v) : UInt64(bigEndian: v))
    }

    mutating func position() throws(GeometryDecodingError) -> Position {
        let x = try f64()
        let y = try f64()
        return Position(x, y)
    }

    /// A count followed by that many items; the count is checked against the bytes left so
    /// a hostile count cannot make us reserve gigabytes.
    mutating func count(minItemSize: Int) throws(GeometryDecodingError) -> Int {
        let n = Int(try u32())
        guard n * minItemSize <= bytes.count - offset else { throw GeometryDecodingError("count \(n) exceeds geometry size") }
        return n
    }

    mutating func positions() throws(GeometryDecodingError) -> [Position] {
        let n = try count(minItemSize: 16)
        var ps = [Position]()
        ps.reserveCapacity(n)
        for _ in 0..<n { ps.append(try position()) }
        return ps
    }

    mutating func rings() throws(GeometryDecodingError) -> [[Position]] {
        let n = try count(minItemSize: 4)
        var rs = [[Position]]()
        rs.reserveCapacity(n)
        for _ in 0..<n { rs.append(try positions()) }
        return rs
    }
}

extension Geometry {
    /// ISO/OGC Well-Known Binary, little-endian, 2D. This is what GEOS reads.
    public var wkb: [UInt8] {
        var w = ByteWriter(capacity: 9 + positionCount * 16)
        Self.writeWKB(self, into: &w)
        return w.bytes
    }

    private static func writeWKB(_ g: Geometry, into w: inout ByteWriter) {
        w.u8(1)
        w.u32(g.type.wkbCode)
        switch g {
        case .point(let p): w.position(p)
        case .lineString(let ps): writePath(ps, &w)
        case .polygon(let rings): writeRings(rings, &w)
        case .multiPoint(let ps):
            w.u32(UInt32(ps.count))
            for p in ps { writeWKB(.point(p), into: &w) }
        case .multiLineString(let lines):
            w.u32(UInt32(lines.count))
            for l in lines { writeWKB(.lineString(l), into: &w) }
        case .multiPolygon(let polys):
            w.u32(UInt32(polys.count))
            for p in polys { writeWKB(.polygon(p), into: &w) }
        }
    }

    fileprivate static func writePath(_ ps: [Position], _ w: inout ByteWriter) {
        w.u32(UInt32(ps.count))
        for p in ps { w.position(p) }
    }

    fileprivate static func writeRings(_ rings: [[Position]], _ w: inout ByteWriter) {
        w.u32(UInt32(rings.count))
        for r in rings { writePath(r, &w) }
    }

    public init(wkb bytes: [UInt8]) throws(GeometryDecodingError) {
        let result = bytes.withUnsafeBytes { buf in
            Result { () throws(GeometryDecodingError) -> Geometry in
                var r = ByteReader(buf)
                return try Self.readWKB(&r, depth: 0)
            }
        }
        self = try result.get()
    }

    private static func readWKB(_ r: inout ByteReader, depth: Int) throws(GeometryDecodingError) -> Geometry {
        let order = try r.u8()
        guard order <= 1 else { throw GeometryDecodingError("bad WKB byte order \(order)") }
        r.littleEndian = order == 1
        let code = try r.u32()
        guard let type = GeometryType(wkbCode: code) else { throw GeometryDecodingError("unsupported WKB type \(code)") }
        switch type {
        case .point: return .point(try r.position())
        case .lineString: return .lineString(try r.positions())
        case .polygon: return .polygon(try r.rings())
        case .multiPoint, .multiLineString, .multiPolygon:
            guard depth == 0 else { throw GeometryDecodingError("nested multi geometry") }
            let n = try r.count(minItemSize: 5)
            var parts = [Geometry]()
            for _ in 0..<n {
                let part = try readWKB(&r, depth: 1)
                guard part.type == type.singular else { throw GeometryDecodingError("\(type.rawValue) holds a \(part.type.rawValue)") }
                parts.append(part)
            }
            return Self.assemble(type, parts)
        }
    }

    static func assemble(_ type: GeometryType, _ parts: [Geometry]) -> Geometry {
        switch type {
        case .multiPoint: return .multiPoint(parts.map { if case .point(let p) = $0 { p } else { Position(0, 0) } })
        case .multiLineString: return .multiLineString(parts.map { if case .lineString(let l) = $0 { l } else { [] } })
        default: return .multiPolygon(parts.map { if case .polygon(let p) = $0 { p } else { [] } })
        }
    }
}

/// SpatiaLite's internal BLOB geometry (see "BLOB-Geometry" in the SpatiaLite docs):
/// writing it ourselves lets a bulk import skip per-row SQL geometry parsing.
public enum SpatiaLiteBlob {
    static let start: UInt8 = 0x00
    static let mbrEnd: UInt8 = 0x7C
    static let entity: UInt8 = 0x69
    static let end: UInt8 = 0xFE

    /// - Parameter box: the geometry's bounding box when the caller has it already.
    public static func encode(_ g: Geometry, srid: Int32, box: BoundingBox? = nil) -> [UInt8] {
        var w = ByteWriter(capacity: 44 + g.positionCount * 16 + 8)
        let bb = box ?? g.boundingBox
        w.u8(start)
        w.u8(1)
        w.u32(UInt32(bitPattern: srid))
        w.f64(bb.minX)
        w.f64(bb.minY)
        w.f64(bb.maxX)
        w.f64(bb.maxY)
        w.u8(mbrEnd)
        w.u32(g.type.wkbCode)
        switch g {
        case .point(let p): w.position(p)
        case .lineString(let ps): Geometry.writePath(ps, &w)
        case .polygon(let rings): Geometry.writeRings(rings, &w)
        case .multiPoint(let ps):
            w.u32(UInt32(ps.count))
            for p in ps {
                w.u8(entity)
                w.u32(GeometryType.point.wkbCode)
                w.position(p)
            }
        case .multiLineString(let lines):
            w.u32(UInt32(lines.count))
            for l in lines {
                w.u8(entity)
                w.u32(GeometryType.lineString.wkbCode)
                Geometry.writePath(l, &w)
            }
        case .multiPolygon(let polys):
            w.u32(UInt32(polys.count))
            for p in polys {
                w.u8(entity)
                w.u32(GeometryType.polygon.wkbCode)
                Geometry.writeRings(p, &w)
            }
        }
        w.u8(end)
        return w.bytes
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(GeometryDecodingError) -> (geometry: Geometry, srid: Int32) {
        guard bytes.count >= 44, bytes[0] == start, bytes[38] == mbrEnd, bytes[bytes.count - 1] == end else {
            throw GeometryDecodingError("not a SpatiaLite geometry blob")
        }
        var r = ByteReader(bytes, offset: 1)
        let order = try r.u8()
        guard order <= 1 else { throw GeometryDecodingError("bad blob byte order") }
        r.littleEndian = order == 1
        let srid = Int32(bitPattern: try r.u32())
        r.offset = 39
        let code = try r.u32()
        guard let type = GeometryType(wkbCode: code) else { throw GeometryDecodingError("unsupported blob class \(code)") }
        let g: Geometry
        switch type {
        case .point: g = .point(try r.position())
        case .lineString: g = .lineString(try r.positions())
        case .polygon: g = .polygon(try r.rings())
        case .multiPoint, .multiLineString, .multiPolygon:
            let n = try r.count(minItemSize: 5)
            var parts = [Geometry]()
            parts.reserveCapacity(n)
            for _ in 0..<n {
                guard try r.u8() == entity else { throw GeometryDecodingError("missing entity marker") }
                let partCode = try r.u32()
                guard partCode == type.singular.wkbCode else { throw GeometryDecodingError("bad part class \(partCode)") }
                switch type.singular {
                case .point: parts.append(.point(try r.position()))
                case .lineString: parts.append(.lineString(try r.positions()))
                default: parts.append(.polygon(try r.rings()))
                }
            }
            g = Geometry.assemble(type, parts)
        }
        return (g, srid)
    }

    public static func decode(_ bytes: [UInt8]) throws(GeometryDecodingError) -> (geometry: Geometry, srid: Int32) {
        try bytes.withUnsafeBytes { buf in Result { () throws(GeometryDecodingError) in try decode(buf) } }.get()
    }
}
