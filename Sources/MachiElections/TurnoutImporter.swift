import Foundation
import GRDB
public import MachiCore
public import MachiFormats

public struct TurnoutImportOptions: Sendable {
    /// nil: detect (UTF-8 if it decodes, else CP932).
    public var encoding: TextEncoding?
    /// Load the valid rows and report the rest, instead of loading nothing.
    public var skipInvalid = false
    /// Source column → standard column, from the layer file (`TurnoutAliases.load`).
    public var aliases: [String: String] = [:]
    public var maxReportedIssues = 1000

    public init() {}
}

public struct TurnoutImportReport: Sendable {
    public var election: String
    public var read = 0
    public var loaded = 0
    public var rejected = 0
    public var interimRows = 0
    public var issues: [ValidationIssue] = []
    public var issueCount = 0
    /// Worth a look but not wrong: districts without a count, ignored columns.
    public var warnings: [String] = []
    public var encoding: TextEncoding?
    public var committed = false
    public var seconds = 0.0

    public var summary: String {
        let outcome = committed ? "loaded" : "nothing loaded (database unchanged)"
        let interim = interimRows > 0 ? " (\(interimRows) interim)" : ""
        return String(
            format: "turnout %@: read %d, loaded %d%@, rejected %d, %.2f s — %@", election, read, committed ? loaded : 0, interim,
            rejected, seconds, outcome)
    }
}

/// Imports a turnout table (投票区別投票者数) for one election: CSV in UTF-8 or CP932, one
/// row per district, optionally with interim rows per time. Every row is checked and every
/// problem reported with its line; by default one bad row means nothing is loaded.
public struct TurnoutImporter: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    /// A validated row.
    struct Row: Sendable {
        var line: Int
        var district: String
        var time: String
        var counts: TurnoutCounts
    }

    public func run(election id: String, path: String, options: TurnoutImportOptions = TurnoutImportOptions()) throws
        -> TurnoutImportReport
    {
        let started = Date()
        guard let election = try ElectionRegistry(store: store).election(id) else {
            throw ElectionError(.notFound, "no election \(id); add it with: machigis elections add \(id) --name NAME --date YYYY-MM-DD")
        }
        let districts = DistrictNumbers(try PollingLayers(store: store).districtNumbers())
        guard !districts.ordered.isEmpty else {
            throw ElectionError(
                .conflict, "polling_districts is empty; build the districts first (machigis elections build-districts, or ingest polling_districts)")
        }
        var report = TurnoutImportReport(election: id)
        func note(_ issue: ValidationIssue) {
            report.issueCount += 1
            if report.issues.count < options.maxReportedIssues { report.issues.append(issue) }
        }

        var rows = [Row]()
        // A broken file (bad header, unterminated quote) loads nothing, even with skipInvalid.
        var fatal = false
        do {
            let reader = try CSVReader(path: path, encoding: options.encoding)
            let parser = try RowParser(header: reader.header, aliases: options.aliases, districts: districts)
            report.warnings += parser.ignoredColumns.map { "column \"\($0)\" is not a turnout column and was ignored" }
            var firstLine = [String: Int]()
            while true {
                let record: CSVRecord?
                do {
                    record = try reader.next()
                } catch let e where e.isRecoverable {
                    report.read += 1
                    report.rejected += 1
                    note(ValidationIssue(e.location, field: e.field, e.message))
                    continue
                }
                guard let record else { break }
                report.read += 1
                switch parser.parse(record) {
                case .failure(let problems):
                    report.rejected += 1
                    problems.forEach(note)
                case .success(let row):
                    let key = row.time + "|" + row.district
                    if let first = firstLine[key] {
                        report.rejected += 1
                        let when = row.time.isEmpty ? "" : " at \(row.time)"
                        note(
                            ValidationIssue(
                                .line(row.line), field: TurnoutColumn.district.rawValue,
                                "district \(row.district)\(when) appears twice (first on line \(first))"))
                        continue
                    }
                    firstLine[key] = row.line
                    rows.append(row)
                }
            }
            report.encoding = reader.encoding
        } catch let e {
            fatal = true
            note(ValidationIssue(e.location, field: e.field, e.message))
        }

        let finals = Set(rows.filter { $0.time.isEmpty }.map(\.district))
        if !finals.isEmpty {
            let missing = districts.ordered.filter { !finals.contains($0) }
            if !missing.isEmpty {
                report.warnings.append("no final count for \(missing.count) district(s): \(missing.prefix(20).joined(separator: ", "))")
            }
        }
        report.interimRows = rows.count { !$0.time.isEmpty }
        guard !fatal, report.rejected == 0 || options.skipInvalid else {
            report.seconds = Date().timeIntervalSince(started)
            return report
        }
        if election.published {
            report.warnings.append("election \(id) is published: the public sees these figures at once")
        }
        try write(rows, election: id, source: URL(fileURLWithPath: path).lastPathComponent)
        report.loaded = rows.count
        report.committed = true
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Replaces the election's figures in one transaction.
    func write(_ rows: [Row], election id: String, source: String) throws {
        try store.pool.write { db in
            try db.execute(sql: "DELETE FROM election_turnout WHERE election_id = ?", arguments: [id])
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO election_turnout (election_id, district_no, time, line,
                        electors_male, electors_female, electors_total, day_male, day_female, day_total,
                        early_male, early_female, early_total, absentee_male, absentee_female, absentee_total)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for r in rows {
                var args: [(any DatabaseValueConvertible)?] = [id, r.district, r.time, r.line]
                for g in [r.counts.electors, r.counts.day, r.counts.early, r.counts.absentee] {
                    args += [g.male, g.female, g.total]
                }
                try insert.execute(arguments: StatementArguments(args))
            }
            try db.execute(
                sql: "UPDATE elections SET turnout_source = ?, turnout_imported_at = ? WHERE id = ?",
                arguments: [source, Timestamp.now(), id])
        }
    }
}

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
