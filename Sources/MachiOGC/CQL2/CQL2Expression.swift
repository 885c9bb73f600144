public import MachiGeometry

/// A parsed CQL2 filter. Every operand keeps its position so type errors found while
/// compiling can still point into the text.
public indirect enum CQL2Expression: Sendable, Equatable {
    case and(CQL2Expression, CQL2Expression)
    case or(CQL2Expression, CQL2Expression)
    case not(CQL2Expression)
    case literal(Bool)
    case comparison(CQL2Comparison, CQL2Operand, CQL2Operand)
    case like(CQL2Operand, pattern: CQL2Operand, negated: Bool)
    case between(CQL2Operand, low: CQL2Operand, high: CQL2Operand, negated: Bool)
    case inList(CQL2Operand, [CQL2Operand], negated: Bool)
    case isNull(CQL2Operand, negated: Bool)
    case intersects(CQL2Operand, CQL2Operand)
}

public enum CQL2Comparison: String, Sendable, Equatable {
    case eq = "=", ne = "<>", lt = "<", le = "<=", gt = ">", ge = ">="
}

public struct CQL2Operand: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case property(String)
        case string(String)
        /// The literal as written, so integers stay exact.
        case number(String)
        case boolean(Bool)
        /// `DATE('YYYY-MM-DD')`
        case date(String)
        /// `TIMESTAMP('…')`, RFC 3339
        case timestamp(String)
        /// WKT or `BBOX(…)`, coordinates in the filter CRS's axis order.
        case geometry(Geometry)
    }

    public var value: Value
    public var position: Int

    public init(_ value: Value, at position: Int) {
        self.value = value
        self.position = position
    }
}
