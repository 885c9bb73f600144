import Foundation
public import MachiGeometry

/// JIS X 0410 地域メッシュ cells on JGD2011 lon/lat, as integer row/column indices in a
/// global grid so that neighbours are index ± 1 and codes are derived, not parsed.
public enum MeshSize: String, Sendable, CaseIterable {
    /// 4分の1地域メッシュ: 7.5″ × 11.25″ (about 250 m).
    case quarter = "250m"
    /// 100 m: 3次メッシュ divided 10 × 10 (3″ × 4.5″).
    case hundred = "100m"

    /// Cells per degree of latitude and of longitude.
    var perDegree: (lat: Double, lon: Double) {
        switch self {
        case .quarter: (480, 320)
        case .hundred: (1200, 800)
        }
    }
}

public struct MeshCell: Hashable, Sendable {
    public var row: Int
    public var col: Int

    public init(row: Int, col: Int) {
        self.row = row
        self.col = col
    }

    public init(_ p: Position, size: MeshSize) {
        let d = size.perDegree
        row = Int((p.y * d.lat).rounded(.down))
        col = Int(((p.x - 100) * d.lon).rounded(.down))
    }

    /// The JIS X 0410 code: 1次 (4) + 2次 (2) + 3次 (2) digits, then the 1/2 and 1/4
    /// digits (1–4: SW, SE, NW, NE) or, for 100 m, the row and column digit.
    public func code(size: MeshSize) -> String {
        switch size {
        case .quarter:
            let p = row / 320, q = (row % 320) / 40, r = (row % 40) / 4, s = (row % 4) / 2, t = row % 2
            let u = col / 320, v = (col % 320) / 40, w = (col % 40) / 4, x = (col % 4) / 2, y = col % 2
            return "\(p)\(u)\(q)\(v)\(r)\(w)\(s * 2 + x + 1)\(t * 2 + y + 1)"
        case .hundred:
            let p = row / 800, q = (row % 800) / 100, r = (row % 100) / 10, a = row % 10
            let u = col / 800, v = (col % 800) / 100, w = (col % 100) / 10, b = col % 10
            return "\(p)\(u)\(q)\(v)\(r)\(w)\(a)\(b)"
        }
    }

    /// The cell's square as a closed lon/lat ring, counter-clockwise (RFC 7946).
    public func ring(size: MeshSize) -> [Position] {
        let d = size.perDegree
        let s = Double(row) / d.lat, n = Double(row + 1) / d.lat
        let w = 100 + Double(col) / d.lon, e = 100 + Double(col + 1) / d.lon
        return [Position(w, s), Position(e, s), Position(e, n), Position(w, n), Position(w, s)]
    }
}
