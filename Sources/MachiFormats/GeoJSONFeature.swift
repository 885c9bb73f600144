import MachiGeometry

/// Turns one parsed GeoJSON Feature into a `SourceFeature`, enforcing RFC 7946 so that a
/// bad feature is reported with what exactly is wrong instead of being stored half-right.
enum GeoJSONFeature {
    /// Why a geometry was rejected, phrased for the person who has to fix the file.
    struct Problem: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    static func make(from value: JSONValue, location: SourceLocation) throws(FormatError) -> SourceFeature {
        guard case .object = value else {
            throw FormatError(location, "expected a Feature object, found \(value.typeName)")
        }
        switch value["type"] {
        case .string("Feature"): break
        case .string(let other): throw FormatError(location, field: "type", "must be \"Feature\", found \"\(other)\"")
        case nil: throw FormatError(location, field: "type", "missing; a Feature needs \"type\": \"Feature\"")
        case let other?: throw FormatError(location, field: "type", "must be \"Feature\", found \(other.typeName)")
        }

        guard let geometryValue = value["geometry"] else {
            throw FormatError(location, field: "geometry", "missing; a Feature must have a \"geometry\" member (null when it has none)")
        }
        let geometry: Geometry?
        do {
            geometry = try self.geometry(from: geometryValue)
        } catch {
            throw FormatError(location, field: "geometry", error.message)
        }

        var properties: [(key: String, value: FieldValue)] = []
        switch value["properties"] {
        case nil, .null?: break
        case .object(let members)?:
            properties.reserveCapacity(members.count)
            for member in members {
                properties.append((member.key, try fieldValue(member.value, key: member.key, location: location)))
            }
        case let other?:
            throw FormatError(location, field: "properties", "must be an object or null, found \(other.typeName)")
        }

        var id: String?
        switch value["id"] {
        case nil, .null?: break
        case .string(let s)?: id = s
        case .number(let n)?: id = n.int.map { String($0) } ?? integralText(n.double) ?? "\(n.double)"
        case let other?: throw FormatError(location, field: "id", "must be a string or a number, found \(other.typeName)")
        }
        return SourceFeature(location: location, geometry: geometry, properties: properties, id: id)
    }

    /// `1e3` as an id should read "1000", not "1000.0".
    private static func integralText(_ d: Double) -> String? {
        guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return String(Int64(d))
    }

