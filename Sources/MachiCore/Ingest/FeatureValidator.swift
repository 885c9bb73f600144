import Foundation
public import GRDB
public import MachiFormats
public import MachiGeometry
import Synchronization

/// One rule violation, located so a person can find and fix it in the source file: the
/// same shape as a reader's `FormatError`, so both kinds land in one report.
public typealias ValidationIssue = FormatError

/// A feature that passed every rule: values in the layer's attribute order and the
/// geometry in the storage CRS.
public struct ValidFeature: Sendable {
    public var values: [DatabaseValue]
    /// Which attributes the source had a column for (even empty): an upsert changes only those.
    public var supplied: [Bool]
    public var geometry: Geometry
    public var key: String?
}

public enum Validated: Sendable {
    case valid(ValidFeature)
    case invalid([ValidationIssue])
}

/// Either a typed value or why the source value does not fit the attribute.
public enum Converted: Sendable {
    case success(DatabaseValue)
    case failure(String)
}

/// Checks a source feature against a layer definition: attribute mapping, types, required
/// fields, allowed values and ranges, geometry type, CRS, city extent and GEOS validity.
/// Not for concurrent use: it holds PROJ and GEOS handles; share it through `ValidatorPool`.
public final class FeatureValidator: @unchecked Sendable {
    let layer: LayerDefinition
    let city: CityConfig
    let planeExtent: BoundingBox
    let transformer: CoordinateTransformer?
    let sourceIsLonLat: Bool
    let geos: GEOSContext
    /// Source column → attribute index, resolved once from the first feature's columns.
    private var columnMap: [String: Int] = [:]
    private let keyIndex: Int?
    private let computedLength: Int?
    public private(set) var unknownColumns = Set<String>()

    /// - Parameter sourceCRS: PROJ string of the source coordinates; nil means the storage CRS.
    public init(layer: LayerDefinition, city: CityConfig, planeExtent: BoundingBox, sourceCRS: String?) throws {
        self.layer = layer
        self.city = city
        self.planeExtent = planeExtent
        let storage = city.storageCRS
        if let src = sourceCRS, src != storage {
            transformer = try CoordinateTransformer(from: src, to: storage)
            sourceIsLonLat = src == "OGC:CRS84" || src == "EPSG:4326"
        } else {
            transformer = nil
            sourceIsLonLat = false
        }
        geos = GEOSContext()
        keyIndex = layer.key.flatMap { k in layer.attributes.firstIndex { $0.key == k } }
        computedLength = layer.attributes.firstIndex { $0.computed == "length" }
        for (i, a) in layer.attributes.enumerated() { columnMap[a.key] = i }
        for (source, target) in layer.importAliases {
            if let i = layer.attributes.firstIndex(where: { $0.key == target }) { columnMap[source] = i }
        }
        // DBF field names hold at most 10 bytes, so a shapefile written by QGIS or ogr2ogr
        // carries `ground_ele` for `ground_elev_m`: accept the cut name when it is unambiguous.
        var cut: [String: [Int]] = [:]
        for (i, a) in layer.attributes.enumerated() where a.key.utf8.count > 10 {
            cut[String(decoding: a.key.utf8.prefix(10), as: UTF8.self), default: []].append(i)
        }
        for (name, indices) in cut where indices.count == 1 && columnMap[name] == nil { columnMap[name] = indices[0] }
    }

    /// Validates one feature, returning every issue found (not only the first).
    public func validate(_ f: SourceFeature) -> Validated {
        var issues = [ValidationIssue]()
        var values = [DatabaseValue](repeating: .null, count: layer.attributes.count)
        var present = [Bool](repeating: false, count: layer.attributes.count)
        var supplied = present
        for (k, v) in f.properties {
            guard let i = columnMap[k] ?? columnMap[k.trimmingCharacters(in: .whitespaces)] else {
                unknownColumns.insert(k)
                continue
            }
            let a = layer.attributes[i]
            supplied[i] = true
            switch Self.convert(v, to: a) {
            case .success(let dbv):
                values[i] = dbv
                present[i] = !dbv.isNull
            case .failure(let msg):
                issues.append(ValidationIssue(f.location, field: a.key, msg))
                present[i] = true
            }
        }
        var geometry: Geometry?
        switch checkGeometry(f) {
        case .success(let g): geometry = g
        case .failure(let issue): issues.append(issue)
        }
        if let i = computedLength, !present[i], let g = geometry {
            values[i] = ((g.planarLength * 100).rounded() / 100).databaseValue
            present[i] = true
            supplied[i] = true
        }
        for (i, a) in layer.attributes.enumerated() where a.required && !present[i] {
            issues.append(ValidationIssue(f.location, field: a.key, "required \(a.label) is missing"))
        }
        guard issues.isEmpty, let geometry else { return .invalid(issues) }
        let key = keyIndex.flatMap { String.fromDatabaseValue(values[$0]) }
        return .valid(ValidFeature(values: values, supplied: supplied, geometry: geometry, key: key))
    }

