import Foundation
public import MachiGeometry

public struct ShapefileWriteError: Error, Sendable, CustomStringConvertible {
    public var message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Writes a shapefile (.shp, .shx, .dbf, and .cpg/.prj when asked) record by record. Headers
/// carry the record count and extent, so they are filled in by `close()`, which must be
/// called for the files to be valid.
public final class ShapefileWriter {
    public let shapeType: ShapefileShapeType
    public let fields: [DBFField]
    public let encoding: TextEncoding

    private let shp: OutputFile
    private let shx: OutputFile
    private let dbf: DBFWriter
    private var shpLength: Int64 = 100
    private var recordCount = 0
    private var extent: BoundingBox?
    private var closed = false

    /// `shapeType` is point, polyLine, polygon or multiPoint. `languageDriverID` nil writes
    /// 0x13 for CP932 (so readers that ignore .cpg still see Japanese) and 0 for UTF-8.
    public init(
        path: String, shapeType: ShapefileShapeType, fields: [DBFField], encoding: TextEncoding = .utf8,
        prj: String? = nil, writesCPG: Bool = true, languageDriverID: UInt8? = nil
    ) throws(ShapefileWriteError) {
        guard [.point, .polyLine, .polygon, .multiPoint].contains(shapeType) else {
            throw ShapefileWriteError("cannot write \(shapeType) shapes; use point, polyLine, polygon or multiPoint")
        }
        guard (path as NSString).pathExtension.lowercased() == "shp" else { throw ShapefileWriteError("\(path) does not end in .shp") }
        let base = (path as NSString).deletingPathExtension
        self.shapeType = shapeType
        self.fields = fields
        self.encoding = encoding
        do throws(FormatError) {
            shp = try OutputFile(path: path)
            shx = try OutputFile(path: base + ".shx")
            dbf = try DBFWriter(
                path: base + ".dbf", fields: fields, encoding: encoding,
                languageDriverID: languageDriverID ?? (encoding == .cp932 ? DBFReader.japaneseLanguageDriverID : 0))
            // Placeholders, rewritten by close() once lengths and extent are known.
            try shp.write([UInt8](repeating: 0, count: 100))
            try shx.write([UInt8](repeating: 0, count: 100))
            if writesCPG { try Self.writeText(encoding == .utf8 ? "UTF-8" : "CP932", to: base + ".cpg") }
            if let prj { try Self.writeText(prj, to: base + ".prj") }
        } catch {
            throw ShapefileWriteError(error.message)
        }
    }

    private static func writeText(_ text: String, to path: String) throws(FormatError) {
        let file = try OutputFile(path: path)
        try file.write(Array(text.utf8))
        try file.close()
    }

    /// Appends a record. `geometry` nil writes a null shape; `values` go to `fields` in order.
    public func write(_ geometry: Geometry?, _ values: [FieldValue]) throws(ShapefileWriteError) {
        guard !closed else { throw ShapefileWriteError("the shapefile is already closed") }
        let number = recordCount + 1
        let content = try encode(geometry, record: number)
        // Lengths and offsets are stored as 32-bit counts of 16-bit words.
        guard shpLength + Int64(8 + content.count) <= Int64(Int32.max) * 2 else {
            throw ShapefileWriteError("record \(number): the .shp would exceed the format's 4 GiB limit")
        }
        do throws(FormatError) {
            var recordHeader: [UInt8] = []
            recordHeader.appendInt32BE(Int32(number))
            recordHeader.appendInt32BE(Int32(content.count / 2))
            var index: [UInt8] = []
            index.appendInt32BE(Int32(shpLength / 2))
            index.appendInt32BE(Int32(content.count / 2))
            try dbf.write(values, record: number)
            try shp.write(recordHeader + content)
            try shx.write(index)
        } catch {
            throw ShapefileWriteError(error.message)
        }
        shpLength += Int64(8 + content.count)
        recordCount = number
        if let box = geometry?.boundingBox {
            extent =
                extent.map {
                    BoundingBox(
                        minX: min($0.minX, box.minX), minY: min($0.minY, box.minY), maxX: max($0.maxX, box.maxX),
                        maxY: max($0.maxY, box.maxY))
                } ?? box
        }
    }

