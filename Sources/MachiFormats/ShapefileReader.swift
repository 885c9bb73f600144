import Foundation
import MachiGeometry

/// Streams the features of an ESRI shapefile: geometry from the .shp, attributes from the
/// .dbf, read in step record by record so memory stays flat.
public final class ShapefileReader: FeatureSource {
    /// The WKT of the .prj file, which PROJ reads as is; nil when there is none.
    public let crs: String?
    public let shapeType: ShapefileShapeType
    /// Records according to the .shx (deleted ones included).
    public let recordCount: Int
    public var fields: [DBFField] { dbf.fields }
    /// The attribute encoding in use; nil means each value is detected on its own.
    public var encoding: TextEncoding? { dbf.encoding }
    /// Bytes taken from disk across the .shp and .dbf, which move a chunk at a time.
    public var bytesRead: Int64 { shp.file.offset + dbf.bytesRead }
    public let totalBytes: Int64

    private let shp: SequentialReader
    private let dbf: DBFReader
    /// The .shp length its header declares, which is where the records end.
    private let declaredLength: Int64
    private var recordsRead = 0
    private var finished = false

    /// `path` is the .shp; the .shx and .dbf beside it are required, .cpg and .prj optional.
    /// The attribute encoding is `encoding` if given, else what the .cpg names, else CP932
    /// when the .dbf's language driver byte is 0x13, else detected for each value.
    public init(path: String, encoding: TextEncoding? = nil) throws(FormatError) {
        let shpFile = try ChunkedFile(path: path)
        let name = (path as NSString).lastPathComponent
        func required(_ ext: String) throws(FormatError) -> String {
            guard let sibling = Self.sibling(of: path, extension: ext) else {
                throw .fatal(.file, "\(name) has no .\(ext) file beside it; a shapefile needs its .shp, .shx and .dbf")
            }
            return sibling
        }
        let shxPath = try required("shx")
        let dbfPath = try required("dbf")

        shp = SequentialReader(shpFile)
        let header = try shp.read(100)
        guard header.count == 100 else {
            throw .fatal(.file, "truncated .shp: the header needs 100 bytes, the file has \(header.count)")
        }
        let fileCode = header.int32BE(at: 0)
        guard fileCode == 9994 else { throw .fatal(.file, "\(name) is not a shapefile (file code \(fileCode), expected 9994)") }
        let version = header.int32LE(at: 28)
        guard version == 1000 else { throw .fatal(.file, "unsupported .shp version \(version), expected 1000") }
        declaredLength = Int64(header.int32BE(at: 24)) * 2
        let typeCode = header.int32LE(at: 32)
        guard let shapeType = ShapefileShapeType(rawValue: typeCode) else { throw .fatal(.file, "unknown .shp shape type \(typeCode)") }
        self.shapeType = shapeType

        // The .shx holds one 8-byte entry per record after its own 100-byte header; only its
        // record count is needed because the .shp is read sequentially.
        let shxSize = try ChunkedFile(path: shxPath).size
        guard shxSize >= 100, (shxSize - 100) % 8 == 0 else {
            throw .fatal(.file, "invalid .shx: \(shxSize) bytes is not a 100-byte header plus 8-byte entries")
        }
        recordCount = Int((shxSize - 100) / 8)

        var resolved = encoding
        if resolved == nil, let cpg = Self.sibling(of: path, extension: "cpg") { resolved = try Self.encoding(fromCPG: cpg) }
        dbf = try DBFReader(path: dbfPath, encoding: resolved)
        guard dbf.recordCount == recordCount else {
            throw .fatal(.file, ".shx lists \(recordCount) records but .dbf has \(dbf.recordCount)")
        }
        totalBytes = shpFile.size + dbf.totalBytes
        if let prj = Self.sibling(of: path, extension: "prj") {
            let wkt = try Self.readSmallText(prj).trimmingSpaces
            crs = wkt.isEmpty ? nil : wkt
        } else {
            crs = nil
        }
    }

    /// Finds `base.ext` next to the .shp matching the extension in any case (Windows tools
    /// write `.SHX`, `.Dbf` …), preferring the exact base name.
    static func sibling(of path: String, extension ext: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent
        let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let candidates = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        let matches = candidates.filter {
            ($0 as NSString).pathExtension.lowercased() == ext && ($0 as NSString).deletingPathExtension.lowercased() == base.lowercased()
        }
        guard let match = matches.first(where: { ($0 as NSString).deletingPathExtension == base }) ?? matches.first else { return nil }
        return (directory as NSString).appendingPathComponent(match)
    }

    /// The .cpg names the .dbf's code page in one of many spellings; nil for one MachiGIS does
    /// not read, so detection takes over.
    static func encoding(fromCPG path: String) throws(FormatError) -> TextEncoding? {
        let text = try readSmallText(path).trimmingSpaces.uppercased()
        switch text {
        case "UTF-8", "UTF8", "65001": return .utf8
        case "CP932", "932", "SJIS", "SHIFT_JIS", "SHIFT-JIS", "WINDOWS-31J", "MS932", "CP_932", "ANSI 932": return .cp932
        default: return nil
        }
    }

    private static func readSmallText(_ path: String) throws(FormatError) -> String {
        let file = try ChunkedFile(path: path)
        var bytes: [UInt8] = []
        while try file.readChunk(into: &bytes) > 0 {
            guard bytes.count <= 1 << 20 else { throw .fatal(.file, "\(path) is too large for a .cpg or .prj") }
        }
        return String(decoding: TextEncoding.strippingBOM(bytes), as: UTF8.self)
    }

    public func next() throws(FormatError) -> SourceFeature? {
        guard !finished else { return nil }
        do throws(FormatError) {
            while let (number, content) = try nextShape() {
                guard let record = try dbf.nextRaw() else {
                    throw .fatal(.record(number), ".shp has more records than the .shx and .dbf (\(recordCount))")
                }
                // Deleted rows are dropped from the .dbf's point of view, so the shape goes too.
                if record.isDeleted { continue }
                let geometry: Geometry?
                do throws(ShapeRecordDecoder.Problem) {
                    geometry = try ShapeRecordDecoder.geometry(from: content)
                } catch {
                    throw FormatError(.record(number), field: "geometry", error.message)
                }
                return SourceFeature(location: .record(number), geometry: geometry, properties: try dbf.values(of: record))
            }
            finished = true
            return nil
        } catch {
            if !error.isRecoverable { finished = true }
            throw error
        }
    }

    /// The next .shp record's content, nil after the last one. Framing problems are fatal:
    /// without a trustworthy length there is no way to find the next record.
    private func nextShape() throws(FormatError) -> (number: Int, content: [UInt8])? {
        let number = recordsRead + 1
        guard shp.offset < declaredLength else {
            guard recordsRead >= recordCount else {
                throw .fatal(.record(number), ".shp ends after record \(recordsRead) but the .shx lists \(recordCount) records")
            }
            return nil
        }
        let left = shp.remaining
        guard left >= 8 else {
            throw .fatal(
                .record(number), "truncated .shp (its header says \(declaredLength) bytes, the file has \(shp.file.size))")
        }
        let header = try shp.read(8)
        let contentLength = Int64(header.int32BE(at: 4)) * 2
        guard contentLength >= 4 else { throw .fatal(.record(number), "invalid .shp record length \(contentLength)") }
        guard contentLength <= left - 8 else {
            throw .fatal(.record(number), "truncated .shp (record claims \(contentLength) bytes, \(left - 8) left)")
        }
        recordsRead = number
        return (number, try shp.read(Int(contentLength)))
    }
}
