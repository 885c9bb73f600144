import Foundation
public import GRDB
public import MachiGeometry

/// A feature as stored: row id, attribute values in the layer's order, geometry in the storage CRS.
public struct StoredFeature: Sendable {
    public var fid: Int64
    public var values: [DatabaseValue]
    public var geometry: Geometry

    public init(fid: Int64, values: [DatabaseValue], geometry: Geometry) {
        self.fid = fid
        self.values = values
        self.geometry = geometry
    }

    public func value(_ key: String, in layer: LayerDefinition) -> DatabaseValue {
        guard let i = layer.attributes.firstIndex(where: { $0.key == key }), i < values.count else { return .null }
        return values[i]
    }

    public func string(_ key: String, in layer: LayerDefinition) -> String? {
        String.fromDatabaseValue(value(key, in: layer))
    }
}

extension LayerDefinition {
    /// Column list matching `StoredFeature.decode`: fid, every attribute, geom.
    public func selectColumns(alias: String = "t") -> String {
        (["\(alias).fid"] + attributes.map { "\(alias).\"\($0.key)\"" } + ["\(alias).geom"]).joined(separator: ", ")
    }

    public func decode(_ row: Row) throws -> StoredFeature {
        let n = attributes.count
        var values = [DatabaseValue]()
        values.reserveCapacity(n)
        for i in 0..<n { values.append(row[i + 1]) }
        let geometry: Geometry = try row.withUnsafeData(atIndex: n + 1) { data in
            guard let data else { throw StoreError("feature without geometry") }
            return try data.withUnsafeBytes { try SpatiaLiteBlob.decode($0).geometry }
        }
        return StoredFeature(fid: row[0], values: values, geometry: geometry)
    }
}
