import Foundation
import GRDB
public import MachiCore
public import MachiFormats
import MachiGeometry

extension ParkingCases {
    /// A page of cases, newest first, with the attributes of `view` (the layer as the
    /// caller may read it in bulk: see `LayerDefinition.view`).
    public func list(filter: CaseFilter, limit: Int, offset: Int, view: LayerDefinition) throws -> (matched: Int, items: [ParkingCase]) {
        let (whereSQL, args) = filter.sql(layer: view)
        let versionIndex = view.attributes.firstIndex { $0.key == "version" }
        return try store.pool.read { db in
            let matched = try Int.fetchOne(db, sql: "SELECT count(*) FROM parking_incidents t \(whereSQL)", arguments: args) ?? 0
            let rows = try Row.fetchAll(
                db,
                sql:
                    "SELECT \(view.selectColumns()) FROM parking_incidents t \(whereSQL) ORDER BY t.observed_at DESC, t.id DESC LIMIT ? OFFSET ?",
                arguments: args + [limit, offset])
            let items = try rows.map { r in
                let f = try view.decode(r)
                return ParkingCase(feature: f, version: versionIndex.flatMap { Int64.fromDatabaseValue(f.values[$0]) } ?? 1)
            }
            return (matched, items)
        }
    }

    /// Every case matching the filter, oldest first, for exports, with the attributes of `view`.
    public func all(filter: CaseFilter, view: LayerDefinition) throws -> [StoredFeature] {
        let (whereSQL, args) = filter.sql(layer: view)
        return try store.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(view.selectColumns()) FROM parking_incidents t \(whereSQL) ORDER BY t.observed_at, t.id",
                arguments: args
            ).map(view.decode)
        }
    }

    public struct CSVExport: Sendable {
        public var bytes: [UInt8]
        /// Characters the encoding lacks (emoji in notes, U+FFFD …), each written as 〓.
        public var substitutions: Int
    }

    /// CSV for spreadsheet users: Japanese column labels, lon/lat last. UTF-8 starts with a
    /// BOM so Excel opens it as UTF-8; CP932 is for older tools, and a character it lacks
    /// becomes 〓 rather than failing the export: staff type free text on phones, and one
    /// emoji must not withhold every other case. The columns are those of `view`.
    public func exportCSV(filter: CaseFilter, view: LayerDefinition, encoding: TextEncoding) throws -> CSVExport {
        let features = try all(filter: filter, view: view)
        let columns = view.attributes.enumerated()
        var rows = [columns.map { Self.csvField($0.element.label) } + ["経度", "緯度"]]
        rows.reserveCapacity(features.count + 1)
        try store.toLonLat.withTransformer { t in
            for f in features {
                var fields = columns.map {
                    Self.csvField(
                        String.fromDatabaseValue(f.values[$0.offset]) ?? (f.values[$0.offset].isNull ? "" : "\(f.values[$0.offset])"))
                }
                if case .point(let p) = try t.transform(f.geometry) {
                    fields += [GeoJSONWriter.number(p.x), GeoJSONWriter.number(p.y)]
                }
                rows.append(fields)
            }
        }
        switch encoding {
        case .utf8:
            let text = rows.map { $0.joined(separator: ",") + "\r\n" }.joined()
            return CSVExport(bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8), substitutions: 0)
        case .cp932:
            // Field by field, so a substitution can never swallow a delimiter or a quote.
            let encoder = try TextEncoder(.cp932)
            var bytes = [UInt8]()
            var substitutions = 0
            for row in rows {
                for (i, field) in row.enumerated() {
                    if i > 0 { bytes.append(UInt8(ascii: ",")) }
                    let (b, n) = try encoder.encode(field, substituting: TextEncoder.substitutionMark)
                    bytes += b
                    substitutions += n
                }
                bytes += [0x0D, 0x0A]
            }
            return CSVExport(bytes: bytes, substitutions: substitutions)
        }
    }

    static func csvField(_ s: String) -> String {
        // A leading = + - @ would run as a formula in Excel; a quote keeps it text.
        var v = s
        if let first = v.first, "=+-@".contains(first), Double(v) == nil { v = "'" + v }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }
}