    func checkGeometry(_ f: SourceFeature) -> Result<Geometry, ValidationIssue> {
        func fail(_ m: String) -> Result<Geometry, ValidationIssue> { .failure(ValidationIssue(f.location, field: "geometry", m)) }
        guard let raw = f.geometry else { return fail("missing geometry") }
        guard var g = coerce(raw, to: layer.geometryType) else {
            let parts = raw.type == raw.type.singular ? "" : " with several parts"
            return fail("expected \(layer.geometryType.rawValue), got \(raw.type.rawValue)\(parts)")
        }
        guard g.positions.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return fail("non-finite coordinate") }
        if sourceIsLonLat, let outside = g.positions.first(where: { !city.extent.contains($0) }) {
            return fail("coordinate (\(outside.x), \(outside.y)) is outside the \(city.name) extent \(Self.box(city.extent))")
        }
        let inSource = g
        if let transformer {
            do {
                g = try transformer.transform(g)
            } catch {
                return fail("cannot transform to \(city.storageCRS): \(error.description)")
            }
        }
        if !sourceIsLonLat, let outside = g.positions.first(where: { !planeExtent.contains($0) }) {
            return fail("coordinate (\(outside.x), \(outside.y)) in \(city.storageCRS) is outside the \(city.name) extent")
        }
        switch g.type.singular {
        case .point:
            break
        case .lineString:
            let lines: [[Position]] = if case .lineString(let l) = g { [l] } else if case .multiLineString(let ls) = g { ls } else { [] }
            for l in lines where Set(l).count < 2 {
                return fail("invalid geometry: Too few points in geometry component (a line needs two distinct positions)")
            }
        default:
            do {
                if let reason = try geos.invalidityReason(g) {
                    // GEOS locates the fault in the coordinates it was given: say it in the
                    // file's own coordinates when they show it too, so it can be found there.
                    if transformer != nil, let inFile = try? geos.invalidityReason(inSource) {
                        return fail("invalid geometry: \(inFile)")
                    }
                    let crs = transformer == nil ? "" : " (position in \(city.storageCRS))"
                    return fail("invalid geometry: \(reason)\(crs)")
                }
            } catch {
                return fail("invalid geometry: \(error.description)")
            }
        }
        return .success(g)
    }

    func coerce(_ g: Geometry, to t: GeometryType) -> Geometry? {
        if g.type == t { return g }
        switch (g, t) {
        case (.point, .multiPoint), (.lineString, .multiLineString), (.polygon, .multiPolygon): return g.asMulti
        case (.multiPoint(let ps), .point) where ps.count == 1: return .point(ps[0])
        case (.multiLineString(let ls), .lineString) where ls.count == 1: return .lineString(ls[0])
        case (.multiPolygon(let ps), .polygon) where ps.count == 1: return .polygon(ps[0])
        default: return nil
        }
    }

    static func box(_ b: BoundingBox) -> String { "[\(b.minX), \(b.minY), \(b.maxX), \(b.maxY)]" }

    /// Types a source value by the attribute's declared type. Full-width digits (common in
    /// Japanese spreadsheets) are read as ASCII digits.
    public static func convert(_ v: FieldValue, to a: AttributeDefinition) -> Converted {
        let text: String
        switch v {
        case .null: return .success(DatabaseValue.null)
        case .string(let s):
            let t = trimmed(s)
            if t.isEmpty { return .success(DatabaseValue.null) }
            text = t
        case .int(let i):
            if a.type == .integer || a.type == .real { return checkRange(Double(i), i.databaseValue, a) }
            if a.type == .boolean, i == 0 || i == 1 { return .success(i.databaseValue) }
            text = String(i)
        case .double(let d):
            if a.type == .real { return checkRange(d, d.databaseValue, a) }
            if a.type == .integer {
                guard d.rounded() == d, abs(d) < 9e15 else { return .failure("\(d) is not a whole number") }
                return checkRange(d, Int64(d).databaseValue, a)
            }
            text = String(d)
        case .bool(let b):
            if a.type == .boolean { return .success(b.databaseValue) }
            text = String(b)
        }
        switch a.type {
        case .text:
            if let max = a.maxLength, text.count > max { return .failure("longer than \(max) characters") }
            // SQLite's C string interfaces (and every client reading the data back) would cut
            // the text at a NUL, silently storing less than was sent.
            if text.utf8.contains(0) { return .failure("contains a NUL character (U+0000)") }
            if let values = a.values, !values.contains(text) {
                return .failure("\"\(text)\" is not one of \(values.joined(separator: " / "))")
            }
            return .success(text.databaseValue)
        case .integer:
            let n = halfwidth(text)
            guard let i = Int64(n) else { return .failure("\"\(text)\" is not an integer") }
            return checkRange(Double(i), i.databaseValue, a)
        case .real:
            let n = halfwidth(text)
            guard let d = Double(n), d.isFinite else { return .failure("\"\(text)\" is not a number") }
            return checkRange(d, d.databaseValue, a)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes", "y", "はい", "有": return .success(true.databaseValue)
            case "false", "0", "no", "n", "いいえ", "無": return .success(false.databaseValue)
            default: return .failure("\"\(text)\" is not true/false")
            }
        case .date:
            let n = halfwidth(text).replacingOccurrences(of: "/", with: "-")
            guard DateParsing.date(n) != nil else {
                return .failure("\"\(text)\" is not a date (YYYY-MM-DD)")
            }
            return .success(n.databaseValue)
        case .datetime:
            guard let d = DateParsing.dateTime(text) else { return .failure("\"\(text)\" is not an ISO 8601 date-time") }
            return .success(Timestamp.format(d).databaseValue)
        }
    }

    /// Trims surrounding white space; most values have none, and Foundation's trimming
    /// bridges through NSString, which dominated import time.
    static func trimmed(_ s: String) -> String {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return s }
        if !first.properties.isWhitespace && !last.properties.isWhitespace { return s }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func checkRange(_ d: Double, _ v: DatabaseValue, _ a: AttributeDefinition) -> Converted {
        if let min = a.min, d < min { return .failure("\(number(d)) is below the minimum \(number(min))") }
        if let max = a.max, d > max { return .failure("\(number(d)) is above the maximum \(number(max))") }
        return .success(v)
    }

    static func number(_ d: Double) -> String {
        d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }

    static func halfwidth(_ s: String) -> String {
        String(
            String.UnicodeScalarView(
                s.unicodeScalars.map { u in
                    switch u.value {
                    case 0xFF10...0xFF19, 0xFF0B, 0xFF0D, 0xFF0E: Unicode.Scalar(u.value - 0xFEE0)!
                    case 0xFF0C: ","
                    default: u
                    }
                })
        ).replacingOccurrences(of: ",", with: "")
    }
}

/// Reusable validators for one layer and source CRS: building one opens PROJ and GEOS
/// handles, too slow to repeat on every HTTP write. A validator is used by one caller at a time.
public final class ValidatorPool: @unchecked Sendable {
    private let make: @Sendable () throws -> FeatureValidator
    private let idle = Mutex<[FeatureValidator]>([])

    public init(layer: LayerDefinition, store: Store, sourceCRS: String) {
        let city = store.city
        let extent = store.planeExtent
        make = { try FeatureValidator(layer: layer, city: city, planeExtent: extent, sourceCRS: sourceCRS) }
    }

    public func with<R>(_ body: (FeatureValidator) throws -> R) throws -> R {
        let v = try idle.withLock { $0.popLast() } ?? make()
        defer { idle.withLock { $0.append(v) } }
        return try body(v)
    }
}
