import Foundation
import Yams

/// The columns of a turnout table. The standard names are the header Japanese election
/// offices publish (`投票区,有権者数_男,…,不在者_計`), which imports as it is; other offices'
/// column names are mapped onto them in `layers/polling_districts.yaml`:
///
/// ```yaml
/// turnout:
///   aliases: {投票区番号: 投票区, 当日有権者数（男）: 有権者数_男}
/// ```
public enum TurnoutColumn: String, Sendable, CaseIterable {
    case district = "投票区"
    case electorsMale = "有権者数_男"
    case electorsFemale = "有権者数_女"
    case electorsTotal = "有権者数_計"
    case dayMale = "当日_男"
    case dayFemale = "当日_女"
    case dayTotal = "当日_計"
    case earlyMale = "期日前_男"
    case earlyFemale = "期日前_女"
    case earlyTotal = "期日前_計"
    case absenteeMale = "不在者_男"
    case absenteeFemale = "不在者_女"
    case absenteeTotal = "不在者_計"
    /// Optional: the time of an interim (時刻別) row; blank or 確定 for the final count.
    case time = "時刻"

    /// English keys, accepted as column names too.
    public var key: String {
        switch self {
        case .district: "district_no"
        case .electorsMale: "electors_male"
        case .electorsFemale: "electors_female"
        case .electorsTotal: "electors_total"
        case .dayMale: "day_male"
        case .dayFemale: "day_female"
        case .dayTotal: "day_total"
        case .earlyMale: "early_male"
        case .earlyFemale: "early_female"
        case .earlyTotal: "early_total"
        case .absenteeMale: "absentee_male"
        case .absenteeFemale: "absentee_female"
        case .absenteeTotal: "absentee_total"
        case .time: "time"
        }
    }

    public static let counts: [TurnoutColumn] = allCases.filter { $0 != .district && $0 != .time }
    public static let standardHeader = allCases.filter { $0 != .time }.map(\.rawValue).joined(separator: ",")

    /// The four groups of male, female, total columns, with the group's Japanese name.
    static let groups: [(name: String, male: TurnoutColumn, female: TurnoutColumn, total: TurnoutColumn)] = [
        ("有権者数", .electorsMale, .electorsFemale, .electorsTotal),
        ("当日", .dayMale, .dayFemale, .dayTotal),
        ("期日前", .earlyMale, .earlyFemale, .earlyTotal),
        ("不在者", .absenteeMale, .absenteeFemale, .absenteeTotal),
    ]

    /// Header text compared loosely: NFKC folds full-width letters, digits and ＿ to ASCII.
    static func normalise(_ name: String) -> String {
        name.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Column lookup by every accepted name: standard, English key and the aliases.
    static func lookup(aliases: [String: String]) -> [String: TurnoutColumn] {
        var table = [String: TurnoutColumn]()
        for c in allCases {
            table[normalise(c.rawValue)] = c
            table[c.key] = c
        }
        for (source, target) in aliases {
            if let c = table[normalise(target)] { table[normalise(source)] = c }
        }
        return table
    }
}
