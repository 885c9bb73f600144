import Foundation
public import GRDB
public import MachiGeometry

/// Writes RFC 7946 GeoJSON text directly: output is on every request's hot path, and
/// building strings avoids an intermediate object tree. Coordinates are CRS84 lon/lat
/// rounded to 7 decimals (about 1 cm).
public enum GeoJSONWriter {
    public static func escape(_ s: String, into out: inout String) {
        // Most values (numbers, codes, Japanese text) need no escaping: copy them whole.
        var clean = true
        var previous: (UInt8, UInt8) = (0, 0)
        for b in s.utf8 {
            // U+2028 and U+2029 (E2 80 A8/A9) are valid JSON but break JavaScript embedding.
            if b < 0x20 || b == 0x22 || b == 0x5C || (previous == (0xE2, 0x80) && (b == 0xA8 || b == 0xA9)) {
                clean = false
                break
            }
            previous = (previous.1, b)
        }
        if clean {
            out.append("\"")
            out.append(s)
            out.append("\"")
            return
        }
        out.append("\"")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case "\u{2028}": out.append("\\u2028")
            case "\u{2029}": out.append("\\u2029")
            default:
                if u.value < 0x20 {
                    out.append(String(format: "\\u%04x", u.value))
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out.append("\"")
    }

    public static func string(_ s: String) -> String {
        var out = ""
        escape(s, into: &out)
        return out
    }

    public static func number(_ d: Double, decimals: Int = 7) -> String {
        guard d.isFinite else { return "null" }
        let scale = pow(10.0, Double(decimals))
        let r = (d * scale).rounded() / scale
        if r == r.rounded(), abs(r) < 1e15 { return String(Int64(r)) }
        return "\(r)"
    }

    public static func value(_ v: DatabaseValue, into out: inout String) {
        switch v.storage {
        case .null: out.append("null")
        case .int64(let i): out.append(String(i))
        case .double(let d): out.append(d.isFinite ? "\(d)" : "null")
        case .string(let s): escape(s, into: &out)
        case .blob: out.append("null")
        }
    }

    public static func position(_ p: Position, decimals: Int, into out: inout String) {
        out.append("[")
        out.append(number(p.x, decimals: decimals))
        out.append(",")
        out.append(number(p.y, decimals: decimals))
        out.append("]")
    }

    static func path(_ ps: [Position], decimals: Int, into out: inout String) {
        out.append("[")
        for (i, p) in ps.enumerated() {
            if i > 0 { out.append(",") }
            position(p, decimals: decimals, into: &out)
        }
        out.append("]")
    }

    static func rings(_ rs: [[Position]], decimals: Int, into out: inout String) {
        out.append("[")
        for (i, r) in rs.enumerated() {
            if i > 0 { out.append(",") }
            path(r, decimals: decimals, into: &out)
        }
        out.append("]")
    }

    /// Geometry object for coordinates already in lon/lat.
    public static func geometry(_ g: Geometry, decimals: Int = 7, into out: inout String) {
        out.append("{\"type\":\"\(g.type.rawValue)\",\"coordinates\":")
        switch g {
        case .point(let p): position(p, decimals: decimals, into: &out)
        case .lineString(let ps), .multiPoint(let ps): path(ps, decimals: decimals, into: &out)
        case .polygon(let rs), .multiLineString(let rs): rings(rs, decimals: decimals, into: &out)
        case .multiPolygon(let polys):
            out.append("[")
            for (i, p) in polys.enumerated() {
                if i > 0 { out.append(",") }
                rings(p, decimals: decimals, into: &out)
            }
            out.append("]")
        }
        out.append("}")
    }

    /// A Feature for a stored feature: geometry reprojected to lon/lat, properties in the
    /// layer's attribute order followed by `extra` (already-encoded JSON values).
    public static func feature(
        _ f: StoredFeature, layer: LayerDefinition, toLonLat: CoordinateTransformer, extra: [(String, String)] = [],
        foreign: [(String, String)] = [], into out: inout String
    ) throws {
        let g = try toLonLat.transform(f.geometry)
        out.append("{\"type\":\"Feature\",\"id\":")
        if let key = layer.key, let k = f.string(key, in: layer) {
            escape(k, into: &out)
        } else {
            out.append(String(f.fid))
        }
        out.append(",\"geometry\":")
        geometry(g, into: &out)
        out.append(",\"properties\":{")
        var first = true
        for (i, a) in layer.attributes.enumerated() {
            if !first { out.append(",") }
            first = false
            escape(a.key, into: &out)
            out.append(":")
            value(f.values[i], into: &out)
        }
        for (k, v) in extra {
            if !first { out.append(",") }
            first = false
            escape(k, into: &out)
            out.append(":")
            out.append(v)
        }
        out.append("}")
        // Foreign members (RFC 7946 §6.1) sit beside "properties", for related objects.
        for (k, v) in foreign {
            out.append(",")
            escape(k, into: &out)
            out.append(":")
            out.append(v)
        }
        out.append("}")
    }
}
