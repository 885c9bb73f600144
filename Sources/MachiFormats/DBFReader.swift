/// A dBase field type code.
public struct DBFFieldType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let character = DBFFieldType(rawValue: UInt8(ascii: "C"))
    public static let numeric = DBFFieldType(rawValue: UInt8(ascii: "N"))
    public static let float = DBFFieldType(rawValue: UInt8(ascii: "F"))
    public static let logical = DBFFieldType(rawValue: UInt8(ascii: "L"))
    public static let date = DBFFieldType(rawValue: UInt8(ascii: "D"))

    public var description: String { String(UnicodeScalar(rawValue)) }
}

public struct DBFField: Sendable, Hashable {
    public var name: String
    public var type: DBFFieldType
    /// Width in bytes (for text, in encoded bytes, not characters).
    public var length: Int
    public var decimals: Int

    public init(name: String, type: DBFFieldType, length: Int, decimals: Int = 0) {
        self.name = name
        self.type = type
        self.length = length
        self.decimals = decimals
    }

    public static func character(_ name: String, length: Int) -> DBFField {
        DBFField(name: name, type: .character, length: length)
    }

    public static func numeric(_ name: String, length: Int, decimals: Int = 0) -> DBFField {
        DBFField(name: name, type: .numeric, length: length, decimals: decimals)
    }
}

/// Streams the records of a dBase III table (a shapefile's .dbf) one fixed-size record at a time.
public final class DBFReader {
    /// The language driver byte dBase uses for Japanese Shift_JIS (in practice CP932).
    public static let japaneseLanguageDriverID: UInt8 = 0x13

    public let fields: [DBFField]
    /// Records in the file, deleted ones included.
    public let recordCount: Int
    public let languageDriverID: UInt8
    /// The text encoding in use; nil means each value is detected on its own.
    public let encoding: TextEncoding?
    /// Bytes taken from disk, which move a chunk at a time.
    public var bytesRead: Int64 { reader.file.offset }
    public var totalBytes: Int64 { reader.file.size }

    /// A record's bytes, read but not yet decoded, so a caller can keep the .dbf in step with
    /// another file before deciding whether the record is worth decoding.
    struct RawRecord {
        /// 1-based position in the file.
        var number: Int
        var bytes: [UInt8]
        var isDeleted: Bool { bytes.first == UInt8(ascii: "*") }
    }

    private let reader: SequentialReader
    private let recordLength: Int
    private var recordsRead = 0
    private let decoders: TextDecoders

    /// `encoding` nil means: CP932 when the header's language driver byte is 0x13, else detect
    /// UTF-8 or CP932 for each value.
    public init(path: String, encoding: TextEncoding? = nil) throws(FormatError) {
        reader = SequentialReader(try ChunkedFile(path: path))
        let header = try reader.read(32)
        guard header.count == 32 else { throw .fatal(.file, "truncated .dbf: the header needs 32 bytes, the file has \(header.count)") }
        recordCount = Int(header.uint32LE(at: 4))
        let headerLength = Int(header.uint16LE(at: 8))
        recordLength = Int(header.uint16LE(at: 10))
        languageDriverID = header[29]
        self.encoding = encoding ?? (languageDriverID == Self.japaneseLanguageDriverID ? .cp932 : nil)
        decoders = try TextDecoders(encoding: self.encoding)

        guard headerLength >= 33 else { throw .fatal(.file, "invalid .dbf header length \(headerLength)") }
        let descriptors = try reader.read(headerLength - 32)
        guard descriptors.count == headerLength - 32 else { throw .fatal(.file, "truncated .dbf header") }
        var fields: [DBFField] = []
        var offset = 0
        while offset + 32 <= descriptors.count, descriptors[offset] != 0x0D {
            let nameBytes = descriptors[offset..<(offset + 11)].prefix { $0 != 0 }
            let name: String
            switch decoders.decode(Array(nameBytes)) {
            case .success(let decoded): name = decoded.trimmingSpaces
            case .failure(let error): throw .fatal(.file, "field \(fields.count + 1) name: \(error)")
            }
            let type = DBFFieldType(rawValue: descriptors[offset + 11])
            fields.append(DBFField(name: name, type: type, length: Int(descriptors[offset + 16]), decimals: Int(descriptors[offset + 17])))
            offset += 32
        }
        let used = 1 + fields.reduce(0) { $0 + $1.length }
        guard used <= recordLength else {
            throw .fatal(.file, "invalid .dbf: fields take \(used) bytes per record but records are \(recordLength) bytes")
        }
        self.fields = fields
    }

