/// The canonical form of a request path, so that routing, cache policy and file serving
/// all see one spelling of each resource.
///
/// Hummingbird's router skips empty segments, so `//api/parking/incidents` reached the
/// staff handler while a prefix test for `/api/parking` missed it (no `no-store`); the
/// file middleware percent-decodes and hands the name to the OS, so `/index.html%00.js`
/// was served as `index.html`. Rather than teach each consumer every spelling, requests
/// are checked up front:
/// - **invalid** (400): a byte that is not allowed raw in a path (controls, space, non-ASCII,
///   `"<>\^`{|}#`), a bad `%` escape, an escape that decodes to a control character, or
///   escapes that do not decode to UTF-8;
/// - **non-canonical** (308 to the canonical path for GET/HEAD, so a client that joined
///   `…/ogc/` + `/collections` still works; 400 for other methods): empty segments, `.` and
///   `..` segments, and percent-encoded unreserved characters (`%61` for `a`);
/// - canonical: everything else. A trailing slash is kept (it names the folder's index page)
///   and encoded reserved characters such as `%2F` stay encoded: they mean something else
///   than the raw character (RFC 3986 §6.2.2).
public enum RequestPath {
    public enum Verdict: Equatable, Sendable {
        case canonical
        case nonCanonical(String)
        case invalid(String)
    }

    public static func check(_ path: String) -> Verdict {
        guard path.utf8.first == UInt8(ascii: "/") else { return .invalid("must start with /") }
        var decodedUnreserved = [UInt8]()  // the path with escaped unreserved characters decoded
        var fullyDecoded = [UInt8]()  // every escape decoded, to test for controls and UTF-8
        decodedUnreserved.reserveCapacity(path.utf8.count)
        var bytes = path.utf8.makeIterator()
        var changed = false
        while let b = bytes.next() {
            if b == UInt8(ascii: "%") {
                guard let h = bytes.next().flatMap(hexValue), let l = bytes.next().flatMap(hexValue) else {
                    return .invalid("bad percent-encoding (% must be followed by two hex digits)")
                }
                let c = h << 4 | l
                if c < 0x20 || c == 0x7F { return .invalid("contains an encoded control character (%\(hex(c)))") }
                fullyDecoded.append(c)
                if isUnreserved(c) {
                    decodedUnreserved.append(c)
                    changed = true
                } else {
                    decodedUnreserved += [UInt8(ascii: "%"), upperHex(h), upperHex(l)]
                }
            } else {
                guard isAllowedRaw(b) else {
                    return .invalid(
                        b < 0x20 || b == 0x7F
                            ? "contains a control character"
                            : b >= 0x80
                                ? "contains raw non-ASCII bytes; percent-encode them as UTF-8"
                                : "contains \"\(Character(Unicode.Scalar(b)))\", which must be percent-encoded")
                }
                decodedUnreserved.append(b)
                fullyDecoded.append(b)
            }
        }
        guard String(validating: fullyDecoded, as: UTF8.self) != nil else {
            return .invalid("percent-encoded bytes are not UTF-8")
        }
        let text = String(decoding: decodedUnreserved, as: UTF8.self)
        let canonical = removeDotAndEmptySegments(text)
        return changed || canonical != text ? .nonCanonical(canonical) : .canonical
    }

    /// The path as routing sees it after `check`: the canonical form, or nil when invalid.
    /// For policies that must hold even on answers to refused requests.
    public static func normalised(_ path: String) -> String? {
        switch check(path) {
        case .canonical: path
        case .nonCanonical(let c): c
        case .invalid: nil
        }
    }

    /// RFC 3986 §5.2.4 on segments, also dropping empty ones; a trailing slash stays.
    static func removeDotAndEmptySegments(_ path: String) -> String {
        var out = [Substring]()
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for s in segments {
            switch s {
            case "", ".": continue
            case "..": _ = out.popLast()
            default: out.append(s)
            }
        }
        let last = segments.last
        let trailing = !out.isEmpty && (last == "" || last == "." || last == "..")
        return "/" + out.joined(separator: "/") + (trailing ? "/" : "")
    }

    static func isUnreserved(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E || c == 0x5F
            || c == 0x7E
    }

    /// Visible ASCII except the characters RFC 3986 never allows raw in a path (and `#`,
    /// `?` which end it). `[`/`]` are let through: some clients send them raw in tile
    /// templates and they are harmless here.
    static func isAllowedRaw(_ c: UInt8) -> Bool {
        guard c > 0x20, c < 0x7F else { return false }
        return !"\"<>\\^`{|}#".utf8.contains(c)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    static func upperHex(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x41 + v - 10 }
    static func hex(_ c: UInt8) -> String { String(decoding: [upperHex(c >> 4), upperHex(c & 0xF)], as: UTF8.self) }
}