    /// Fills in the headers and closes the files.
    public func close() throws(ShapefileWriteError) {
        guard !closed else { return }
        closed = true
        do throws(FormatError) {
            try shp.seek(to: 0)
            try shp.write(mainHeader(lengthInBytes: shpLength))
            try shp.close()
            try shx.seek(to: 0)
            try shx.write(mainHeader(lengthInBytes: 100 + 8 * Int64(recordCount)))
            try shx.close()
            try dbf.close(recordCount: recordCount)
        } catch {
            throw ShapefileWriteError(error.message)
        }
    }

    private func mainHeader(lengthInBytes: Int64) -> [UInt8] {
        var header: [UInt8] = []
        header.appendInt32BE(9994)
        header += [UInt8](repeating: 0, count: 20)
        header.appendInt32BE(Int32(lengthInBytes / 2))
        header.appendInt32LE(1000)
        header.appendInt32LE(shapeType.rawValue)
        let box = extent ?? BoundingBox(minX: 0, minY: 0, maxX: 0, maxY: 0)
        for v in [box.minX, box.minY, box.maxX, box.maxY, 0, 0, 0, 0] { header.appendFloat64LE(v) }
        return header
    }

    private func encode(_ geometry: Geometry?, record: Int) throws(ShapefileWriteError) -> [UInt8] {
        var out: [UInt8] = []
        guard let geometry else {
            out.appendInt32LE(ShapefileShapeType.null.rawValue)
            return out
        }
        out.appendInt32LE(shapeType.rawValue)
        switch (shapeType, geometry) {
        case (.point, .point(let p)):
            out.appendFloat64LE(p.x)
            out.appendFloat64LE(p.y)
        case (.multiPoint, .multiPoint(let points)):
            appendBox(of: geometry, to: &out)
            out.appendInt32LE(Int32(points.count))
            appendPoints(points, to: &out)
        case (.polyLine, .lineString(let line)):
            appendParts([line], box: geometry, to: &out)
        case (.polyLine, .multiLineString(let lines)):
            appendParts(lines, box: geometry, to: &out)
        case (.polygon, .polygon(let rings)):
            appendParts(Self.shapefileOrientation(rings), box: geometry, to: &out)
        case (.polygon, .multiPolygon(let polygons)):
            appendParts(polygons.flatMap(Self.shapefileOrientation), box: geometry, to: &out)
        default:
            throw ShapefileWriteError("record \(record): a \(geometry.type.rawValue) cannot be written to a \(shapeType) shapefile")
        }
        return out
    }

    /// Shapefiles tell outer rings from holes by orientation alone: outer clockwise, holes
    /// counter-clockwise, whatever order the input used.
    private static func shapefileOrientation(_ rings: [[Position]]) -> [[Position]] {
        rings.enumerated().map { k, ring in
            let isClockwise = PolygonAssembly.signedArea(ring) < 0
            return (k == 0) == isClockwise ? ring : Array(ring.reversed())
        }
    }

    private func appendBox(of geometry: Geometry, to out: inout [UInt8]) {
        let box = geometry.boundingBox
        for v in [box.minX, box.minY, box.maxX, box.maxY] { out.appendFloat64LE(v) }
    }

    private func appendParts(_ parts: [[Position]], box geometry: Geometry, to out: inout [UInt8]) {
        appendBox(of: geometry, to: &out)
        out.appendInt32LE(Int32(parts.count))
        out.appendInt32LE(Int32(parts.reduce(0) { $0 + $1.count }))
        var start = 0
        for part in parts {
            out.appendInt32LE(Int32(start))
            start += part.count
        }
        for part in parts { appendPoints(part, to: &out) }
    }

    private func appendPoints(_ points: [Position], to out: inout [UInt8]) {
        for p in points {
            out.appendFloat64LE(p.x)
            out.appendFloat64LE(p.y)
        }
    }
}

/// Writes a dBase III table with C (text) and N (number) fields.
final class DBFWriter {
    private let file: OutputFile
    private let fields: [DBFField]
    private let encodedNames: [[UInt8]]
    private let encoder: TextEncoder
    private let languageDriverID: UInt8
    private let recordLength: Int

