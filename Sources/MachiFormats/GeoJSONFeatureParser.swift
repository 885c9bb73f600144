public import MachiGeometry

/// Parses one GeoJSON Feature held in memory, such as an HTTP request body, with the same
/// RFC 7946 checks and messages as the file reader.
public enum GeoJSONFeatureParser {
    public static func parse(_ bytes: [UInt8]) throws(FormatError) -> SourceFeature {
        try GeoJSONFeature.make(from: try json(bytes), location: .file)
    }

    /// The body as a JSON value; a syntax error names its byte offset.
    static func json(_ bytes: [UInt8]) throws(FormatError) -> JSONValue {
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONSyntaxError) -> JSONValue in try JSONParser.parse(buffer) }
        }
        switch parsed {
        case .success(let value): return value
        case .failure(let e): throw FormatError(.file, "invalid JSON at byte \(e.offset): \(e.message)")
        }
    }
}

extension GeoJSONFeatureParser {
    /// A JSON patch body `{"properties": {…}, "geometry": {…}}`: its top-level member names
    /// (so callers can refuse members they don't accept), the properties typed as for a
    /// Feature, and the geometry when one is given (checked as in a Feature).
    public static func parsePatch(_ bytes: [UInt8]) throws(FormatError) -> (
        members: [String], properties: [(key: String, value: FieldValue)], geometry: Geometry?
    ) {
        let value = try json(bytes)
        guard case .object(let members) = value else { throw FormatError(.file, field: "body", "expected a JSON object") }
        var properties: [(key: String, value: FieldValue)] = []
        switch value["properties"] {
        case .object(let ps)?:
            for p in ps { properties.append((p.key, try GeoJSONFeature.fieldValue(p.value, key: p.key, location: .file))) }
        case nil: break
        case let other?: throw FormatError(.file, field: "properties", "must be an object, found \(other.typeName)")
        }
        var geometry: Geometry?
        if let g = value["geometry"] {
            do {
                geometry = try GeoJSONFeature.geometry(from: g)
            } catch {
                throw FormatError(.file, field: "geometry", error.message)
            }
        }
        return (members.map(\.key), properties, geometry)
    }
}
