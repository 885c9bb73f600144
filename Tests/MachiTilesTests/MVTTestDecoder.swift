import MachiTiles

/// An independent reader of the vector tile wire format, for checking what the encoder
/// wrote: it shares no code with it.
struct DecodedTile {
    struct Feature {
        var id: UInt64?
        var tags: [UInt32] = []
        var type: UInt64 = 0
        var geometry: [UInt32] = []
    }

    struct Layer {
        var name = ""
        var version: UInt64 = 0
        var extent: UInt64 = 0
        var keys: [String] = []
        var values: [TileValue] = []
        var features: [Feature] = []

        func properties(_ f: Feature) -> [String: TileValue] {
            var out = [String: TileValue]()
            for i in stride(from: 0, to: f.tags.count - 1, by: 2) { out[keys[Int(f.tags[i])]] = values[Int(f.tags[i + 1])] }
            return out
        }
    }

    var layers: [Layer] = []

    struct Reader {
        let bytes: [UInt8]
        var i = 0
        var atEnd: Bool { i >= bytes.count }

        mutating func varint() -> UInt64 {
            var v: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = bytes[i]
                i += 1
                v |= UInt64(b & 0x7f) << shift
                if b < 0x80 { return v }
                shift += 7
            }
        }

        mutating func field() -> (UInt64, UInt64) {
            let k = varint()
            return (k >> 3, k & 7)
        }

        mutating func chunk() -> [UInt8] {
            let n = Int(varint())
            defer { i += n }
            return Array(bytes[i..<(i + n)])
        }

        mutating func fixed64() -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            i += 8
            return v
        }

        static func packed(_ b: [UInt8]) -> [UInt32] {
            var r = Reader(bytes: b)
            var out = [UInt32]()
            while !r.atEnd { out.append(UInt32(r.varint())) }
            return out
        }
    }

    init(_ bytes: [UInt8]) {
        var r = Reader(bytes: bytes)
        while !r.atEnd {
            let (f, _) = r.field()
            precondition(f == 3, "Tile has only layers")
            layers.append(Self.layer(r.chunk()))
        }
    }

    static func layer(_ bytes: [UInt8]) -> Layer {
        var r = Reader(bytes: bytes)
        var l = Layer()
        while !r.atEnd {
            switch r.field() {
            case (1, 2): l.name = String(decoding: r.chunk(), as: UTF8.self)
            case (2, 2): l.features.append(feature(r.chunk()))
            case (3, 2): l.keys.append(String(decoding: r.chunk(), as: UTF8.self))
            case (4, 2): l.values.append(value(r.chunk()))
            case (5, 0): l.extent = r.varint()
            case (15, 0): l.version = r.varint()
            case let other: preconditionFailure("unexpected layer field \(other)")
            }
        }
        return l
    }

    static func feature(_ bytes: [UInt8]) -> Feature {
        var r = Reader(bytes: bytes)
        var f = Feature()
        while !r.atEnd {
            switch r.field() {
            case (1, 0): f.id = r.varint()
            case (2, 2): f.tags = Reader.packed(r.chunk())
            case (3, 0): f.type = r.varint()
            case (4, 2): f.geometry = Reader.packed(r.chunk())
            case let other: preconditionFailure("unexpected feature field \(other)")
            }
        }
        return f
    }

    static func value(_ bytes: [UInt8]) -> TileValue {
        var r = Reader(bytes: bytes)
        switch r.field() {
        case (1, 2): return .string(String(decoding: r.chunk(), as: UTF8.self))
        case (3, 1): return .double(Double(bitPattern: r.fixed64()))
        case (5, 0): return .int(Int64(r.varint()))
        case (6, 0):
            let z = r.varint()
            return .int(Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))))
        case (7, 0): return .bool(r.varint() != 0)
        case let other: preconditionFailure("unexpected value field \(other)")
        }
    }

    /// Geometry commands back to parts of absolute tile coordinates (rings without the closing point).
    static func parts(_ commands: [UInt32]) -> [[TilePoint]] {
        var parts = [[TilePoint]]()
        var x: Int32 = 0
        var y: Int32 = 0
        var i = 0
        func unzig(_ v: UInt32) -> Int32 { Int32(bitPattern: (v >> 1) ^ (0 &- (v & 1))) }
        while i < commands.count {
            let id = commands[i] & 7
            let count = Int(commands[i] >> 3)
            i += 1
            switch id {
            case 1, 2:
                for _ in 0..<count {
                    x += unzig(commands[i])
                    y += unzig(commands[i + 1])
                    i += 2
                    if id == 1 { parts.append([]) }
                    parts[parts.count - 1].append(TilePoint(x, y))
                }
            case 7: break
            default: preconditionFailure("unknown command \(id)")
            }
        }
        return parts
    }
}