    init(path: String, fields: [DBFField], encoding: TextEncoding, languageDriverID: UInt8) throws(FormatError) {
        do {
            encoder = try TextEncoder(encoding)
        } catch {
            throw .fatal(.file, error.description)
        }
        var names: [[UInt8]] = []
        for field in fields {
            guard field.type == .character || field.type == .numeric || field.type == .float else {
                throw .fatal(.file, "field \"\(field.name)\": only C and N fields can be written, not \(field.type)")
            }
            guard (1...254).contains(field.length) else { throw .fatal(.file, "field \"\(field.name)\": length must be 1...254") }
            let name: [UInt8]
            do {
                name = try encoder.encode(field.name)
            } catch {
                throw .fatal(.file, "field \"\(field.name)\": \(error)")
            }
            guard (1...10).contains(name.count) else {
                throw .fatal(
                    .file,
                    "field \"\(field.name)\": a .dbf field name is 1 to 10 bytes, this one is \(name.count) in \(encoding.displayName)")
            }
            names.append(name)
        }
        self.fields = fields
        self.encodedNames = names
        self.languageDriverID = languageDriverID
        self.recordLength = 1 + fields.reduce(0) { $0 + $1.length }
        file = try OutputFile(path: path)
        try file.write(header(recordCount: 0))
    }

    private func header(recordCount: Int) -> [UInt8] {
        let today = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
        var out: [UInt8] = [0x03, UInt8((today.year ?? 2000) - 1900), UInt8(today.month ?? 1), UInt8(today.day ?? 1)]
        out.appendInt32LE(Int32(recordCount))
        out.appendUInt16LE(UInt16(32 + 32 * fields.count + 1))
        out.appendUInt16LE(UInt16(recordLength))
        out += [UInt8](repeating: 0, count: 17)
        out.append(languageDriverID)
        out += [0, 0]
        for (field, name) in zip(fields, encodedNames) {
            out += name + [UInt8](repeating: 0, count: 11 - name.count)
            out.append(field.type.rawValue)
            out += [0, 0, 0, 0]
            out.append(UInt8(field.length))
            out.append(UInt8(field.decimals))
            out += [UInt8](repeating: 0, count: 14)
        }
        out.append(0x0D)
        return out
    }

    func write(_ values: [FieldValue], record: Int) throws(FormatError) {
        guard values.count == fields.count else {
            throw .fatal(.record(record), "\(values.count) values for \(fields.count) fields")
        }
        var out: [UInt8] = [0x20]
        out.reserveCapacity(recordLength)
        for (field, value) in zip(fields, values) {
            out += try encode(value, as: field, record: record)
        }
        try file.write(out)
    }

    private func encode(_ value: FieldValue, as field: DBFField, record: Int) throws(FormatError) -> [UInt8] {
        if field.type == .character {
            let text: String
            switch value {
            case .null: text = ""
            case .string(let s): text = s
            case .int(let i): text = String(i)
            case .double(let d): text = String(d)
            case .bool(let b): text = b ? "T" : "F"
            }
            var bytes: [UInt8]
            do {
                bytes = try encoder.encode(text)
                if bytes.count > field.length {
                    // Cut on a character boundary so a CP932 or UTF-8 character is never split.
                    var cut = text
                    while bytes.count > field.length {
                        cut.removeLast()
                        bytes = try encoder.encode(cut)
                    }
                }
            } catch {
                throw .fatal(.record(record), field: field.name, "\(error)")
            }
            return bytes + [UInt8](repeating: 0x20, count: field.length - bytes.count)
        }
        let text: String
        switch value {
        case .null: text = ""
        case .int(let i): text = field.decimals > 0 ? String(format: "%.\(field.decimals)f", Double(i)) : String(i)
        case .double(let d):
            guard d.isFinite else { throw .fatal(.record(record), field: field.name, "\(d) cannot be stored in a .dbf") }
            text = String(format: "%.\(field.decimals)f", d)
        case .bool, .string: throw .fatal(.record(record), field: field.name, "a numeric field needs a number")
        }
        guard text.utf8.count <= field.length else {
            throw .fatal(.record(record), field: field.name, "\(text) does not fit in \(field.length) characters")
        }
        return [UInt8](repeating: 0x20, count: field.length - text.utf8.count) + Array(text.utf8)
    }

    func close(recordCount: Int) throws(FormatError) {
        try file.write([0x1A])
        try file.seek(to: 0)
        try file.write(header(recordCount: recordCount))
        try file.close()
    }
}
