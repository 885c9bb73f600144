/// A CQL2 syntax or type error, located by its 1-based character position in the filter
/// text so the 400 answer can point at it.
public struct CQL2Error: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var position: Int

    public init(_ message: String, at position: Int) {
        self.message = message
        self.position = position
    }

    public var description: String { "\(message) at position \(position)" }
}

struct CQL2Token: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// A bare word: a property name or a keyword (keywords are told apart by the parser).
        case word(String)
        /// `"name"`: always a property name, never a keyword.
        case quotedWord(String)
        case string(String)
        case number(String)
        case lparen, rparen, comma
        /// `=`, `<>`, `<`, `<=`, `>`, `>=`
        case comparison(String)
        case end
    }

    var kind: Kind
    var position: Int

    /// How the token reads in an error message.
    var shown: String {
        switch kind {
        case .word(let w): "\"\(w)\""
        case .quotedWord(let w): "\"\\\"\(w)\\\"\""
        case .string(let s): "'\(s.prefix(30))'"
        case .number(let n): n
        case .lparen: "\"(\""
        case .rparen: "\")\""
        case .comma: "\",\""
        case .comparison(let op): "\"\(op)\""
        case .end: "the end of the filter"
        }
    }

    func isWord(_ keyword: String) -> Bool {
        if case .word(let w) = kind { return w.uppercased() == keyword }
        return false
    }
}

/// Splits CQL2 text into tokens. Signs belong to numbers: this subset has no arithmetic,
/// so `-` only ever starts a negative number.
struct CQL2Lexer {
    /// 1,000 conditions such as `pipe_no = 'S-00123' OR ` take 22,000 characters.
    static let maxLength = 64_000

    static func tokens(_ text: String) throws(CQL2Error) -> [CQL2Token] {
        let s = Array(text.unicodeScalars)
        guard s.count <= maxLength else { throw CQL2Error("filter is longer than \(maxLength) characters", at: maxLength + 1) }
        var out = [CQL2Token]()
        var i = 0
        func isDigit(_ k: Int) -> Bool { k < s.count && ("0"..."9").contains(s[k]) }
        func isWordStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c == "_" || c == ":" }
        func isWordPart(_ c: Unicode.Scalar) -> Bool { isWordStart(c) || ("0"..."9").contains(c) || c == "." }
        func startsNumber(_ k: Int) -> Bool {
            if isDigit(k) { return true }
            if s[k] == "." { return isDigit(k + 1) }
            guard s[k] == "-" || s[k] == "+" else { return false }
            return isDigit(k + 1) || (k + 1 < s.count && s[k + 1] == "." && isDigit(k + 2))
        }
        while i < s.count {
            let c = s[i]
            let pos = i + 1
            if c.properties.isWhitespace {
                i += 1
            } else if c == "(" {
                out.append(.init(kind: .lparen, position: pos))
                i += 1
            } else if c == ")" {
                out.append(.init(kind: .rparen, position: pos))
                i += 1
            } else if c == "," {
                out.append(.init(kind: .comma, position: pos))
                i += 1
            } else if c == "=" {
                out.append(.init(kind: .comparison("="), position: pos))
                i += 1
            } else if c == "<" || c == ">" {
                var op = String(c)
                if i + 1 < s.count, s[i + 1] == "=" || (c == "<" && s[i + 1] == ">") {
                    op.unicodeScalars.append(s[i + 1])
                    i += 1
                }
                out.append(.init(kind: .comparison(op), position: pos))
                i += 1
            } else if c == "'" {
                var value = String.UnicodeScalarView()
                i += 1
                var closed = false
                while i < s.count {
                    if s[i] == "'" {
                        if i + 1 < s.count, s[i + 1] == "'" {
                            value.append("'")
                            i += 2
                            continue
                        }
                        closed = true
                        i += 1
                        break
                    }
                    value.append(s[i])
                    i += 1
                }
                guard closed else { throw CQL2Error("string starting here is not closed with '", at: pos) }
                out.append(.init(kind: .string(String(value)), position: pos))
            } else if c == "\"" {
                var value = String.UnicodeScalarView()
                i += 1
                while i < s.count, s[i] != "\"" {
                    value.append(s[i])
                    i += 1
                }
                guard i < s.count else { throw CQL2Error("quoted property name starting here is not closed with \"", at: pos) }
                i += 1
                out.append(.init(kind: .quotedWord(String(value)), position: pos))
            } else if startsNumber(i) {
                var text = String.UnicodeScalarView()
                if c == "-" || c == "+" {
                    text.append(c)
                    i += 1
                }
                while isDigit(i) || (i < s.count && s[i] == ".") {
                    text.append(s[i])
                    i += 1
                }
                if i < s.count, s[i] == "e" || s[i] == "E" {
                    var k = i + 1
                    if k < s.count, s[k] == "+" || s[k] == "-" { k += 1 }
                    if isDigit(k) {
                        while i < k {
                            text.append(s[i])
                            i += 1
                        }
                        while isDigit(i) {
                            text.append(s[i])
                            i += 1
                        }
                    }
                }
                let t = String(text)
                guard let d = Double(t), d.isFinite else { throw CQL2Error("\"\(t)\" is not a finite number", at: pos) }
                if i < s.count, isWordStart(s[i]) { throw CQL2Error("unexpected character \"\(s[i])\" after a number", at: i + 1) }
                out.append(.init(kind: .number(t), position: pos))
            } else if isWordStart(c) {
                var word = String.UnicodeScalarView()
                while i < s.count, isWordPart(s[i]) {
                    word.append(s[i])
                    i += 1
                }
                out.append(.init(kind: .word(String(word)), position: pos))
            } else {
                throw CQL2Error("unexpected character \"\(c)\"", at: pos)
            }
        }
        out.append(.init(kind: .end, position: s.count + 1))
        return out
    }
}
