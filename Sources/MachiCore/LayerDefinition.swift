import Foundation
public import MachiGeometry

/// Attribute types a layer file may declare; each maps to one SQLite storage class.
public enum AttributeType: String, Sendable, Decodable {
    case text, integer, real, boolean, date, datetime

    var sqlType: String {
        switch self {
        case .text, .date, .datetime: "TEXT"
        case .integer, .boolean: "INTEGER"
        case .real: "REAL"
        }
    }
}

public struct AttributeDefinition: Sendable, Decodable {
    public var key: String
    public var type: AttributeType
    /// Japanese label shown to users.
    public var label: String
    public var labelEn: String?
    public var required: Bool
    /// Allowed values (for text attributes).
    public var values: [String]?
    public var min: Double?
    public var max: Double?
    public var maxLength: Int?
    /// Filled from the geometry when the source leaves it empty ("length" in metres, plane CS).
    public var computed: String?
    public var unit: String?
    public var description: String?
    /// Whether the store keeps a B-tree index on the column (for lookups and joins).
    public var indexed: Bool
    /// Personal data (a number plate): shown when staff read one record, left out of bulk
    /// reads except for admins, and never written into tiles (see `LayerDefinition.view`).
    public var personal: Bool

    enum CodingKeys: String, CodingKey {
        case key, type, label, labelEn = "label_en", required, values, min, max, maxLength = "max_length", computed, unit, description,
            indexed, personal
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        type = try c.decode(AttributeType.self, forKey: .type)
        label = try c.decodeIfPresent(String.self, forKey: .label) ?? key
        labelEn = try c.decodeIfPresent(String.self, forKey: .labelEn)
        required = try c.decodeIfPresent(Bool.self, forKey: .required) ?? false
        values = try c.decodeIfPresent([String].self, forKey: .values)
        min = try c.decodeIfPresent(Double.self, forKey: .min)
        max = try c.decodeIfPresent(Double.self, forKey: .max)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        computed = try c.decodeIfPresent(String.self, forKey: .computed)
        unit = try c.decodeIfPresent(String.self, forKey: .unit)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        indexed = try c.decodeIfPresent(Bool.self, forKey: .indexed) ?? false
        personal = try c.decodeIfPresent(Bool.self, forKey: .personal) ?? false
    }
}

/// How a layer goes into vector tiles (`tiles:` in the layer file). Every tile has a byte
/// budget; these settings decide what is given up first to meet it.
public struct LayerTileSettings: Sendable, Decodable, Equatable {
    /// Below this zoom the layer is absent from tiles.
    public var minZoom: Int
    /// Above this zoom tiles carry no extra detail: simplification stays at this zoom's ground tolerance.
    public var maxZoom: Int
    /// Encoded tile size limit in bytes; nil uses the city's (`tiles.max_bytes` in city.yaml, default 500 KB).
    public var maxBytes: Int?
    /// Below this zoom, consecutive lines (one's last vertex is the next one's first, as a pipe's
    /// downstream manhole is the next pipe's upstream one) with equal `mergeBy` values become one
    /// feature carrying only those attributes. nil: never merge.
    public var mergeBelow: Int?
    public var mergeBy: [String]

    public static let defaults = LayerTileSettings(minZoom: 0, maxZoom: 24, maxBytes: nil, mergeBelow: nil, mergeBy: [])

    enum CodingKeys: String, CodingKey {
        case minZoom = "minzoom", maxZoom = "maxzoom", maxBytes = "max_bytes", mergeBelow = "merge_below", mergeBy = "merge_by"
    }

    public init(minZoom: Int, maxZoom: Int, maxBytes: Int?, mergeBelow: Int?, mergeBy: [String]) {
        self.minZoom = minZoom
        self.maxZoom = maxZoom
        self.maxBytes = maxBytes
        self.mergeBelow = mergeBelow
        self.mergeBy = mergeBy
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minZoom = try c.decodeIfPresent(Int.self, forKey: .minZoom) ?? Self.defaults.minZoom
        maxZoom = try c.decodeIfPresent(Int.self, forKey: .maxZoom) ?? Self.defaults.maxZoom
        maxBytes = try c.decodeIfPresent(Int.self, forKey: .maxBytes)
        mergeBelow = try c.decodeIfPresent(Int.self, forKey: .mergeBelow)
        mergeBy = try c.decodeIfPresent([String].self, forKey: .mergeBy) ?? []
        guard (0...24).contains(minZoom), (minZoom...24).contains(maxZoom) else {
            throw DecodingError.dataCorruptedError(forKey: .maxZoom, in: c, debugDescription: "need 0 ≤ minzoom ≤ maxzoom ≤ 24")
        }
        if let maxBytes, maxBytes < 1024 {
            throw DecodingError.dataCorruptedError(forKey: .maxBytes, in: c, debugDescription: "max_bytes must be at least 1024")
        }
    }
}

