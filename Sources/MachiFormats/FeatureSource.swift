public import MachiGeometry

/// An attribute value as read from a source file, before the layer schema types it.
public enum FieldValue: Sendable, Hashable {
    case null
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
}

/// Where in the source file a feature came from, for error reports a person can act on.
public enum SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// 0-based index in a GeoJSON FeatureCollection's "features" array.
    case feature(Int)
    /// 1-based physical line where a CSV record starts (the header is line 1).
    case line(Int)
    /// 1-based record number in a shapefile.
    case record(Int)
    case file

    public var description: String {
        switch self {
        case .feature(let i): "feature \(i)"
        case .line(let n): "line \(n)"
        case .record(let n): "record \(n)"
        case .file: "file"
        }
    }
}

/// One feature as read, not yet validated against a layer.
public struct SourceFeature: Sendable {
    public var location: SourceLocation
    /// nil when the source has no geometry for this feature (GeoJSON "geometry": null, shapefile null shape).
    public var geometry: Geometry?
    /// Properties in source order with the source's own column names.
    public var properties: [(key: String, value: FieldValue)]
    /// GeoJSON Feature "id", when present.
    public var id: String?

    public init(location: SourceLocation, geometry: Geometry?, properties: [(key: String, value: FieldValue)], id: String? = nil) {
        self.location = location
        self.geometry = geometry
        self.properties = properties
        self.id = id
    }

    public subscript(key: String) -> FieldValue? {
        properties.first { $0.key == key }?.value
    }
}

/// A problem in the source file itself (not a layer-rule violation).
public struct FormatError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var field: String?
    public var message: String

    public init(_ location: SourceLocation, field: String? = nil, _ message: String) {
        self.location = location
        self.field = field
        self.message = message
    }

    public var description: String {
        if let field { return "\(location), field \"\(field)\": \(message)" }
        return "\(location): \(message)"
    }

    /// A feature-level error leaves the reader positioned at the next feature, so an import
    /// with --skip-invalid can carry on; a fatal one (broken framing, truncated file) cannot.
    public var isRecoverable: Bool = true
}

/// Streams features one at a time so memory stays flat however large the file.
public protocol FeatureSource: AnyObject {
    /// The next feature, nil at the end. Throws `FormatError` for a bad feature; when its
    /// `isRecoverable` is true the caller may call `next()` again to continue.
    func next() throws(FormatError) -> SourceFeature?
    /// CRS of the coordinates as a PROJ-readable string ("OGC:CRS84", "EPSG:6674", or WKT
    /// from a .prj); nil when the file does not say.
    var crs: String? { get }
    /// Bytes consumed so far and the total, for a progress bar.
    var bytesRead: Int64 { get }
    var totalBytes: Int64 { get }
}
