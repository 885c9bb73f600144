public import Foundation

/// Times as users see them: ISO 8601 in Japan Standard Time ("2026-11-22T13:05:00+09:00").
/// Written by hand rather than with a date formatter: formatters go through ICU, and a
/// timestamp is written on every case a phone posts.
public enum Timestamp {
    static let jst = 9 * 3600

    public static func now() -> String { format(Date()) }

    public static func format(_ d: Date) -> String {
        let t = Int((d.timeIntervalSince1970).rounded(.down)) + jst
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = t - days * 86400
        let (y, m, dd) = CivilDate.from(days: days)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = y >= 0 && y < 10000 ? String(repeating: "0", count: 4 - String(y).count) + String(y) : String(y)
        return "\(year)-\(two(m))-\(two(dd))T\(two(secs / 3600)):\(two(secs / 60 % 60)):\(two(secs % 60))+09:00"
    }
}

/// ISO 8601 parsing; a time without an offset is read as Japan Standard Time, as staff
/// type it.
public enum DateParsing {
    /// `YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|±HH:MM|±HHMM]`.
    public static func dateTime(_ s: String) -> Date? {
        let u = Array(s.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = u[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < u.count, u[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2) else { return nil }
        guard i < u.count, u[i] == 84 || u[i] == 116 || u[i] == 32 else { return nil }  // T, t or space
        i += 1
        guard let h = digits(2), expect(58), let mi = digits(2) else { return nil }
        var sec = 0
        var fraction = 0.0
        if expect(58) {
            guard let ss = digits(2) else { return nil }
            sec = ss
            if expect(46) {
                var scale = 0.1
                var any = false
                while i < u.count, u[i] >= 48, u[i] <= 57 {
                    fraction += Double(u[i] - 48) * scale
                    scale /= 10
                    i += 1
                    any = true
                }
                guard any else { return nil }
            }
        }
        var offset = Timestamp.jst
        if i < u.count {
            if u[i] == 90 || u[i] == 122 {  // Z
                offset = 0
                i += 1
            } else if u[i] == 43 || u[i] == 45 {  // + or -
                let sign = u[i] == 45 ? -1 : 1
                i += 1
                guard let oh = digits(2) else { return nil }
                _ = expect(58)
                guard let om = digits(2), oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == u.count, (1...12).contains(mo), (1...CivilDate.daysIn(month: mo, year: y)).contains(d), h < 24, mi < 60, sec < 60 else {
            return nil
        }
        let days = CivilDate.days(year: y, month: mo, day: d)
        let t = Double(days * 86400 + h * 3600 + mi * 60 + sec - offset) + fraction
        return Date(timeIntervalSince1970: t)
    }

    /// `YYYY-MM-DD`, a real calendar day.
    public static func date(_ s: String) -> Date? {
        guard s.utf8.count == 10 else { return nil }
        return dateTime(s + "T00:00:00")
    }
}

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01 (H. Hinnant's algorithms).
public enum CivilDate {
    public static func days(year y0: Int, month m: Int, day d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func from(days z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysIn(month m: Int, year y: Int) -> Int {
        switch m {
        case 2: (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
