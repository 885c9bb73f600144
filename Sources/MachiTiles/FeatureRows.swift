public import GRDB
public import MachiCore
import MachiGeometry

extension LayerDefinition {
    /// `decode(_:)` for the row a cursor over `statement` stands on, reading the values
    /// straight from SQLite: GRDB's generic per-column decoding was a fifth of a tile's time.
    /// The statement's columns must be `selectColumns()`.
    public func decodeCurrentRow(of statement: Statement, _ row: Row) throws -> StoredFeature {
        let s = statement.sqliteStatement
        let n = attributes.count
        var values = [DatabaseValue]()
        values.reserveCapacity(n)
        for i in 0..<n { values.append(DatabaseValue(sqliteStatement: s, index: Int32(i + 1))) }
        guard case .int64(let fid) = DatabaseValue(sqliteStatement: s, index: 0).storage else { throw StoreError("feature without id") }
        let geometry: Geometry = try row.withUnsafeData(atIndex: n + 1) { data in
            guard let data else { throw StoreError("feature without geometry") }
            return try data.withUnsafeBytes { try SpatiaLiteBlob.decode($0).geometry }
        }
        return StoredFeature(fid: fid, values: values, geometry: geometry)
    }
}
