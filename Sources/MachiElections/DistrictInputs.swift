import Foundation
import MachiCore
import MachiFormats
import MachiGeometry

// Reading what build-districts is given: small-area polygons, the mapping table, the boundary.
extension DistrictBuilder {
    func readAreas(_ options: DistrictBuildOptions, _ report: inout DistrictBuildReport) throws -> [SmallArea] {
        var importOptions = ImportOptions()
        importOptions.encoding = options.encoding
        let source = try Importer(store: store).openSource(path: options.areasPath, options: importOptions)
        let crs = options.srid.map { "EPSG:\($0)" } ?? source.crs ?? "OGC:CRS84"
        let transformer = crs == store.city.storageCRS ? nil : try CoordinateTransformer(from: crs, to: store.city.storageCRS)
        var areas = [SmallArea]()
        var seen = [String: SourceLocation]()
        // A wrong --area-key is one mistake, not one per feature: the features' own
        // attributes are collected to name the right one.
        var attributes = [String]()
        var attributeSet = Set<String>()
        var keyAttributeSeen = false
        var lackingAttribute = [Int]()
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
            for p in feature.properties where attributeSet.insert(p.key).inserted { attributes.append(p.key) }
            let hasAttribute = feature.properties.contains { $0.key == options.areaKey }
            keyAttributeSeen = keyAttributeSeen || hasAttribute
            guard let key = feature[options.areaKey].flatMap(Self.text) else {
                if !hasAttribute { lackingAttribute.append(report.issues.count) }
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
        if !keyAttributeSeen, let first = lackingAttribute.first {
            for i in lackingAttribute.reversed() { report.issues.remove(at: i) }
            let listed = attributes.prefix(40).joined(separator: ", ") + (attributes.count > 40 ? ", …" : "")
            let near = attributes.first { $0.caseInsensitiveCompare(options.areaKey) == .orderedSame }
            report.issues.insert(
                ValidationIssue(
                    .file,
                    "small areas: no feature has the attribute \"\(options.areaKey)\" (--area-key)"
                        + (near.map { "; did you mean \"\($0)\"?" } ?? "")
                        + "; their attributes are: \(attributes.isEmpty ? "none" : listed)"),
                at: first)
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
                issue(
                    1, nil,
                    "header must have area_key and district_no (optionally district_name, station_no); found \(reader.header.joined(separator: ","))"
                )
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
}
