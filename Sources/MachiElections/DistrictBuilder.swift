import Foundation
import GRDB
public import MachiCore
public import MachiFormats
public import MachiGeometry

public struct DistrictBuildOptions: Sendable {
    /// Small areas (町丁目 or blocks): GeoJSON or Shapefile polygons.
    public var areasPath: String
    /// The attribute of each small area that the mapping's `area_key` refers to.
    public var areaKey: String
    /// CSV `area_key,district_no[,district_name][,station_no]`, UTF-8 or CP932.
    public var mappingPath: String
    /// City boundary polygon; when given, city area outside every district is a gap too.
    public var boundaryPath: String?
    /// Text encoding of the mapping CSV and of the shapefile's DBF; nil detects.
    public var encoding: TextEncoding?
    /// EPSG code of the areas' coordinates when the file does not say.
    public var srid: Int32?
    /// Gaps and overlaps smaller than this (m²) are rounding noise, not findings.
    public var tolerance = 0.1
    /// Check and report, but write nothing.
    public var dryRun = false

    public init(areasPath: String, areaKey: String, mappingPath: String) {
        self.areasPath = areasPath
        self.areaKey = areaKey
        self.mappingPath = mappingPath
    }
}

/// A place a person should look at: what, how large, and where (lon/lat).
public struct AreaFinding: Sendable, CustomStringConvertible {
    public var what: String
    public var area: Double
    public var at: Position

    public var description: String {
        String(format: "%@: %.1f m² around (%.6f, %.6f)", what, area, at.x, at.y)
    }
}

public struct DistrictBuildReport: Sendable {
    public var areasRead = 0
    public var mappingRows = 0
    public var districts = 0
    /// Problems in the inputs (unreadable features, invalid polygons, duplicate keys,
    /// contradictory mapping rows): nothing is built.
    public var issues: [ValidationIssue] = []
    public var overlaps: [AreaFinding] = []
    public var gaps: [AreaFinding] = []
    public var unmappedAreas: [String] = []
    public var mappingWithoutPolygon: [(line: Int, key: String)] = []
    public var warnings: [String] = []
    public var written = false
    public var seconds = 0.0
    /// Areas in m², for checking that the dissolve kept every square metre.
    public var smallAreaTotal = 0.0
    public var districtTotal = 0.0

    /// Whether the districts may be written: readable inputs and no overlapping districts.
    public var acceptable: Bool { issues.isEmpty && overlaps.isEmpty && districts > 0 }

    /// The report as a person reads it, problems first.
    public var lines: [String] {
        var out = issues.map(\.description)
        out += overlaps.map { "overlap: \($0)" }
        out += gaps.map { "gap: \($0)" }
        if !unmappedAreas.isEmpty {
            out.append("\(unmappedAreas.count) small area(s) missing from the mapping: \(unmappedAreas.prefix(30).joined(separator: ", "))")
        }
        out += mappingWithoutPolygon.prefix(30).map { "mapping line \($0.line): no small area with key \"\($0.key)\"" }
        if mappingWithoutPolygon.count > 30 { out.append("… and \(mappingWithoutPolygon.count - 30) more mapping rows without a polygon") }
        out += warnings.map { "note: \($0)" }
        return out
    }

