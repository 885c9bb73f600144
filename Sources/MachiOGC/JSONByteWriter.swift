import GRDB
import MachiGeometry

/// JSON straight into UTF-8 bytes for feature pages, the hot path of the items endpoint:
/// strings are copied in runs between the few bytes that need escaping, and coordinates
/// are printed from scaled integers instead of through `Double.description`.
struct JSONByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 64 * 1024) { bytes.reserveCapacity(capacity) }

    mutating func raw(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A JSON string. Control characters, quote and backslash are escaped, and so are
    /// U+2028/U+2029, which end a line in JavaScript.
    mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { u in
            bytes.append(UInt8(ascii: "\""))
            var start = 0
            var i = 0
            while i < u.count {
                let b = u[i]
                var escape: StaticString?
                var skip = 1
                switch b {
                case UInt8(ascii: "\""): escape = "\\\""
                case UInt8(ascii: "\\"): escape = "\\\\"
                case UInt8(ascii: "\n"): escape = "\\n"
                case UInt8(ascii: "\r"): escape = "\\r"
                case UInt8(ascii: "\t"): escape = "\\t"
                case 0xE2 where i + 2 < u.count && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9):
                    escape = u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
                    skip = 3
                case ..<0x20: escape = nil
                default:
                    i += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i]))
                if let escape {
                    raw(escape)
                } else {
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
                }
                i += skip
                start = i
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<u.count]))
            bytes.append(UInt8(ascii: "\""))
        }
    }

    mutating func int(_ n: Int64) {
        if n < 0 {
            bytes.append(UInt8(ascii: "-"))
            if n == .min {
                raw("9223372036854775808")
                return
            }
        }
        digits(UInt64(n.magnitude), width: 0)
    }

    /// Decimal digits of `n`, left-padded with zeros to `width`.
    private mutating func digits(_ n: UInt64, width: Int) {
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &buffer) { tmp in
            var v = n
            var k = tmp.count
            repeat {
                k -= 1
                tmp[k] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0 || tmp.count - k < width
            bytes.append(contentsOf: tmp[k...])
        }
    }

    static let scales: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]

    /// `d` rounded to `decimals` places (at most 9), without trailing zeros: the same value
    /// `GeoJSONWriter.number` writes.
    mutating func fixed(_ d: Double, decimals: Int) {
        let scale = Self.scales[decimals]
        let scaled = (d * scale).rounded()
        guard d.isFinite, abs(scaled) < 9e15 else {
            raw(d.isFinite ? "\(d)" : "null")
            return
        }
        let n = Int64(scaled)
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        let m = n.magnitude
        let unit = UInt64(scale)
        digits(m / unit, width: 0)
        var frac = m % unit
        guard frac > 0 else { return }
        var width = decimals
        while frac % 10 == 0 {
            frac /= 10
            width -= 1
        }
        bytes.append(UInt8(ascii: "."))
        digits(frac, width: width)
    }

    mutating func value(_ v: DatabaseValue) {
        switch v.storage {
        case .null, .blob: raw("null")
        case .int64(let i): int(i)
        case .double(let d): raw(d.isFinite ? "\(d)" : "null")
        case .string(let s): string(s)
        }
    }

    mutating func position(_ p: Position, decimals: Int) {
        bytes.append(UInt8(ascii: "["))
        fixed(p.x, decimals: decimals)
        bytes.append(UInt8(ascii: ","))
        fixed(p.y, decimals: decimals)
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func path(_ ps: [Position], decimals: Int) {
        bytes.append(UInt8(ascii: "["))
        for (i, p) in ps.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            position(p, decimals: decimals)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func rings(_ rs: [[Position]], decimals: Int) {
        bytes.append(UInt8(ascii: "["))
        for (i, r) in rs.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            path(r, decimals: decimals)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A GeoJSON geometry object.
    mutating func geometry(_ g: Geometry, decimals: Int) {
        raw("{\"type\":\"")
        raw(g.type.rawValue)
        raw("\",\"coordinates\":")
        switch g {
        case .point(let p): position(p, decimals: decimals)
        case .lineString(let ps), .multiPoint(let ps): path(ps, decimals: decimals)
        case .polygon(let rs), .multiLineString(let rs): rings(rs, decimals: decimals)
        case .multiPolygon(let polys):
            bytes.append(UInt8(ascii: "["))
            for (i, p) in polys.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                rings(p, decimals: decimals)
            }
            bytes.append(UInt8(ascii: "]"))
        }
        bytes.append(UInt8(ascii: "}"))
    }
}
