import MachiGeometry

/// Which CSV columns hold a point's coordinates.
public enum CSVCoordinateColumns: Sendable, Hashable {
    /// Longitude and latitude in degrees (CRS84).
    case lonLat(lon: String, lat: String)
    /// Japanese plane rectangular coordinates in survey order: X is northing and Y easting,
    /// the reverse of GIS x/y. The CRS is the city's plane, which the caller knows.
    case planeXY(x: String, y: String)

    static let lonNames = ["lon", "lng", "longitude", "経度"]
    static let latNames = ["lat", "latitude", "緯度"]
    static let xNames = ["x", "x座標"]
    static let yNames = ["y", "y座標"]

    /// Longitude/latitude columns if the header has both, else X/Y columns; nil when neither.
    /// Names match ignoring case and surrounding spaces.
    public static func detect(in header: [String]) -> CSVCoordinateColumns? {
        func find(_ names: [String]) -> String? {
            header.first { names.contains($0.trimmingSpaces.lowercased()) }
        }
        if let lon = find(lonNames), let lat = find(latNames) { return .lonLat(lon: lon, lat: lat) }
        if let x = find(xNames), let y = find(yNames) { return .planeXY(x: x, y: y) }
        return nil
    }
}

/// Point features from a CSV with one coordinate pair per row, such as a manhole ledger
/// exported from a spreadsheet. Every other column becomes a string property (empty → null);
/// the layer schema gives them types later.
public final class CSVFeatureReader: FeatureSource {
    public let coordinates: CSVCoordinateColumns
    public let crs: String?
    public var header: [String] { records.header }
    public var encoding: TextEncoding? { records.encoding }
    public var bytesRead: Int64 { records.bytesRead }
    public var totalBytes: Int64 { records.totalBytes }

    private let records: CSVReader
    private let firstColumn: Int
    private let secondColumn: Int

    /// `encoding` nil detects UTF-8 or CP932; `coordinates` nil looks for lon/lat
    /// (`lon`, `lng`, `longitude`, `経度` with `lat`, `latitude`, `緯度`) and then X/Y
    /// (`X`, `X座標` with `Y`, `Y座標`) in the header.
    public init(path: String, encoding: TextEncoding? = nil, coordinates: CSVCoordinateColumns? = nil) throws(FormatError) {
        records = try CSVReader(path: path, encoding: encoding)
        let header = records.header
        guard let columns = coordinates ?? CSVCoordinateColumns.detect(in: header) else {
            throw .fatal(
                .line(1),
                "no coordinate columns in the header: expected lon/lat (lon, lng, longitude, 経度 and lat, latitude, 緯度)"
                    + " or X/Y (X, X座標 and Y, Y座標)")
        }
        func index(of name: String) throws(FormatError) -> Int {
            if let k = header.firstIndex(of: name) { return k }
            if let k = header.firstIndex(where: { $0.trimmingSpaces.lowercased() == name.trimmingSpaces.lowercased() }) { return k }
            throw .fatal(.line(1), "coordinate column \"\(name)\" is not in the header")
        }
        switch columns {
        case .lonLat(let lon, let lat):
            firstColumn = try index(of: lon)
            secondColumn = try index(of: lat)
            crs = "OGC:CRS84"
        case .planeXY(let x, let y):
            firstColumn = try index(of: x)
            secondColumn = try index(of: y)
            crs = nil
        }
        self.coordinates = columns
    }

    public func next() throws(FormatError) -> SourceFeature? {
        guard let record = try records.next() else { return nil }
        let location = SourceLocation.line(record.line)
        let first = try coordinate(record, firstColumn, location)
        let second = try coordinate(record, secondColumn, location)
        let position: Position
        switch coordinates {
        case .lonLat: position = Position(first, second)
        // Survey X (the first column here) is northing, so it becomes GIS y.
        case .planeXY: position = Position(second, first)
        }
        var properties: [(key: String, value: FieldValue)] = []
        properties.reserveCapacity(record.fields.count - 2)
        for (k, value) in record.fields.enumerated() where k != firstColumn && k != secondColumn {
            properties.append((header[k], value.isEmpty ? .null : .string(value)))
        }
        return SourceFeature(location: location, geometry: .point(position), properties: properties)
    }

    private func coordinate(_ record: CSVRecord, _ column: Int, _ location: SourceLocation) throws(FormatError) -> Double {
        let raw = record.fields[column]
        let text = Self.asciiNumber(raw)
        guard !text.isEmpty else { throw FormatError(location, field: header[column], "coordinate is missing") }
        // Restricting the characters keeps Double's hex ("0x1p3") and "nan"/"inf" spellings out.
        guard text.utf8.allSatisfy({ "0123456789+-.eE".utf8.contains($0) }), let value = Double(text), value.isFinite else {
            throw FormatError(location, field: header[column], "coordinate is not a number: \"\(raw)\"")
        }
        return value
    }

    /// Spreadsheets typed in Japanese often hold full-width digits (１２．５) and the minus
    /// sign U+2212; read those as the ASCII number they mean.
    static func asciiNumber(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars {
            switch scalar.value {
            case 0xFF10...0xFF19: out.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            case 0xFF0E: out.append(".")
            case 0xFF0D, 0x2212: out.append("-")
            case 0xFF0B: out.append("+")
            default: out.append(scalar)
            }
        }
        return String(out).trimmingSpaces
    }
}
