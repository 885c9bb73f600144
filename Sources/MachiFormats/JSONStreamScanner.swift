/// A framing problem in a JSON stream, with the line a person would look at.
struct JSONScanError: Error {
    enum Kind {
        case syntax
        case endOfFile
        case tooLarge
        case tooDeep
        case io
        /// Well-formed JSON that is not GeoJSON the reader can use.
        case notGeoJSON
    }

    var kind: Kind
    var line: Int
    var message: String
}

/// Walks a JSON file byte by byte without building values, so a caller can find where each
/// value starts and ends and keep only the one it is interested in. Holds the current chunk
/// plus, while a value is being kept, that value's bytes.
final class JSONStreamScanner {
    private let file: ChunkedFile
    private var buffer: [UInt8] = []
    /// File offset of `buffer[0]`.
    private var bufferOffset: Int64
    private var position = 0
    /// Start of the value being kept; bytes before it may be discarded on refill.
    private var anchor: Int?
    /// 1-based line of the byte at `position`.
    private(set) var line: Int
    /// Largest the buffer has been, which is what bounds the reader's memory.
    private(set) var peakBufferCount = 0

    init(file: ChunkedFile, line: Int = 1) {
        self.file = file
        self.bufferOffset = file.offset
        self.line = line
    }

    var fileOffset: Int64 { bufferOffset + Int64(position) }

    private func refill() throws(JSONScanError) -> Bool {
        let keepFrom = anchor ?? position
        // Compacting only once half the buffer is dead keeps the copying linear even when a
        // kept value spans many chunks.
        if keepFrom > 0 && keepFrom * 2 >= buffer.count {
            buffer.removeSubrange(0..<keepFrom)
            bufferOffset += Int64(keepFrom)
            position -= keepFrom
            if anchor != nil { anchor = 0 }
        }
        let count: Int
        do {
            count = try file.readChunk(into: &buffer)
        } catch {
            throw JSONScanError(kind: .io, line: line, message: error.message)
        }
        peakBufferCount = max(peakBufferCount, buffer.count)
        return count > 0
    }

    /// Skips a UTF-8 byte-order mark at the very start of the file.
    func skipByteOrderMark() throws(JSONScanError) {
        while buffer.count - position < 3 {
            guard try refill() else { break }
        }
        if buffer[position...].starts(with: TextEncoding.utf8BOM) { position += 3 }
    }

    /// The next byte that is not JSON whitespace, left unconsumed; nil at the end of the file.
    func peekSignificant() throws(JSONScanError) -> UInt8? {
        while true {
            while position < buffer.count {
                let b = buffer[position]
                if b == 0x0A {
                    line += 1
                } else if b != 0x20 && b != 0x09 && b != 0x0D {
                    return b
                }
                position += 1
            }
            guard try refill() else { return nil }
        }
    }

    /// Consumes the byte `peekSignificant` returned.
    func consumeByte() {
        position += 1
    }

    func syntaxError(_ message: String) -> JSONScanError {
        JSONScanError(kind: .syntax, line: line, message: message)
    }

