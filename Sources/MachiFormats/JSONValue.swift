/// A parsed JSON value. Objects keep their member order because GeoJSON properties become
/// columns in the order the file lists them.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Compact JSON text, used to keep nested property values as one string column.
    var jsonText: String {
        var out = ""
        write(into: &out)
        return out
    }

    private func write(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let n): out += n.int.map { String($0) } ?? (n.double.isFinite ? "\(n.double)" : "null")
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                item.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (k, member) in members.enumerated() {
                if k > 0 { out += "," }
                JSONValue.writeString(member.key, into: &out)
                out += ":"
                member.value.write(into: &out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

struct JSONNumber: Sendable {
    var double: Double
    /// Set when the literal has no fraction or exponent and fits Int64, so ids and counts
    /// survive exactly instead of going through Double.
    var int: Int64?
}

struct JSONSyntaxError: Error {
    /// Byte offset into the parsed buffer.
    var offset: Int
    var message: String
}

/// A strict RFC 8259 parser over bytes already in memory, with a nesting limit so hostile
/// input cannot exhaust the stack.
///
/// It indexes a raw pointer and compares against integer literals (commented with their
/// character) because it runs once per feature over the whole file, and in debug builds, where
/// the tests run, buffer subscripts and `UInt8(ascii:)` are real function calls.
struct JSONParser {
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private let maxDepth: Int
    private var i = 0

    private init(base: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.base = base
        self.count = count
        self.maxDepth = maxDepth
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = 64) throws(JSONSyntaxError) -> JSONValue {
        guard let base = bytes.baseAddress else { throw JSONSyntaxError(offset: 0, message: "unexpected end of input") }
        var parser = JSONParser(base: base, count: bytes.count, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.i == parser.count else { throw parser.error("unexpected \(parser.describeCurrent()) after the value") }
        return value
    }

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: i, message: message)
    }

    private func describeCurrent() -> String {
        guard i < count else { return "end of input" }
        let b = base[i]
        return (0x21..<0x7F).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    private mutating func skipWhitespace() {
        while i < count {
            let b = base[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard i < count else { throw error("unexpected end of input") }
        let b = base[i]
        if b == 0x22 { return .string(try parseString()) }  // "
        if b == 0x2D || (b >= 0x30 && b <= 0x39) { return .number(try parseNumber()) }  // - 0-9
        if b == 0x7B { return try parseObject(depth: depth + 1) }  // {
        if b == 0x5B { return try parseArray(depth: depth + 1) }  // [
        if b == 0x74 {  // t
            try expectLiteral("true")
            return .bool(true)
        }
        if b == 0x66 {  // f
            try expectLiteral("false")
            return .bool(false)
        }
        if b == 0x6E {  // n
            try expectLiteral("null")
            return .null
        }
        throw error("unexpected \(describeCurrent())")
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let n = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        guard i + n <= count, (0..<n).allSatisfy({ base[i + $0] == expected[$0] }) else {
            throw error("invalid literal, expected \(literal)")
        }
        i += n
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        i += 1
        var members: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        if i < count, base[i] == 0x7D {  // }
            i += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard i < count, base[i] == 0x22 else {  // "
                throw error("expected a member name in quotes, found \(describeCurrent())")
            }
            let key = try parseString()
            skipWhitespace()
            guard i < count, base[i] == 0x3A else {  // :
                throw error("expected ':' after member name \"\(key)\", found \(describeCurrent())")
            }
            i += 1
            skipWhitespace()
            members.append((key, try parseValue(depth: depth)))
            skipWhitespace()
            guard i < count else { throw error("unexpected end of input inside an object") }
            if base[i] == 0x2C {  // ,
                i += 1
            } else if base[i] == 0x7D {  // }
                i += 1
                return .object(members)
            } else {
                throw error("expected ',' or '}' in an object, found \(describeCurrent())")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth <= maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        i += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if i < count, base[i] == 0x5D {  // ]
            i += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard i < count else { throw error("unexpected end of input inside an array") }
            if base[i] == 0x2C {  // ,
                i += 1
            } else if base[i] == 0x5D {  // ]
                i += 1
                return .array(items)
            } else {
                throw error("expected ',' or ']' in an array, found \(describeCurrent())")
            }
        }
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        i += 1
        let start = i
        var hasNonASCII = false
        // Most strings have no escapes and can be decoded straight from the input.
        while i < count {
            let b = base[i]
            if b == 0x22 {  // "
                let slice = UnsafeBufferPointer(start: base + start, count: i - start)
                i += 1
                return try makeString(slice, hasNonASCII: hasNonASCII, offset: start)
            }
            if b == 0x5C { break }  // \
            if b < 0x20 { throw error("control character 0x\(String(b, radix: 16)) inside a string (escape it)") }
            if b >= 0x80 { hasNonASCII = true }
            i += 1
        }
        var buffer = Array(UnsafeBufferPointer(start: base + start, count: i - start))
        while i < count {
            let b = base[i]
            if b == 0x22 {  // "
                i += 1
                return try buffer.withUnsafeBufferPointer { (p) throws(JSONSyntaxError) in
                    try makeString(p, hasNonASCII: hasNonASCII, offset: start)
                }
            }
            if b < 0x20 { throw error("control character 0x\(String(b, radix: 16)) inside a string (escape it)") }
            if b >= 0x80 { hasNonASCII = true }
            if b != 0x5C {  // \
                buffer.append(b)
                i += 1
                continue
            }
            i += 1
            guard i < count else { break }
            switch base[i] {
            case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                let scalar = try parseUnicodeEscape()
                UTF8.encode(scalar) { buffer.append($0) }
                continue
            default:
                throw error("invalid escape \\\(describeCurrent())")
            }
            i += 1
        }
        throw error("unterminated string")
    }

    private func makeString(_ p: UnsafeBufferPointer<UInt8>, hasNonASCII: Bool, offset: Int) throws(JSONSyntaxError) -> String {
        if hasNonASCII, let bad = UTF8Validation.firstInvalidOffset(in: p) {
            throw JSONSyntaxError(offset: offset + bad, message: "invalid UTF-8 in a string (JSON text must be UTF-8)")
        }
        return String(decoding: p, as: UTF8.self)
    }

    /// Reads `uXXXX` (i at the `u`), joining a surrogate pair; a lone surrogate becomes U+FFFD
    /// because Swift strings cannot hold one.
    private mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        let high = try parseHex4()
        if (0xD800..<0xDC00).contains(high), i + 1 < count, base[i] == 0x5C, base[i + 1] == 0x75 {  // \u
            let save = i
            i += 1
            let low = try parseHex4()
            if (0xDC00..<0xE000).contains(low) {
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
            }
            i = save
        }
        return Unicode.Scalar(high) ?? "\u{FFFD}"
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        i += 1
        guard i + 4 <= count else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = base[i]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit \(describeCurrent()) in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }

    private static let exactPowersOf10: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private func isDigit(at k: Int) -> Bool {
        k < count && base[k] >= 0x30 && base[k] <= 0x39
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = i
        let negative = base[i] == 0x2D  // -
        if negative { i += 1 }
        guard isDigit(at: i) else { throw error("invalid number") }
        // Up to 19 significant digits are kept exactly; any beyond only shift the exponent and
        // send the value to the slow, exact path.
        let mantissaLimit: UInt64 = (UInt64.max - 9) / 10
        var mantissa: UInt64 = 0
        var exponent = 0
        var inexact = false
        var isInteger = true
        if base[i] == 0x30 {  // 0
            i += 1
            if isDigit(at: i) { throw error("leading zeros are not allowed in numbers") }
        } else {
            while i < count, base[i] >= 0x30, base[i] <= 0x39 {
                if mantissa <= mantissaLimit {
                    mantissa = mantissa * 10 + UInt64(base[i] - 0x30)
                } else {
                    inexact = true
                    exponent += 1
                }
                i += 1
            }
        }
        if i < count, base[i] == 0x2E {  // .
            isInteger = false
            i += 1
            guard isDigit(at: i) else { throw error("invalid number: a digit must follow '.'") }
            while i < count, base[i] >= 0x30, base[i] <= 0x39 {
                if mantissa <= mantissaLimit {
                    mantissa = mantissa * 10 + UInt64(base[i] - 0x30)
                    exponent -= 1
                } else {
                    inexact = true
                }
                i += 1
            }
        }
        if i < count, base[i] == 0x65 || base[i] == 0x45 {  // e E
            isInteger = false
            i += 1
            var exponentSign = 1
            if i < count, base[i] == 0x2B || base[i] == 0x2D {  // + -
                if base[i] == 0x2D { exponentSign = -1 }
                i += 1
            }
            guard isDigit(at: i) else { throw error("invalid number: a digit must follow the exponent") }
            var e = 0
            while i < count, base[i] >= 0x30, base[i] <= 0x39 {
                e = min(e * 10 + Int(base[i] - 0x30), 100_000)
                i += 1
            }
            exponent += exponentSign * e
        }

        var int: Int64?
        if isInteger && !inexact {
            if negative {
                if mantissa <= UInt64(Int64.max) + 1 { int = mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa) }
            } else if mantissa <= UInt64(Int64.max) {
                int = Int64(mantissa)
            }
        }
        // Both operands exact and one rounding step: the result is correctly rounded (Clinger's fast path).
        if !inexact, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            let magnitude = Double(mantissa)
            let scaled = exponent >= 0 ? magnitude * Self.exactPowersOf10[exponent] : magnitude / Self.exactPowersOf10[-exponent]
            return JSONNumber(double: negative ? -scaled : scaled, int: int)
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: i - start), as: UTF8.self)
        guard let value = Double(text) else { throw JSONSyntaxError(offset: start, message: "invalid number \(text)") }
        return JSONNumber(double: value, int: int)
    }
}
