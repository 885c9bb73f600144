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
    /// Attribute names in the order `add(id:values:geometry:)` gives values.
    private let attributeKeys: [String]
    /// Key-table index of each attribute, once the attribute has appeared with a value.
    private var keySlots: [UInt32?]
    private var keys: [String] = []
    private var values: [TileValue] = []
    // One table per value type: hashing a String or an Int64 directly is much cheaper than
    // hashing the enum around it, and these lookups run for every attribute of every feature.
    private var stringIndex: [String: UInt32] = [:]
    private var intIndex: [Int64: UInt32] = [:]
    private var doubleIndex: [UInt64: UInt32] = [:]
    private var boolIndex: [Bool: UInt32] = [:]
    private var features = ProtobufWriter()
    public private(set) var featureCount = 0
    /// Bytes of the key and value tables so far, as `encoded` writes them.
    private var tableBytes = 0

    /// - Parameter keys: the attribute names every feature's values follow.
    public init(name: String, extent: UInt32 = 4096, keys: [String] = []) {
        self.name = name
        self.extent = extent
        attributeKeys = keys
        keySlots = Array(repeating: nil, count: keys.count)
    }

    /// Adds a feature with named attributes (any order, any names).
    public mutating func add(id: UInt64?, properties: [(String, TileValue?)], geometry: TileGeometry) {
        var tags = [UInt32]()
        for (k, v) in properties {
            guard let v, v.isEncodable else { continue }
            let ki: UInt32
            if let i = keys.firstIndex(of: k) {
                ki = UInt32(i)
            } else {
                ki = UInt32(keys.count)
                keys.append(k)
                tableBytes += Self.stringFieldSize(k)
            }
            tags += [ki, index(value: v)]
        }
        write(id: id, tags: tags, geometry: geometry)
    }

    /// Adds a feature whose values follow the layer's `keys`; nil values are left out (the spec has no null).
    public mutating func add(id: UInt64?, values attributeValues: [TileValue?], geometry: TileGeometry) {
        var tags = [UInt32]()
        tags.reserveCapacity(attributeValues.count * 2)
        for (i, v) in attributeValues.enumerated() {
            guard let v, v.isEncodable else { continue }
            let ki: UInt32
            if let slot = keySlots[i] {
                ki = slot
            } else {
                ki = UInt32(keys.count)
                keys.append(attributeKeys[i])
                tableBytes += Self.stringFieldSize(attributeKeys[i])
                keySlots[i] = ki
            }
            tags.append(ki)
            tags.append(index(value: v))
        }
        write(id: id, tags: tags, geometry: geometry)
    }

    /// The `Feature` message straight into the layer's buffer, its length computed first.
    private mutating func write(id: UInt64?, tags: [UInt32], geometry: TileGeometry) {
        let commands = geometry.commands
        guard !commands.isEmpty else { return }
        let tagBytes = tags.reduce(0) { $0 + ProtobufWriter.varintSize(UInt64($1)) }
        let geometryBytes = commands.reduce(0) { $0 + ProtobufWriter.varintSize(UInt64($1)) }
        var size = 2 + 1 + ProtobufWriter.varintSize(UInt64(geometryBytes)) + geometryBytes
        if let id { size += 1 + ProtobufWriter.varintSize(id) }
        if !tags.isEmpty { size += 1 + ProtobufWriter.varintSize(UInt64(tagBytes)) + tagBytes }
        features.key(2, .lengthDelimited)
        features.varint(UInt64(size))
        if let id { features.uint(1, id) }
        features.packedInPlace(2, tags)
        features.uint(3, geometry.typeCode)
        features.packedInPlace(4, commands)
        featureCount += 1
    }

    private mutating func index(value: TileValue) -> UInt32 {
        let next = UInt32(values.count)
        let found: UInt32?
        switch value {
        case .string(let s):
            found =
                stringIndex[s]
                ?? {
                    stringIndex[s] = next; return nil
                }()
        case .int(let n):
            found =
                intIndex[n]
                ?? {
                    intIndex[n] = next; return nil
                }()
        case .double(let d):
            found =
                doubleIndex[d.bitPattern]
                ?? {
                    doubleIndex[d.bitPattern] = next; return nil
                }()
        case .bool(let b):
            found =
                boolIndex[b]
                ?? {
                    boolIndex[b] = next; return nil
                }()
        }
        if let found { return found }
        values.append(value)
        let body: Int
        switch value {
        case .string(let s): body = Self.stringFieldSize(s)
        case .double: body = 9
        case .int(let i): body = 1 + ProtobufWriter.varintSize(i >= 0 ? UInt64(i) : ProtobufWriter.zigzag(i))
        case .bool: body = 2
        }
        tableBytes += 1 + ProtobufWriter.varintSize(UInt64(body)) + body
        return next
    }

    static func stringFieldSize(_ s: String) -> Int {
        let n = s.utf8.count
        return 1 + ProtobufWriter.varintSize(UInt64(n)) + n
    }

    /// Size of this layer inside a tile (its `Tile.layers` field included), give or take the
    /// few bytes of the layer's own length prefix; cheap enough to ask after every feature.
    public var approximateSize: Int {
        featureCount == 0 ? 0 : features.bytes.count + tableBytes + Self.stringFieldSize(name) + 16
    }

    /// The `Layer` message body (fields in number order, version last).
    public var encoded: [UInt8] {
        var w = ProtobufWriter()
        w.string(1, name)
        w.append(features.bytes)
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
        return w.bytes
    }
}

extension TileValue {
    /// The spec has no NaN or infinity either.
    var isEncodable: Bool {
        if case .double(let d) = self { return d.isFinite }
        return true
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