    static func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "end of file" }
        return (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    /// Advances past one complete JSON value, checking only its framing: strings and escapes,
    /// bracket matching, nesting depth and size. With `keep` the value's bytes stay buffered
    /// until `release()` and their range is returned; the caller parses them.
    @discardableResult
    func scanValue(keep: Bool, maxBytes: Int, maxDepth: Int, checkBrackets: Bool = true) throws(JSONScanError) -> Range<Int>? {
        guard let first = try peekSignificant() else {
            throw JSONScanError(kind: .endOfFile, line: line, message: "unexpected end of file, expected a value")
        }
        let start = position
        if keep { anchor = start }
        if first != UInt8(ascii: "{") && first != UInt8(ascii: "[") && first != UInt8(ascii: "\"") {
            try scanScalar(maxBytes: min(maxBytes, 4096))
            return keep ? anchor!..<position : nil
        }
        var frame = FrameState(maxDepth: maxDepth, checkBrackets: checkBrackets)
        while true {
            let outcome = buffer.withUnsafeBufferPointer { frame.scan($0, from: position) }
            switch outcome {
            case .complete(let end):
                line += frame.newlines
                position = end
                guard let anchor else { return nil }
                if position - anchor > maxBytes { throw tooLarge(maxBytes) }
                return anchor..<position
            case .needMore:
                line += frame.newlines
                frame.newlines = 0
                position = buffer.count
                if let anchor, position - anchor > maxBytes { throw tooLarge(maxBytes) }
                guard try refill() else {
                    throw JSONScanError(kind: .endOfFile, line: line, message: "unexpected end of file (is the file truncated?)")
                }
            case .failed(let at, let kind, let message):
                line += frame.newlines
                position = at
                throw JSONScanError(kind: kind, line: line, message: message)
            }
        }
    }

    private func tooLarge(_ maxBytes: Int) -> JSONScanError {
        JSONScanError(kind: .tooLarge, line: line, message: "value is larger than \(maxBytes) bytes")
    }

    /// Numbers and literals: their framing is their grammar, so check it here rather than
    /// let garbage such as `tru` or `12abc` pass as a skipped value.
    private func scanScalar(maxBytes: Int) throws(JSONScanError) {
        var token: [UInt8] = []
        while true {
            while position < buffer.count {
                let b = buffer[position]
                let isTokenByte =
                    (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                    || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+")
                    || b == UInt8(ascii: ".")
                guard isTokenByte else { return try validate(token) }
                guard token.count < maxBytes else { throw syntaxError("value is too long") }
                token.append(b)
                position += 1
            }
            guard try refill() else { return try validate(token) }
        }
    }

    private func validate(_ token: [UInt8]) throws(JSONScanError) {
        let valid = token.withUnsafeBufferPointer { p -> Bool in
            guard !token.isEmpty else { return false }
            return (try? JSONParser.parse(p, maxDepth: 0)) != nil
        }
        guard valid else {
            if token.isEmpty { throw syntaxError("unexpected \(Self.describe(position < buffer.count ? buffer[position] : nil))") }
            throw syntaxError("invalid value \(String(decoding: token, as: UTF8.self))")
        }
    }

    /// Runs `body` on the bytes of a value returned by `scanValue(keep: true, …)`.
    func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        buffer.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    /// Lets the kept value's bytes be discarded.
    func release() {
        anchor = nil
    }
}

/// The scanning loop's state, kept in a struct so a value can be scanned across chunk
/// boundaries and the loop works on locals.
private struct FrameState {
    enum Outcome {
        case complete(end: Int)
        case needMore
        case failed(at: Int, JSONScanError.Kind, String)
    }

    let maxDepth: Int
    /// Off when skipping values deeper than `opens` can record; then only depth is tracked.
    let checkBrackets: Bool
    var depth = 0
    /// Bit k tells whether nesting level k + 1 is an object (1) or an array (0).
    var opens: UInt64 = 0
    var inString = false
    var escaped = false
    var newlines = 0

    init(maxDepth: Int, checkBrackets: Bool) {
        self.maxDepth = checkBrackets ? min(maxDepth, 64) : maxDepth
        self.checkBrackets = checkBrackets
    }

    /// Written against a raw pointer and integer literals because this loop sees every byte of
    /// the file, and in debug builds (where the tests run) buffer subscripts and
    /// `UInt8(ascii:)` are real calls.
    mutating func scan(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int) -> Outcome {
        guard let p = buffer.baseAddress else { return .needMore }
        let quote: UInt8 = 0x22
        let backslash: UInt8 = 0x5C
        let newline: UInt8 = 0x0A
        let openBrace: UInt8 = 0x7B
        let closeBrace: UInt8 = 0x7D
        let openBracket: UInt8 = 0x5B
        let closeBracket: UInt8 = 0x5D

        var depth = self.depth
        var opens = self.opens
        var inString = self.inString
        var escaped = self.escaped
        var newlines = self.newlines
        defer {
            self.depth = depth
            self.opens = opens
            self.inString = inString
            self.escaped = escaped
            self.newlines = newlines
        }
        var i = start
        let end = buffer.count
        while i < end {
            let b = p[i]
            if inString {
                if escaped {
                    escaped = false
                } else if b == backslash {
                    escaped = true
                } else if b == quote {
                    inString = false
                    if depth == 0 { return .complete(end: i + 1) }
                } else if b == newline {
                    newlines += 1
                }
            } else if b == quote {
                inString = true
            } else if b == openBrace || b == openBracket {
                depth += 1
                if depth > maxDepth { return .failed(at: i, .tooDeep, "nesting deeper than \(maxDepth) levels") }
                opens = opens << 1 | (b == openBrace ? 1 : 0)
            } else if b == closeBrace || b == closeBracket {
                if checkBrackets && (opens & 1 == 1) != (b == closeBrace) {
                    let message = b == closeBrace ? "'}' where an array needs ']'" : "']' where an object needs '}'"
                    return .failed(at: i, .syntax, message)
                }
                depth -= 1
                opens >>= 1
                if depth == 0 { return .complete(end: i + 1) }
            } else if b == newline {
                newlines += 1
            }
            i += 1
        }
        return .needMore
    }
}