    /// The next record's values, skipping deleted records; nil at the end.
    public func next() throws(FormatError) -> (number: Int, values: [(key: String, value: FieldValue)])? {
        while let raw = try nextRaw() {
            if raw.isDeleted { continue }
            return (raw.number, try values(of: raw))
        }
        return nil
    }

    func nextRaw() throws(FormatError) -> RawRecord? {
        guard recordsRead < recordCount else { return nil }
        recordsRead += 1
        let left = reader.remaining
        let bytes = try reader.read(recordLength)
        guard bytes.count == recordLength else {
            throw .fatal(.record(recordsRead), "truncated .dbf (record needs \(recordLength) bytes, \(left) left)")
        }
        return RawRecord(number: recordsRead, bytes: bytes)
    }

    func values(of record: RawRecord) throws(FormatError) -> [(key: String, value: FieldValue)] {
        var values: [(key: String, value: FieldValue)] = []
        values.reserveCapacity(fields.count)
        var offset = 1
        for field in fields {
            let raw = record.bytes[offset..<(offset + field.length)]
            offset += field.length
            do throws(ValueProblem) {
                values.append((field.name, try value(of: field, raw)))
            } catch {
                throw FormatError(.record(record.number), field: field.name, error.message)
            }
        }
        return values
    }

    private struct ValueProblem: Error {
        var message: String
    }

    private func value(of field: DBFField, _ raw: ArraySlice<UInt8>) throws(ValueProblem) -> FieldValue {
        switch field.type {
        case .numeric, .float:
            let text = ascii(raw)
            if text.isEmpty { return .null }
            if text.allSatisfy({ $0 == "*" }) { throw ValueProblem(message: "value overflowed its \(field.length)-character field") }
            if field.decimals == 0, let int = Int64(text) { return .int(int) }
            guard text.utf8.allSatisfy({ "0123456789+-.eE".utf8.contains($0) }), let double = Double(text), double.isFinite else {
                throw ValueProblem(message: "not a number: \"\(text)\"")
            }
            return .double(double)
        case .logical:
            switch ascii(raw) {
            case "T", "t", "Y", "y": return .bool(true)
            case "F", "f", "N", "n": return .bool(false)
            case "", "?": return .null
            case let other: throw ValueProblem(message: "not a logical value: \"\(other)\"")
            }
        case .date:
            let text = ascii(raw)
            if text.isEmpty || text == "00000000" { return .null }
            guard text.count == 8, text.allSatisfy(\.isASCIIDigit) else {
                throw ValueProblem(message: "not a date (YYYYMMDD): \"\(text)\"")
            }
            let digits = Array(text)
            return .string("\(String(digits[0..<4]))-\(String(digits[4..<6]))-\(String(digits[6..<8]))")
        default:
            // C, and types this reader does not interpret, are text padded with spaces (some writers pad with NULs).
            var end = raw.endIndex
            while end > raw.startIndex, raw[end - 1] == 0x20 || raw[end - 1] == 0 { end -= 1 }
            if end == raw.startIndex { return .null }
            switch decoders.decode(Array(raw[raw.startIndex..<end])) {
            case .success(let text): return .string(text)
            case .failure(let error): throw ValueProblem(message: error.description)
            }
        }
    }

    private func ascii(_ raw: ArraySlice<UInt8>) -> String {
        String(decoding: raw, as: UTF8.self).trimming(" \0")
    }
}

/// The decoders for one table: a fixed encoding, or both candidates when each value is
/// detected on its own (old Japanese tables sometimes mix them after partial conversions).
private final class TextDecoders {
    private let fixed: TextDecoder?
    private var utf8: TextDecoder?
    private var cp932: TextDecoder?

    init(encoding: TextEncoding?) throws(FormatError) {
        do {
            fixed = try encoding.map { (e) throws(TextConversionError) in try TextDecoder(e) }
        } catch {
            throw .fatal(.file, error.description)
        }
    }

    func decode(_ bytes: [UInt8]) -> Result<String, TextConversionError> {
        bytes.withUnsafeBufferPointer { p in
            do throws(TextConversionError) {
                return try decoder(for: p).decode(buffer: p)
            } catch {
                return .failure(error)
            }
        }
    }

    private func decoder(for bytes: UnsafeBufferPointer<UInt8>) throws(TextConversionError) -> TextDecoder {
        if let fixed { return fixed }
        switch TextEncoding.detect(bytes) {
        case .utf8:
            if utf8 == nil { utf8 = try TextDecoder(.utf8) }
            return utf8!
        case .cp932:
            if cp932 == nil { cp932 = try TextDecoder(.cp932) }
            return cp932!
        }
    }
}

extension String {
    fileprivate func trimming(_ set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