    static func fieldValue(_ value: JSONValue, key: String, location: SourceLocation) throws(FormatError) -> FieldValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .number(let n):
            if let int = n.int { return .int(int) }
            guard n.double.isFinite else { throw FormatError(location, field: key, "number is out of range") }
            return .double(n.double)
        case .array, .object: return .string(value.jsonText)
        }
    }

    // MARK: Geometry

    static func geometry(from value: JSONValue) throws(Problem) -> Geometry? {
        if case .null = value { return nil }
        guard case .object = value else { throw Problem("must be a geometry object or null, found \(value.typeName)") }
        guard case .string(let typeName)? = value["type"] else { throw Problem("geometry has no \"type\" string") }
        if typeName == "GeometryCollection" { throw Problem("GeometryCollection is not supported") }
        guard let type = GeometryType(rawValue: typeName) else { throw Problem("unknown geometry type \"\(typeName)\"") }
        guard let coordinates = value["coordinates"] else { throw Problem("\(typeName) has no \"coordinates\"") }
        // RFC 7946 §3.1 lets readers treat an empty coordinates array as a null geometry.
        if case .array(let items) = coordinates, items.isEmpty { return nil }

        switch type {
        case .point:
            return .point(try position(coordinates, context: "Point"))
        case .lineString:
            return .lineString(try line(coordinates, context: "LineString"))
        case .polygon:
            return .polygon(try rings(coordinates, context: "Polygon"))
        case .multiPoint:
            let items = try array(coordinates, of: "positions", context: "MultiPoint")
            var points: [Position] = []
            for (k, item) in items.enumerated() { points.append(try position(item, context: "MultiPoint position \(k)")) }
            return .multiPoint(points)
        case .multiLineString:
            let items = try array(coordinates, of: "lines", context: "MultiLineString")
            var lines: [[Position]] = []
            for (k, item) in items.enumerated() { lines.append(try line(item, context: "MultiLineString line \(k)")) }
            return .multiLineString(lines)
        case .multiPolygon:
            let items = try array(coordinates, of: "polygons", context: "MultiPolygon")
            var polygons: [[[Position]]] = []
            for (k, item) in items.enumerated() { polygons.append(try rings(item, context: "MultiPolygon polygon \(k)")) }
            return .multiPolygon(polygons)
        }
    }

    private static func array(_ value: JSONValue, of what: String, context: String) throws(Problem) -> [JSONValue] {
        guard case .array(let items) = value else {
            throw Problem("\(context) coordinates must be an array of \(what), found \(value.typeName)")
        }
        return items
    }

    /// Z is accepted and dropped: MachiGIS stores 2D geometry.
    private static func position(_ value: JSONValue, context: String) throws(Problem) -> Position {
        guard case .array(let items) = value else {
            throw Problem("\(context): a position must be an array of numbers, found \(value.typeName)")
        }
        guard items.count == 2 || items.count == 3 else {
            throw Problem("\(context): a position must have 2 or 3 numbers, found \(items.count)")
        }
        var xy: [Double] = []
        for item in items {
            guard case .number(let n) = item else { throw Problem("\(context): a position must contain numbers, found \(item.typeName)") }
            guard n.double.isFinite else { throw Problem("\(context): coordinate is not a finite number") }
            xy.append(n.double)
        }
        return Position(xy[0], xy[1])
    }

    private static func positions(_ value: JSONValue, context: String) throws(Problem) -> [Position] {
        let items = try array(value, of: "positions", context: context)
        var result: [Position] = []
        result.reserveCapacity(items.count)
        for (k, item) in items.enumerated() { result.append(try position(item, context: "\(context) position \(k)")) }
        return result
    }

    private static func line(_ value: JSONValue, context: String) throws(Problem) -> [Position] {
        let points = try positions(value, context: context)
        guard points.count >= 2 else { throw Problem("\(context) needs at least 2 positions, found \(points.count)") }
        return points
    }

    private static func rings(_ value: JSONValue, context: String) throws(Problem) -> [[Position]] {
        let items = try array(value, of: "rings", context: context)
        var rings: [[Position]] = []
        for (k, item) in items.enumerated() {
            let ring = try positions(item, context: "\(context) ring \(k)")
            guard ring.count >= 4 else { throw Problem("\(context) ring \(k) needs at least 4 positions, found \(ring.count)") }
            guard ring.first == ring.last else { throw Problem("\(context) ring \(k) is not closed: its first and last positions differ") }
            rings.append(ring)
        }
        return rings
    }

    // MARK: Legacy CRS

    /// Reads the pre-RFC 7946 `"crs": {"type": "name", "properties": {"name": …}}` member
    /// that GDAL and QGIS still write for non-WGS 84 data. Returns nil when it names nothing.
    static func crs(fromLegacyMember value: JSONValue) -> String? {
        guard case .string(let name)? = value["properties"]?["name"] else { return nil }
        return normalizedCRSName(name)
    }

    static func normalizedCRSName(_ raw: String) -> String {
        let name = raw.trimmingSpaces
        let upper = name.uppercased()
        if upper.hasSuffix("CRS84") && (upper.hasPrefix("URN:OGC:DEF:CRS:OGC:") || upper == "CRS84" || upper == "OGC:CRS84") {
            return "OGC:CRS84"
        }
        var code: Substring?
        if upper.hasPrefix("URN:OGC:DEF:CRS:EPSG:") {
            // urn:ogc:def:crs:EPSG::6674 and the versioned urn:ogc:def:crs:EPSG:6.6:6674
            code = name.split(separator: ":", omittingEmptySubsequences: false).last
        } else if upper.hasPrefix("EPSG:") {
            code = name.dropFirst(5)
        } else if upper.hasPrefix("HTTP://WWW.OPENGIS.NET/DEF/CRS/EPSG/") {
            code = name.split(separator: "/").last
        }
        guard let code, !code.isEmpty, code.allSatisfy(\.isASCIIDigit) else { return name }
        // GeoJSON positions are longitude first whatever EPSG:4326's official axis order says.
        return code == "4326" ? "OGC:CRS84" : "EPSG:\(code)"
    }
}
