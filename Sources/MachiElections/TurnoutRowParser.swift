import Foundation
import MachiCore
import MachiFormats

/// Maps a header onto the turnout columns and checks one record against them.
struct RowParser {
    private var index: [TurnoutColumn: Int] = [:]
    private(set) var ignoredColumns: [String] = []
    let districts: DistrictNumbers

    init(header: [String], aliases: [String: String], districts: DistrictNumbers) throws(FormatError) {
        self.districts = districts
        let lookup = TurnoutColumn.lookup(aliases: aliases)
        for (i, name) in header.enumerated() {
            guard let c = lookup[TurnoutColumn.normalise(name)] else {
                if !name.trimmingCharacters(in: .whitespaces).isEmpty { ignoredColumns.append(name) }
                continue
            }
            if let j = index[c] {
                throw Self.headerError("columns \"\(header[j])\" and \"\(name)\" both mean \(c.rawValue)")
            }
            index[c] = i
        }
        let missing = TurnoutColumn.allCases.filter { $0 != .time && index[$0] == nil }
        if !missing.isEmpty {
            throw Self.headerError(
                "missing column(s) \(missing.map(\.rawValue).joined(separator: ", ")); expected \(TurnoutColumn.standardHeader) (other names are mapped under turnout: aliases: in layers/polling_districts.yaml)"
            )
        }
    }

    /// The header decides how every row is read, so a bad one ends the import.
    static func headerError(_ message: String) -> FormatError {
        var e = FormatError(.line(1), "header: " + message)
        e.isRecoverable = false
        return e
    }

    func parse(_ record: CSVRecord) -> Result<TurnoutImporter.Row, Problems> {
        var problems = [ValidationIssue]()
        let at = SourceLocation.line(record.line)
        func field(_ c: TurnoutColumn) -> String { index[c].map { record.fields[$0] } ?? "" }

        var time = ""
        switch Self.time(field(.time)) {
        case .success(let t): time = t
        case .failure(let m): problems.append(ValidationIssue(at, field: TurnoutColumn.time.rawValue, m.description))
        }
        let interim = !time.isEmpty

        let rawDistrict = field(.district)
        var district = ""
        if rawDistrict.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(ValidationIssue(at, field: TurnoutColumn.district.rawValue, "required district number is missing"))
        } else if let d = districts.resolve(rawDistrict) {
            district = d
        } else {
            problems.append(
                ValidationIssue(
                    at, field: TurnoutColumn.district.rawValue,
                    "\"\(rawDistrict)\" is not a polling district (polling_districts has \(districts.summary))"))
        }

        var values = [TurnoutColumn: Int64]()
        for c in TurnoutColumn.counts {
            switch Self.count(field(c)) {
            case .success(let v?): values[c] = v
            case .success(nil):
                // An interim report may not have the early and absentee counts yet.
                let optional = interim && ![.electorsMale, .electorsFemale, .electorsTotal, .dayMale, .dayFemale, .dayTotal].contains(c)
                if !optional { problems.append(ValidationIssue(at, field: c.rawValue, "required count is missing")) }
            case .failure(let m): problems.append(ValidationIssue(at, field: c.rawValue, m.description))
            }
        }
        for g in TurnoutColumn.groups {
            if let m = values[g.male], let f = values[g.female], let t = values[g.total], m + f != t {
                problems.append(
                    ValidationIssue(at, field: g.total.rawValue, "\(g.name): 男 \(m) + 女 \(f) = \(m + f), but 計 is \(t)"))
            }
        }
        func group(_ g: (name: String, male: TurnoutColumn, female: TurnoutColumn, total: TurnoutColumn)) -> SexCounts {
            SexCounts(male: values[g.male], female: values[g.female], total: values[g.total])
        }
        let counts = TurnoutCounts(
            electors: group(TurnoutColumn.groups[0]), day: group(TurnoutColumn.groups[1]), early: group(TurnoutColumn.groups[2]),
            absentee: group(TurnoutColumn.groups[3]))
        let voters = counts.voters
        for (label, v, e, column) in [
            ("", voters.total, counts.electors.total, TurnoutColumn.electorsTotal),
            (" (男)", voters.male, counts.electors.male, .electorsMale),
            (" (女)", voters.female, counts.electors.female, .electorsFemale),
        ] {
            if let v, let e, v > e {
                problems.append(
                    ValidationIssue(at, field: column.rawValue, "voters\(label) \(v) (当日 + 期日前 + 不在者) exceed electors\(label) \(e)"))
            }
        }
        guard problems.isEmpty else { return .failure(Problems(problems)) }
        return .success(TurnoutImporter.Row(line: record.line, district: district, time: time, counts: counts))
    }

    struct Problems: Error, Sequence {
        var issues: [ValidationIssue]
        init(_ issues: [ValidationIssue]) { self.issues = issues }
        func makeIterator() -> IndexingIterator<[ValidationIssue]> { issues.makeIterator() }
    }

    /// A head count: a whole number ≥ 0. Thousands separators and full-width digits, common in
    /// spreadsheets, are accepted. Blank is nil.
    static func count(_ raw: String) -> Result<Int64?, CountError> {
        let s = raw.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
            .replacingOccurrences(of: ",", with: "")
        if s.isEmpty { return .success(nil) }
        if let n = Int64(s) {
            if n < 0 { return .failure(CountError("\(raw.trimmingCharacters(in: .whitespaces)) is negative")) }
            if n > 100_000_000 { return .failure(CountError("\(n) is not a plausible head count")) }
            return .success(n)
        }
        if Double(s) != nil { return .failure(CountError("\"\(raw)\" is not a whole number")) }
        return .failure(CountError("\"\(raw)\" is not a number"))
    }

    struct CountError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// "" for the final count (blank, 確定, 最終); "HH:MM" for an interim row ("11:00", "11時", "11時30分").
    static func time(_ raw: String) -> Result<String, CountError> {
        let s = raw.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespaces)
        if s.isEmpty || ["確定", "最終", "final"].contains(s.lowercased()) { return .success("") }
        let patterns = [#"^(\d{1,2}):(\d{2})$"#, #"^(\d{1,2})時(?:(\d{1,2})分)?(?:現在)?$"#]
        for p in patterns {
            guard let re = try? NSRegularExpression(pattern: p),
                let m = re.firstMatch(in: s, range: NSRange(s.startIndex..., in: s))
            else { continue }
            let h = Range(m.range(at: 1), in: s).flatMap { Int(s[$0]) } ?? -1
            let mm = Range(m.range(at: 2), in: s).flatMap { Int(s[$0]) } ?? 0
            guard (0...24).contains(h), (0...59).contains(mm), h < 24 || mm == 0 else { break }
            return .success(String(format: "%02d:%02d", h, mm))
        }
        return .failure(CountError("\"\(raw)\" is not a time (HH:MM, 11時) or 確定"))
    }
}
