#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The text encodings Japanese municipal data arrives in.
public enum TextEncoding: String, Sendable, Hashable, CaseIterable {
    case utf8
    /// Windows-31J: Shift_JIS plus the NEC and IBM extensions (①, ㈱, 髙 …) that Japanese
    /// Windows software writes and plain Shift_JIS decoders reject.
    case cp932

    static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

    var displayName: String {
        switch self {
        case .utf8: "UTF-8"
        case .cp932: "CP932"
        }
    }

    /// Valid UTF-8 (pure ASCII included) is taken as UTF-8 and anything else as CP932: a
    /// CP932 text of any length is almost never valid UTF-8, while the reverse guess would
    /// silently mangle UTF-8 files.
    public static func detect(_ bytes: some Collection<UInt8>) -> TextEncoding {
        let isUTF8 =
            bytes.withContiguousStorageIfAvailable { UTF8Validation.firstInvalidOffset(in: $0) == nil }
            ?? Array(bytes).withUnsafeBufferPointer { UTF8Validation.firstInvalidOffset(in: $0) == nil }
        return isUTF8 ? .utf8 : .cp932
    }

    /// The bytes after a leading UTF-8 byte-order mark, which Windows editors add and which is not part of the text.
    public static func strippingBOM<C: Collection<UInt8>>(_ bytes: C) -> C.SubSequence {
        bytes.starts(with: utf8BOM) ? bytes.dropFirst(utf8BOM.count) : bytes[...]
    }
}

public enum TextConversionError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidBytes(TextEncoding, byteOffset: Int)
    case unencodable(Character, TextEncoding, characterOffset: Int)
    case converterUnavailable(TextEncoding)

    public var description: String {
        switch self {
        case .invalidBytes(let encoding, let offset):
            return "invalid \(encoding.displayName) byte sequence at byte offset \(offset)"
        case .unencodable(let character, let encoding, let offset):
            let codes = character.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }
            return "\"\(character)\" (\(codes.joined(separator: " "))) at character \(offset) cannot be encoded in \(encoding.displayName)"
        case .converterUnavailable(let encoding):
            return "this system's iconv has no \(encoding.displayName) converter"
        }
    }
}

enum UTF8Validation {
    /// Offset of the first byte that does not belong to a well-formed UTF-8 sequence, nil when
    /// all are. With `allowTruncatedEnd` a sequence cut off by the end of the buffer counts as
    /// valid, because the rest of it may be in the next chunk.
    static func firstInvalidOffset(in p: UnsafeBufferPointer<UInt8>, allowTruncatedEnd: Bool = false) -> Int? {
        let n = p.count
        var i = 0
        while i < n {
            let b = p[i]
            if b < 0x80 {
                i += 1
                continue
            }
            // Ranges from RFC 3629 §4, which exclude overlong forms, surrogates and values past U+10FFFF.
            var need = 1
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch b {
            case 0xC2...0xDF: need = 1
            case 0xE0: (need, low) = (2, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: need = 2
            case 0xED: (need, high) = (2, 0x9F)
            case 0xF0: (need, low) = (3, 0x90)
            case 0xF1...0xF3: need = 3
            case 0xF4: (need, high) = (3, 0x8F)
            default: return i
            }
            for k in 1...need {
                guard i + k < n else { return allowTruncatedEnd ? nil : i }
                let c = p[i + k]
                if k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF) { return i }
            }
            i += need + 1
        }
        return nil
    }
}

/// Owns one iconv conversion descriptor. iconv keeps conversion state in it, so an instance
/// must stay on one thread; that is why this class is not Sendable.
final class IconvConverter {
    enum Failure: Error {
        /// Input offset of the first byte that could not be converted.
        case invalid(offset: Int)
    }

    private let descriptor: iconv_t

    init?(from source: String, to target: String) {
        let descriptor = iconv_open(target, source)
        guard let descriptor, Int(bitPattern: descriptor) != -1 else { return nil }
        self.descriptor = descriptor
    }

    deinit {
        iconv_close(descriptor)
    }

    func convert(_ input: UnsafeBufferPointer<UInt8>, expansion: Int) -> Result<[UInt8], Failure> {
        guard let base = input.baseAddress, input.count > 0 else { return .success([]) }
        _ = iconv(descriptor, nil, nil, nil, nil)
        var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: base).assumingMemoryBound(to: CChar.self)
        var inLeft = input.count
        var output = [UInt8](repeating: 0, count: input.count * expansion + 8)
        var produced = 0
        while true {
            var failure: Int32 = 0
            output.withUnsafeMutableBufferPointer { out in
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(out.baseAddress! + produced)
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = out.count - produced
                let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                if result == -1 { failure = errno }
                produced = out.count - outLeft
            }
            if failure == 0 { break }
            if failure == E2BIG {
                output.append(contentsOf: repeatElement(0, count: output.count))
                continue
            }
            // EILSEQ (not in the source encoding) and EINVAL (cut off at the end) both mean bad input here.
            return .failure(.invalid(offset: input.count - inLeft))
        }
        output.removeLast(output.count - produced)
        return .success(output)
    }
}

/// Decodes bytes in one encoding to String. Not Sendable: it owns an iconv descriptor.
public final class TextDecoder {
    public let encoding: TextEncoding
    private let converter: IconvConverter?

    public init(_ encoding: TextEncoding) throws(TextConversionError) {
        self.encoding = encoding
        switch encoding {
        case .utf8:
            converter = nil
        case .cp932:
            guard let converter = IconvConverter(from: "CP932", to: "UTF-8") else { throw .converterUnavailable(encoding) }
            self.converter = converter
        }
    }

