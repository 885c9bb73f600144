/// An attribute value as the vector tile spec types it (4.1 `Value`).
public enum TileValue: Sendable, Hashable {
    case string(String)
    case double(Double)
    case int(Int64)
    case bool(Bool)
}

/// One layer of a Mapbox Vector Tile 2.1: features plus the key and value tables their
/// tags index into. Keys and values are shared, so a repeated value costs one varint.
public struct MVTLayer: Sendable {
    public let name: String
    public let extent: UInt32
    private var keys: [String] = []
    private var keyIndex: [String: UInt32] = [:]
    private var values: [TileValue] = []
    private var valueIndex: [TileValue: UInt32] = [:]
    private var features = ProtobufWriter()
    public private(set) var featureCount = 0

    public init(name: String, extent: UInt32 = 4096) {
        self.name = name
        self.extent = extent
    }

    /// Adds a feature; attributes with no value are left out (the spec has no null).
    public mutating func add(id: UInt64?, properties: [(String, TileValue?)], geometry: TileGeometry) {
        let commands = geometry.commands
        guard !commands.isEmpty else { return }
        var tags = [UInt32]()
        tags.reserveCapacity(properties.count * 2)
        for (k, v) in properties {
            guard let v else { continue }
            if case .double(let d) = v, !d.isFinite { continue }
            tags.append(index(key: k))
            tags.append(index(value: v))
        }
        features.message(2) { f in
            if let id { f.uint(1, id) }
            f.packed(2, tags)
            f.uint(3, geometry.typeCode)
            f.packed(4, commands)
        }
        featureCount += 1
    }

    private mutating func index(key: String) -> UInt32 {
        if let i = keyIndex[key] { return i }
        let i = UInt32(keys.count)
        keys.append(key)
        keyIndex[key] = i
        return i
    }

    private mutating func index(value: TileValue) -> UInt32 {
        if let i = valueIndex[value] { return i }
        let i = UInt32(values.count)
        values.append(value)
        valueIndex[value] = i
        return i
    }

    /// The `Layer` message body (fields in number order, version last).
    public var encoded: [UInt8] {
        var w = ProtobufWriter()
        w.string(1, name)
        var body = w.bytes
        body.append(contentsOf: features.bytes)
        w = ProtobufWriter()
        for k in keys { w.string(3, k) }
        for v in values {
            w.message(4) { m in
                switch v {
                case .string(let s): m.string(1, s)
                case .double(let d): m.double(3, d)
                case .int(let i) where i >= 0: m.uint(5, UInt64(i))
                case .int(let i): m.sint(6, i)
                case .bool(let b): m.uint(7, b ? 1 : 0)
                }
            }
        }
        w.uint(5, UInt64(extent))
        w.uint(15, 2)
        body.append(contentsOf: w.bytes)
        return body
    }
}

public enum MVTEncoder {
    /// A `Tile` message of the non-empty layers; [] when no layer has a feature.
    public static func tile(_ layers: [MVTLayer]) -> [UInt8] {
        var w = ProtobufWriter()
        for layer in layers where layer.featureCount > 0 {
            w.bytes(3, layer.encoded)
        }
        return w.bytes
    }
}