/// Who may read a layer: everyone, or staff holding one of the roles.
public enum LayerAccess: Sendable, Equatable {
    case publicRead
    case roles([String])

    public var isPublic: Bool { self == .publicRead }
}

/// One layer as declared in `layers/NAME.yaml`. Adding an attribute is a change to that
/// file only: the store adds the column when it next opens.
public struct LayerDefinition: Sendable, Decodable {
    public var name: String
    public var titleJa: String
    public var titleEn: String
    public var geometryType: GeometryType
    public var access: LayerAccess
    /// The attribute that identifies a feature (unique), e.g. `pipe_no`.
    public var key: String?
    public var attributes: [AttributeDefinition]
    /// Source column name → attribute key, e.g. `人孔番号: mh_no`.
    public var importAliases: [String: String]
    /// Attribute holding a time, for `datetime` filtering.
    public var temporal: String?
    /// Zoom range, byte budget and low-zoom merging in vector tiles.
    public var tiles: LayerTileSettings

    enum CodingKeys: String, CodingKey {
        case name, title, geometry, access, key, attributes, `import`, temporal, tiles
    }

    struct Title: Decodable {
        var ja: String
        var en: String?
    }

    struct ImportSection: Decodable {
        var aliases: [String: String]?
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        guard name.range(of: "^[a-z][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: "layer name must match [a-z][a-z0-9_]*")
        }
        let title = try c.decode(Title.self, forKey: .title)
        titleJa = title.ja
        titleEn = title.en ?? name
        let g = try c.decode(String.self, forKey: .geometry)
        guard let gt = GeometryType(rawValue: g) else {
            throw DecodingError.dataCorruptedError(forKey: .geometry, in: c, debugDescription: "unknown geometry type \(g)")
        }
        geometryType = gt
        if let roles = try? c.decode([String: [String]].self, forKey: .access), let r = roles["roles"] {
            access = .roles(r)
        } else {
            let a = try c.decodeIfPresent(String.self, forKey: .access) ?? "staff"
            access = a == "public" ? .publicRead : .roles(["admin"])
        }
        key = try c.decodeIfPresent(String.self, forKey: .key)
        attributes = try c.decode([AttributeDefinition].self, forKey: .attributes)
        importAliases = try c.decodeIfPresent(ImportSection.self, forKey: .import)?.aliases ?? [:]
        temporal = try c.decodeIfPresent(String.self, forKey: .temporal)
        tiles = try c.decodeIfPresent(LayerTileSettings.self, forKey: .tiles) ?? .defaults
        var seen = Set<String>()
        for a in attributes {
            guard a.key.range(of: "^[a-z][a-z0-9_]{0,62}$", options: .regularExpression) != nil,
                !["fid", "geom"].contains(a.key)
            else {
                throw DecodingError.dataCorruptedError(forKey: .attributes, in: c, debugDescription: "bad attribute key \(a.key)")
            }
            guard seen.insert(a.key).inserted else {
                throw DecodingError.dataCorruptedError(forKey: .attributes, in: c, debugDescription: "attribute \(a.key) declared twice")
            }
        }
        if let key, !seen.contains(key) {
            throw DecodingError.dataCorruptedError(forKey: .key, in: c, debugDescription: "key \(key) is not an attribute")
        }
        for k in tiles.mergeBy where !seen.contains(k) {
            throw DecodingError.dataCorruptedError(forKey: .tiles, in: c, debugDescription: "merge_by \(k) is not an attribute")
        }
        for (source, target) in importAliases where !seen.contains(target) {
            throw DecodingError.dataCorruptedError(
                forKey: .import, in: c, debugDescription: "alias \(source) → \(target): no such attribute")
        }
    }

    public func attribute(_ key: String) -> AttributeDefinition? {
        attributes.first { $0.key == key }
    }

    /// Spatial index table SpatiaLite keeps for the geometry column.
    public var spatialIndexTable: String { "idx_\(name)_geom" }
}

extension LayerDefinition {
    /// Changes when the layer file changes what a client receives (attributes and their
    /// types, geometry type): part of cache validators such as tile ETags.
    public var fingerprint: String {
        var text = "\(name)|\(geometryType.rawValue)"
        for a in attributes { text += "|\(a.key):\(a.type.rawValue)\(a.personal ? ":personal" : "")" }
        let t = tiles
        text += "|tiles:\(t.minZoom)-\(t.maxZoom):\(t.maxBytes ?? 0):\(t.mergeBelow ?? -1):" + t.mergeBy.joined(separator: ",")
        // FNV-1a: stable across runs, unlike Swift's seeded Hasher.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h &*= 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }
}
