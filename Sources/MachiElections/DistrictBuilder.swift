import Foundation
import GRDB
public import MachiCore
import MachiFormats
import MachiGeometry

/// Builds polling districts the way election offices define them: small areas (町丁目)
/// assigned to districts by a table, dissolved with GEOS union. It reports gaps (city area
/// in no district), overlaps, small areas the table forgets and table rows without a
/// polygon, and refuses to write districts that overlap.
public struct DistrictBuilder: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    struct SmallArea {
        var key: String
        var geometry: Geometry
        var box: BoundingBox
    }

    struct Assignment {
        var district: String
        var name: String?
        var station: String?
        var line: Int
    }

    struct Built {
        var number: String
        var name: String?
        var station: String?
        var geometry: Geometry
        var box: BoundingBox
        var parts: [SmallArea]
    }

    public func run(_ options: DistrictBuildOptions) throws -> DistrictBuildReport {
        let started = Date()
        var report = DistrictBuildReport()
        let layer = try store.layer(PollingLayers.districtsLayer)
        let areas = try readAreas(options, &report)
        let mapping = try readMapping(options, &report)
        guard report.issues.isEmpty else { return finish(report, started) }

        var members = [String: [SmallArea]]()
        var order = [String]()
        for a in areas {
            guard let m = mapping[a.key] else {
                report.unmappedAreas.append(a.key)
                continue
            }
            if members[m.district] == nil { order.append(m.district) }
            members[m.district, default: []].append(a)
        }
        let keys = Set(areas.map(\.key))
        report.mappingWithoutPolygon = mapping.filter { !keys.contains($0.key) }.map { ($0.value.line, $0.key) }.sorted {
            $0.line < $1.line
        }
        report.smallAreaTotal = try store.geos.with { g in try areas.reduce(0) { $0 + (try g.area($1.geometry)) } }

        var built = [Built]()
        try store.geos.with { g in
            for number in order {
                let parts = members[number]!
                let union = try g.unaryUnion(parts.map(\.geometry))
                let a = mapping[parts[0].key]!
                built.append(Built(number: number, name: a.name, station: a.station, geometry: union, box: union.boundingBox, parts: parts))
            }
        }
        report.districts = built.count
        try checkCoverage(&built, options, &report)
        try checkStations(built, &report)
        report.districtTotal = try store.geos.with { g in try built.reduce(0) { $0 + (try g.area($1.geometry)) } }

        if report.acceptable {
            report.orphanedTurnout = try orphanedTurnout(Set(built.map(\.number)))
        }
        if report.acceptable && !options.dryRun {
            try write(built, layer: layer, source: options.areasPath)
            report.written = true
        }
        return finish(report, started)
    }

    /// Turnout is kept by district number, so rows for a number the new districts lack (merged,
    /// renumbered) match no polygon: maps leave them out, city totals too. The office has to
    /// know which elections lose which districts, to import their turnout again if it can.
    func orphanedTurnout(_ numbers: Set<String>) throws -> [(election: String, districts: [String])] {
        let rows = try store.pool.read { db -> [(String, String)] in
            guard try db.tableExists("election_turnout") else { return [] }
            return try Row.fetchAll(db, sql: "SELECT DISTINCT election_id, district_no FROM election_turnout ORDER BY election_id")
                .map { ($0[0], $0[1]) }
        }
        var out = [(election: String, districts: [String])]()
        for (election, district) in rows where !numbers.contains(district) {
            if out.last?.election != election { out.append((election, [])) }
            out[out.count - 1].districts.append(district)
        }
        return out.map { ($0.election, $0.districts.sorted(by: DistrictNumbers.naturalOrder)) }
    }

    func finish(_ r: DistrictBuildReport, _ started: Date) -> DistrictBuildReport {
        var r = r
        r.seconds = Date().timeIntervalSince(started)
        return r
    }

    /// Replaces the layer in one transaction, through the layer's own validation rules.
    func write(_ built: [Built], layer: LayerDefinition, source: String) throws {
        let validator = try FeatureValidator(layer: layer, city: store.city, planeExtent: store.planeExtent, sourceCRS: nil)
        var rows = [ValidFeature]()
        for (i, d) in built.enumerated() {
            var props: [(key: String, value: FieldValue)] = [("district_no", .string(d.number))]
            if let n = d.name { props.append(("name", .string(n))) }
            if let s = d.station { props.append(("station_no", .string(s))) }
            let f = SourceFeature(location: .feature(i), geometry: d.geometry.asMulti, properties: props)
            switch validator.validate(f) {
            case .valid(let v): rows.append(v)
            case .invalid(let issues):
                let what = issues.map { ($0.field.map { "\($0): " } ?? "") + $0.message }
                throw ElectionError(.conflict, "district \(d.number): " + what.joined(separator: "; "))
            }
        }
        let srid = store.city.srid
        let columns = layer.attributes.map { "\"\($0.key)\"" } + ["geom"]
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM polling_districts")
            let insert = try db.makeStatement(sql: "INSERT INTO polling_districts (\(columns.joined(separator: ", "))) VALUES (\(marks))")
            for v in rows {
                insert.setUncheckedArguments(
                    StatementArguments(v.values + [Data(SpatiaLiteBlob.encode(v.geometry, srid: srid)).databaseValue]))
                try insert.execute()
            }
            try db.execute(
                sql: """
                    UPDATE machi_layers SET data_version = data_version + 1,
                        feature_count = (SELECT count(*) FROM polling_districts), updated_at = ? WHERE name = 'polling_districts'
                    """, arguments: [Timestamp.now()])
            try db.execute(
                sql: """
                    INSERT INTO machi_imports (layer, source, format, mode, read, loaded, rejected, seconds, finished_at)
                    VALUES ('polling_districts', ?, 'build-districts', 'replace', ?, ?, 0, 0, ?)
                    """,
                arguments: [URL(fileURLWithPath: source).lastPathComponent, built.count, built.count, Timestamp.now()])
        }
    }
}
