import Foundation
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
    /// Nor are slivers narrower than this on average (m): coordinates rounded to 7 decimals
    /// of a degree (about 1 cm) leave such strips along every border, however long.
    public var sliverWidth = 0.05
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
    /// Elections with turnout rows for district numbers the built districts do not have.
    public var orphanedTurnout: [(election: String, districts: [String])] = []
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
        for o in orphanedTurnout {
            let list = o.districts.prefix(30).joined(separator: ", ") + (o.districts.count > 30 ? ", …" : "")
            out.append(
                "warning: election \(o.election) has turnout for district(s) \(list), which \(written ? "no longer exist" : "the built districts do not have"): "
                    + "its maps and city totals leave those rows out until its turnout is imported again by the new districts")
        }
        return out
    }

    public var summary: String {
        let outcome =
            written
            ? "written"
            : !overlaps.isEmpty
                ? "refused: districts would overlap (database unchanged)"
                : acceptable ? "checked (dry run, database unchanged)" : "nothing written (database unchanged)"
        return String(
            format: "polling_districts: %d small areas, %d mapping rows → %d districts, %d gap(s), %d overlap(s), %.2f s — %@", areasRead,
            mappingRows, districts, gaps.count, overlaps.count, seconds, outcome)
    }
}
