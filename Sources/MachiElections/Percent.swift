import Foundation

/// A percentage as election offices publish it: rounded half away from zero (四捨五入) to two
/// decimals from the unrounded ratio. The arithmetic stays in integers, because through
/// binary floating point 100 × 14513 / 20000 = 72.565 would round to 72.56.
public struct Percent: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The percentage × 100: 72.57 % is 7257.
    public var hundredths: Int64

    public init(hundredths: Int64) { self.hundredths = hundredths }

    /// 100 × part / whole; nil when whole is not positive.
    public static func of(_ part: Int64, _ whole: Int64) -> Percent? {
        guard whole > 0 else { return nil }
        return Percent(hundredths: roundedQuotient(part, 10_000, whole))
    }

    /// 100 × (a.part / a.whole − b.part / b.whole), in percentage points, rounded once from
    /// the exact difference (not from two rounded percentages).
    public static func difference(_ a: (part: Int64, whole: Int64), _ b: (part: Int64, whole: Int64)) -> Percent? {
        guard a.whole > 0, b.whole > 0 else { return nil }
        let (x, o1) = a.part.multipliedReportingOverflow(by: b.whole)
        let (y, o2) = b.part.multipliedReportingOverflow(by: a.whole)
        let (d, o3) = a.whole.multipliedReportingOverflow(by: b.whole)
        if !(o1 || o2 || o3) {
            let (n, o4) = x.subtractingReportingOverflow(y)
            if !o4 { return Percent(hundredths: roundedQuotient(n, 10_000, d)) }
        }
        // Only city-wide totals of the largest cities get here; Decimal keeps 38 digits.
        let exact = (Decimal(a.part) / Decimal(a.whole) - Decimal(b.part) / Decimal(b.whole)) * 10_000
        return Percent(hundredths: roundHalfAway(exact))
    }

    /// round-half-away-from-zero(n × scale / d) for d > 0.
    static func roundedQuotient(_ n: Int64, _ scale: Int64, _ d: Int64) -> Int64 {
        let (scaled, overflow) = n.multipliedReportingOverflow(by: scale)
        if overflow { return roundHalfAway(Decimal(n) * Decimal(scale) / Decimal(d)) }
        let q = scaled / d
        let r = scaled % d
        // |r| ≥ d/2, written without dividing so odd d needs no special case.
        if r.magnitude >= d.magnitude - r.magnitude { return scaled < 0 ? q - 1 : q + 1 }
        return q
    }

    static func roundHalfAway(_ x: Decimal) -> Int64 {
        var value = x
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    public var value: Double { Double(hundredths) / 100 }

    /// Always two decimals, the way the figure is published: "54.70", "-1.05", "0.00".
    public var description: String {
        let sign = hundredths < 0 ? "-" : ""
        let m = hundredths.magnitude
        let cents = m % 100
        return "\(sign)\(m / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    public static func < (a: Percent, b: Percent) -> Bool { a.hundredths < b.hundredths }
}