    public var summary: String {
        let outcome =
            written ? "written" : !overlaps.isEmpty ? "refused: districts would overlap (database unchanged)" : acceptable ? "checked (dry run, database unchanged)" : "nothing written (database unchanged)"
        return String(
            format: "polling_districts: %d small areas, %d mapping rows → %d districts, %d gap(s), %d overlap(s), %.2f s — %@", areasRead,
            mappingRows, districts, gaps.count, overlaps.count, seconds, outcome)
    }
}

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
        report.mappingWithoutPolygon = mapping.filter { !keys.contains($0.key) }.map { ($0.value.line, $0.key) }.sorted { $0.line < $1.line }
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

        if report.acceptable && !options.dryRun {
            try write(built, layer: layer, source: options.areasPath)
            report.written = true
        }
        return finish(report, started)
    }

    func finish(_ r: DistrictBuildReport, _ started: Date) -> DistrictBuildReport {
        var r = r
        r.seconds = Date().timeIntervalSince(started)
        return r
    }

    // MARK: inputs

    func readAreas(_ options: DistrictBuildOptions, _ report: inout DistrictBuildReport) throws -> [SmallArea] {
        var importOptions = ImportOptions()
        importOptions.encoding = options.encoding
        let source = try Importer(store: store).openSource(path: options.areasPath, options: importOptions)
        let crs = options.srid.map { "EPSG:\($0)" } ?? source.crs ?? "OGC:CRS84"
        let transformer = crs == store.city.storageCRS ? nil : try CoordinateTransformer(from: crs, to: store.city.storageCRS)
        var areas = [SmallArea]()
        var seen = [String: SourceLocation]()
        let geos = GEOSContext()
        while true {
            let feature: SourceFeature?
            do {
                feature = try source.next()
            } catch {
                report.areasRead += 1
                report.issues.append(ValidationIssue(error.location, field: error.field, "small areas: \(error.message)"))
                if error.isRecoverable { continue }
                break
            }
            guard let feature else { break }
            report.areasRead += 1
            func fail(_ field: String?, _ message: String) {
                report.issues.append(ValidationIssue(feature.location, field: field, "small areas: \(message)"))
            }
            guard let key = feature[options.areaKey].flatMap(Self.text) else {
                fail(options.areaKey, "the area key is missing")
                continue
            }
            if let first = seen[key] {
                fail(options.areaKey, "key \"\(key)\" appears twice (first at \(first))")
                continue
            }
            seen[key] = feature.location
            guard var g = feature.geometry, g.type.singular == .polygon else {
                fail("geometry", "expected Polygon or MultiPolygon, got \(feature.geometry?.type.rawValue ?? "no geometry")")
                continue
            }
            if let transformer {
                do { g = try transformer.transform(g) } catch {
                    fail("geometry", "cannot transform to \(store.city.storageCRS): \(error.description)")
                    continue
                }
            }
            if let reason = try geos.invalidityReason(g) {
                fail("geometry", "invalid polygon: \(reason)")
                continue
            }
            areas.append(SmallArea(key: key, geometry: g, box: g.boundingBox))
        }
        return areas
    }

    static func text(_ v: FieldValue) -> String? {
        switch v {
        case .null: return nil
        case .string(let s):
            let t = s.trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : t
        case .int(let i): return String(i)
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .bool(let b): return String(b)
        }
    }

    /// area_key → assignment. One district's name and station must agree on every row.
    func readMapping(_ options: DistrictBuildOptions, _ report: inout DistrictBuildReport) throws -> [String: Assignment] {
        var mapping = [String: Assignment]()
        func issue(_ line: Int, _ field: String?, _ message: String) {
            report.issues.append(ValidationIssue(.line(line), field: field, "mapping: \(message)"))
        }
        do {
            let reader = try CSVReader(path: options.mappingPath, encoding: options.encoding)
            let names: [String: [String]] = [
                "area_key": ["area_key", "小地域", "町丁目コード", "小地域コード"],
                "district_no": ["district_no", "投票区", "投票区番号"],
                "district_name": ["district_name", "投票区名"],
                "station_no": ["station_no", "投票所", "投票所番号"],
            ]
            let header = reader.header.map { $0.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces) }
            var col = [String: Int]()
            for (key, accepted) in names {
                if let i = header.firstIndex(where: { accepted.contains($0) }) { col[key] = i }
            }
            guard col["area_key"] != nil, col["district_no"] != nil else {
                issue(1, nil, "header must have area_key and district_no (optionally district_name, station_no); found \(reader.header.joined(separator: ","))")
                return [:]
            }
            var districtInfo = [String: Assignment]()
            while true {
                let record: CSVRecord?
                do {
                    record = try reader.next()
                } catch let e where e.isRecoverable {
                    issue(Self.line(e.location), e.field, e.message)
                    continue
                }
                guard let record else { break }
                report.mappingRows += 1
                func value(_ k: String) -> String? {
                    guard let i = col[k] else { return nil }
                    let t = record.fields[i].trimmingCharacters(in: .whitespaces)
                    return t.isEmpty ? nil : t
                }
                guard let key = value("area_key") else {
                    issue(record.line, "area_key", "required area key is missing")
                    continue
                }
                guard let raw = value("district_no") else {
                    issue(record.line, "district_no", "required district number is missing")
                    continue
                }
                let district = raw.precomposedStringWithCompatibilityMapping
                let a = Assignment(district: district, name: value("district_name"), station: value("station_no"), line: record.line)
                if let first = mapping[key] {
                    issue(record.line, "area_key", "small area \"\(key)\" is mapped twice (first on line \(first.line))")
                    continue
                }
                if let known = districtInfo[district] {
                    for (field, mine, theirs) in [("district_name", a.name, known.name), ("station_no", a.station, known.station)]
                    where mine != nil && theirs != nil && mine != theirs {
                        issue(
                            record.line, field,
                            "district \(district) has \(field) \"\(mine!)\" here but \"\(theirs!)\" on line \(known.line)")
                    }
                    // Fill in what earlier rows left blank, so any row may carry the name.
                    districtInfo[district]!.name = known.name ?? a.name
                    districtInfo[district]!.station = known.station ?? a.station
                } else {
                    districtInfo[district] = a
                }
                mapping[key] = a
            }
            for (k, a) in mapping {
                let info = districtInfo[a.district]!
                mapping[k]!.name = info.name
                mapping[k]!.station = info.station
            }
        } catch let e {
            issue(Self.line(e.location), e.field, e.message)
        }
        return mapping
    }

    static func line(_ l: SourceLocation) -> Int {
        if case .line(let n) = l { return n }
        return 0
    }

    // MARK: checks

    /// Overlaps between districts (refused) and gaps in the coverage (reported). Snaps each
    /// district to its neighbours first, so a border carries the same vertices on both sides
    /// even where the small areas left a vertex on one side only.
    func checkCoverage(_ built: inout [Built], _ options: DistrictBuildOptions, _ report: inout DistrictBuildReport) throws {
        let tol = options.tolerance
        let pairs = Self.touchingPairs(built.map(\.box))
        try store.geos.with { g in
            var neighbours = [[Int]](repeating: [], count: built.count)
            for (i, j) in pairs {
                neighbours[i].append(j)
                neighbours[j].append(i)
            }
            let originals = built.map(\.geometry)
            for i in built.indices where !neighbours[i].isEmpty {
                let around = Geometry.multiPolygon(neighbours[i].flatMap { Self.polygons(originals[$0]) })
                let snapped = try g.snap(originals[i], to: around, tolerance: 0.001)
                if try g.invalidityReason(snapped) == nil { built[i].geometry = snapped }
            }

            for (i, j) in pairs {
                let a = built[i]
                let b = built[j]
                guard try g.overlapArea(a.geometry, b.geometry) > tol, let common = try g.intersection(a.geometry, b.geometry) else { continue }
                // Name the small areas at fault, so the mapping or the polygons can be fixed.
                var culprits = [String]()
                for p in a.parts {
                    for q in b.parts where p.box.intersects(q.box) {
                        if try g.overlapArea(p.geometry, q.geometry) > tol { culprits.append("\(p.key)/\(q.key)") }
                    }
                }
                let list = culprits.isEmpty ? "" : "; small areas \(culprits.prefix(10).joined(separator: ", "))"
                report.overlaps.append(
                    AreaFinding(
                        what: "districts \(a.number) and \(b.number) overlap\(list)", area: try g.area(common),
                        at: try lonLat(try g.pointOnSurface(common))))
            }

            // Overlaps inside one district vanish in its union but mean the small areas are wrong.
            for d in built {
                let sum = try d.parts.reduce(0) { $0 + (try g.area($1.geometry)) }
                if sum - (try g.area(d.geometry)) > tol {
                    report.warnings.append(
                        String(format: "small areas of district %@ overlap each other by %.1f m²", d.number, sum - (try g.area(d.geometry))))
                }
            }

            guard !built.isEmpty else { return }
            let coverage = try g.unaryUnion(built.map(\.geometry))
            for rings in Self.polygons(coverage) {
                for hole in rings.dropFirst() {
                    let gap = Geometry.polygon([hole])
                    let area = try g.area(gap)
                    if area > tol {
                        report.gaps.append(AreaFinding(what: "city area in no district", area: area, at: try lonLat(try g.pointOnSurface(gap))))
                    }
                }
            }
            if let path = options.boundaryPath {
                let boundary = try readBoundary(path)
                if let outside = try g.difference(boundary, coverage) {
                    for p in Self.polygons(outside) {
                        let piece = Geometry.polygon(p)
                        let area = try g.area(piece)
                        if area > tol {
                            report.gaps.append(
                                AreaFinding(what: "city area in no district (at the boundary)", area: area, at: try lonLat(try g.pointOnSurface(piece))))
                        }
                    }
                }
                if let beyond = try g.difference(coverage, boundary) {
                    let area = try g.area(beyond)
                    if area > tol { report.warnings.append(String(format: "%.1f m² of the districts lie outside the city boundary", area)) }
                }
            }
        }
    }

    func checkStations(_ built: [Built], _ report: inout DistrictBuildReport) throws {
        guard store.catalog[PollingLayers.stationsLayer] != nil else { return }
        let known = Set(try PollingLayers(store: store).stations().map(\.number))
        guard !known.isEmpty else { return }
        let unknown = built.compactMap { d in d.station.flatMap { known.contains($0) ? nil : "district \(d.number) → \($0)" } }
        if !unknown.isEmpty {
            report.warnings.append("station_no not in polling_stations: \(unknown.prefix(20).joined(separator: ", "))")
        }
    }

    func lonLat(_ p: Position) throws -> Position {
        try store.toLonLat.transform(p)
    }

    func readBoundary(_ path: String) throws -> Geometry {
        let source = try Importer(store: store).openSource(path: path, options: ImportOptions())
        let crs = source.crs ?? "OGC:CRS84"
        var parts = [Geometry]()
        while let f = try source.next() {
            if let g = f.geometry, g.type.singular == .polygon { parts.append(g) }
        }
        guard !parts.isEmpty else { throw ElectionError.invalid("boundary", "\(path) has no polygon") }
        let merged = try store.geos.with { try $0.unaryUnion(parts) }
        guard crs != store.city.storageCRS else { return merged }
        return try CoordinateTransformer(from: crs, to: store.city.storageCRS).transform(merged)
    }

    static func polygons(_ g: Geometry) -> [[[Position]]] {
        switch g {
        case .polygon(let p): [p]
        case .multiPolygon(let ps): ps
        default: []
        }
    }

    /// Pairs of boxes that intersect, by a sweep along x: districts touch only their
    /// neighbours, so this stays near-linear.
    static func touchingPairs(_ boxes: [BoundingBox]) -> [(Int, Int)] {
        let order = boxes.indices.sorted { boxes[$0].minX < boxes[$1].minX }
        var pairs = [(Int, Int)]()
        var active = [Int]()
        for i in order {
            active.removeAll { boxes[$0].maxX < boxes[i].minX }
            for j in active where boxes[j].intersects(boxes[i]) { pairs.append((min(i, j), max(i, j))) }
            active.append(i)
        }
        return pairs.sorted { $0 < $1 }
    }

    // MARK: output

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
                throw ElectionError(.conflict, "district \(d.number): " + issues.map(\.description).joined(separator: "; "))
            }
        }
        let srid = store.city.srid
        let columns = layer.attributes.map { "\"\($0.key)\"" } + ["geom"]
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM polling_districts")
            let insert = try db.makeStatement(sql: "INSERT INTO polling_districts (\(columns.joined(separator: ", "))) VALUES (\(marks))")
            for v in rows {
                insert.setUncheckedArguments(StatementArguments(v.values + [Data(SpatiaLiteBlob.encode(v.geometry, srid: srid)).databaseValue]))
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
