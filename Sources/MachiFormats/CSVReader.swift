/// One CSV record, decoded.
public struct CSVRecord: Sendable, Hashable {
    /// 1-based physical line where the record starts; a quoted field with line breaks makes
    /// the next record start more than one line later.
    public var line: Int
    public var fields: [String]
}

/// Streams RFC 4180 records (quoted fields, doubled quotes, line breaks inside quotes, CRLF or
/// LF) from a UTF-8 or CP932 file a chunk at a time. The first record is the header; every
/// later record must have as many fields.
///
/// Records are split on bytes before decoding, which is safe for CP932 because its second
/// bytes (0x40–0xFC) never collide with `"`, `,`, CR or LF.
public final class CSVReader {
    public private(set) var header: [String] = []
    /// The encoding in use; nil while auto-detection has seen nothing but ASCII, which reads
    /// the same in both.
    public private(set) var encoding: TextEncoding?
    public var bytesRead: Int64 { file.offset }
    public var totalBytes: Int64 { file.size }

    private enum FieldState {
        case start
        case unquoted
        case quoted
        /// Just after a `"` inside a quoted field: either an escaped quote or the closing one.
        case quoteInQuoted
    }

    private let file: ChunkedFile
    private let detectsEncoding: Bool
    private var decoder: TextDecoder?
    private var buffer: [UInt8] = []
    private var position = 0
    private var line = 1

    // The record being assembled: all field bytes back to back, and where each field ends.
    private var recordBytes: [UInt8] = []
    private var fieldEnds: [Int] = []
    private var recordLine = 1
    private var state = FieldState.start
    private var quoteLine = 1
    private var fieldWasQuoted = false

    /// `encoding` nil detects it from the data: CP932 if the first chunk with non-ASCII bytes
    /// is not valid UTF-8, UTF-8 otherwise. A UTF-8 byte-order mark is skipped either way.
    public init(path: String, encoding: TextEncoding? = nil) throws(FormatError) {
        file = try ChunkedFile(path: path)
        detectsEncoding = encoding == nil
        self.encoding = encoding
        if let encoding { decoder = try Self.makeDecoder(encoding) }
        while buffer.count < 3, try refill() {}
        if buffer.starts(with: TextEncoding.utf8BOM) {
            position = 3
            if detectsEncoding { try decide(.utf8) }
        }
        guard try scanRecord() else { return }
        switch decodeRecord() {
        case .success(let fields): header = fields
        case .failure(let error):
            throw .fatal(error.location, field: error.field, "header: \(error.message)")
        }
    }

    private static func makeDecoder(_ encoding: TextEncoding) throws(FormatError) -> TextDecoder {
        do {
            return try TextDecoder(encoding)
        } catch {
            throw .fatal(.file, error.description)
        }
    }

    private func decide(_ detected: TextEncoding) throws(FormatError) {
        encoding = detected
        decoder = try Self.makeDecoder(detected)
    }

    private func refill() throws(FormatError) -> Bool {
        if position > 0 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let start = buffer.count
        guard try file.readChunk(into: &buffer) > 0 else { return false }
        // Every earlier chunk was pure ASCII, so this one starts on a character boundary and
        // only its end can cut a character in two.
        if encoding == nil, buffer[start...].contains(where: { $0 >= 0x80 }) {
            let valid = buffer.withUnsafeBufferPointer {
                UTF8Validation.firstInvalidOffset(in: UnsafeBufferPointer(rebasing: $0[start...]), allowTruncatedEnd: true) == nil
            }
            try decide(valid ? .utf8 : .cp932)
        }
        return true
    }

    /// The next record after the header, nil at the end. A record with the wrong field count
    /// or an undecodable field throws a recoverable error; an unterminated quote a fatal one.
    public func next() throws(FormatError) -> CSVRecord? {
        guard try scanRecord() else { return nil }
        guard fieldEnds.count == header.count else {
            throw FormatError(.line(recordLine), "record has \(fieldEnds.count) fields but the header has \(header.count)")
        }
        return try CSVRecord(line: recordLine, fields: decodeRecord().get())
    }

    private func decodeRecord() -> Result<[String], FormatError> {
        var fields: [String] = []
        fields.reserveCapacity(fieldEnds.count)
        var start = 0
        for (k, end) in fieldEnds.enumerated() {
            let decoded = recordBytes.withUnsafeBufferPointer { p in
                let bytes = UnsafeBufferPointer(rebasing: p[start..<end])
                return decoder?.decode(buffer: bytes) ?? .success(String(decoding: bytes, as: UTF8.self))
            }
            switch decoded {
            case .success(let s): fields.append(s)
            case .failure(let error):
                let name = k < header.count ? header[k] : "column \(k + 1)"
                return .failure(FormatError(.line(recordLine), field: name, error.description))
            }
            start = end
        }
        return .success(fields)
    }

    /// Assembles the next non-blank record's field bytes; false at the end of the file.
    private func scanRecord() throws(FormatError) -> Bool {
        while true {
            startRecord()
            var complete = false
            while !complete {
                if position == buffer.count, try !refill() {
                    if state == .quoted {
                        throw .fatal(.line(quoteLine), "unterminated quoted field: the closing \" is missing before the end of the file")
                    }
                    if recordBytes.isEmpty && fieldEnds.isEmpty && !fieldWasQuoted && state == .start { return false }
                    endField()
                    return true
                }
                complete = buffer.withUnsafeBufferPointer { scanBytes($0) }
            }
            // A blank line (often a trailing one) is not a record with one empty field.
            let isBlank = fieldEnds == [0] && !fieldWasQuoted
            if !isBlank { return true }
        }
    }

    private func startRecord() {
        recordBytes.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        recordLine = line
        state = .start
        fieldWasQuoted = false
    }

    private func endField() {
        fieldEnds.append(recordBytes.count)
        state = .start
    }

    /// Consumes bytes from `position` until a record ends (true) or the buffer does (false).
    private func scanBytes(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let quote: UInt8 = 0x22
        let comma: UInt8 = 0x2C
        let lf: UInt8 = 0x0A
        let cr: UInt8 = 0x0D
        while position < p.count {
            let b = p[position]
            position += 1
            if b == lf { line += 1 }
            switch state {
            case .start, .unquoted:
                if b == comma {
                    endField()
                } else if b == lf {
                    if state == .unquoted, recordBytes.last == cr { recordBytes.removeLast() }
                    endField()
                    return true
                } else if b == quote && state == .start {
                    state = .quoted
                    quoteLine = line
                    fieldWasQuoted = true
                } else {
                    // A stray quote inside an unquoted field is kept as text, as spreadsheets do.
                    recordBytes.append(b)
                    state = .unquoted
                }
            case .quoted:
                if b == quote {
                    state = .quoteInQuoted
                } else {
                    recordBytes.append(b)
                }
            case .quoteInQuoted:
                if b == quote {
                    recordBytes.append(quote)
                    state = .quoted
                } else if b == comma {
                    endField()
                } else if b == lf {
                    endField()
                    return true
                } else if b != cr {
                    // Text after a closing quote ("ab"c) is kept rather than rejected.
                    recordBytes.append(b)
                    state = .unquoted
                }
            }
        }
        return false
    }
}