    /// Throws `.invalidBytes` with the offset of the first bad byte rather than substituting
    /// U+FFFD, so a wrong encoding guess is reported instead of stored as garbage.
    public func decode(_ bytes: some Collection<UInt8>) throws(TextConversionError) -> String {
        let result =
            bytes.withContiguousStorageIfAvailable { decode(buffer: $0) }
            ?? Array(bytes).withUnsafeBufferPointer { decode(buffer: $0) }
        return try result.get()
    }

    func decode(buffer: UnsafeBufferPointer<UInt8>) -> Result<String, TextConversionError> {
        if buffer.allSatisfy({ $0 < 0x80 }) {
            return .success(String(decoding: buffer, as: UTF8.self))
        }
        switch encoding {
        case .utf8:
            var body = buffer
            if buffer.starts(with: TextEncoding.utf8BOM) { body = UnsafeBufferPointer(rebasing: buffer.dropFirst(3)) }
            if let bad = UTF8Validation.firstInvalidOffset(in: body) {
                return .failure(.invalidBytes(.utf8, byteOffset: bad + (buffer.count - body.count)))
            }
            return .success(String(decoding: body, as: UTF8.self))
        case .cp932:
            // A CP932 character is one or two bytes and becomes at most three UTF-8 bytes.
            switch converter!.convert(buffer, expansion: 3) {
            case .success(let utf8): return .success(String(decoding: utf8, as: UTF8.self))
            case .failure(.invalid(let offset)): return .failure(.invalidBytes(.cp932, byteOffset: offset))
            }
        }
    }
}

/// Encodes String to bytes in one encoding. Not Sendable: it owns an iconv descriptor.
public final class TextEncoder {
    public let encoding: TextEncoding
    private let converter: IconvConverter?

    public init(_ encoding: TextEncoding) throws(TextConversionError) {
        self.encoding = encoding
        switch encoding {
        case .utf8:
            converter = nil
        case .cp932:
            guard let converter = IconvConverter(from: "UTF-8", to: "CP932") else { throw .converterUnavailable(encoding) }
            self.converter = converter
        }
    }

    /// Throws `.unencodable` naming the first character CP932 has no code for (emoji, most
    /// non-Japanese scripts). glibc's CP932 also accepts the JIS-style code points (U+301C
    /// WAVE DASH, U+2212 MINUS …) that text from Macs carries, so those pass.
    public func encode(_ text: String) throws(TextConversionError) -> [UInt8] {
        guard let converter else { return Array(text.utf8) }
        let utf8 = Array(text.utf8)
        if utf8.allSatisfy({ $0 < 0x80 }) { return utf8 }
        let result = utf8.withUnsafeBufferPointer { converter.convert($0, expansion: 1) }
        switch result {
        case .success(let bytes):
            return bytes
        case .failure(.invalid(let offset)):
            let index = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
            let scalar = text.unicodeScalars[index]
            throw .unencodable(Character(scalar), encoding, characterOffset: text[..<index].count)
        }
    }

    /// 〓 (GETA MARK), the substitution mark of Japanese typesetting, which CP932 has (0x81AC).
    public static let substitutionMark: Character = "\u{3013}"

    /// Like `encode(_:)`, but a scalar the encoding has no code for becomes `replacement`
    /// instead of failing the whole text: for exports, where one emoji in a note must not
    /// cost the reader every other row. Invisible modifiers that follow it (variation
    /// selectors, skin tones, zero-width joiner, tag characters) go with it, so 👍🏽 is one
    /// mark; the text before it is never touched, so a delimiter next to an emoji survives.
    /// Encode field by field: the work is repeated once per substitution. Throws only when
    /// `replacement` itself is unencodable.
    public func encode(_ text: String, substituting replacement: Character) throws(TextConversionError) -> (
        bytes: [UInt8], substitutions: Int
    ) {
        guard let converter else { return (Array(text.utf8), 0) }
        let mark = try encode(String(replacement))
        var out = [UInt8]()
        var substitutions = 0
        var rest = Array(text.utf8)[...]
        while !rest.isEmpty {
            if rest.allSatisfy({ $0 < 0x80 }) {
                out += rest
                break
            }
            switch rest.withUnsafeBufferPointer({ converter.convert($0, expansion: 1) }) {
            case .success(let bytes):
                out += bytes
                rest = rest[rest.endIndex...]
            case .failure(.invalid(let offset)):
                let bad = rest.startIndex + offset
                if offset > 0 {
                    // The part before the failure converted cleanly once already.
                    guard case .success(let bytes) = rest[..<bad].withUnsafeBufferPointer({ converter.convert($0, expansion: 1) }) else {
                        throw .unencodable(replacement, encoding, characterOffset: 0)
                    }
                    out += bytes
                }
                out += mark
                substitutions += 1
                var next = bad + Self.scalarLength(rest[bad])
                while next < rest.endIndex, let (scalar, length) = Self.scalar(in: rest, at: next), Self.isInvisibleModifier(scalar) {
                    next += length
                }
                rest = rest[next...]
            }
        }
        return (out, substitutions)
    }

    static func scalarLength(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    static func scalar(in bytes: ArraySlice<UInt8>, at i: Int) -> (UInt32, Int)? {
        let n = scalarLength(bytes[i])
        guard i + n <= bytes.endIndex else { return nil }
        if n == 1 { return (UInt32(bytes[i]), 1) }
        var v = UInt32(bytes[i]) & (0xFF >> (n + 1))
        for k in 1..<n { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
        return (v, n)
    }

    static func isInvisibleModifier(_ v: UInt32) -> Bool {
        (0xFE00...0xFE0F).contains(v) || v == 0x200D || (0x1F3FB...0x1F3FF).contains(v) || (0xE0020...0xE007F).contains(v)
            || (0xE0100...0xE01EF).contains(v)
    }
}
