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
    /// Why nothing was loaded although no row is at fault, e.g. a file without data rows.
    public var refusal: String?
    /// The time slots this import replaced: "" for the final count, else "HH:MM".
    public var replacedTimes: [String] = []
    public var seconds = 0.0

    public var summary: String {
        let outcome =
            committed
            ? "loaded" : "nothing loaded (database unchanged)" + (refusal.map { ": \($0)" } ?? "")
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
                .conflict,
                "polling_districts is empty; build the districts first (machigis elections build-districts, or ingest polling_districts)")
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
        // Loading nothing would only erase figures (a header-only export, every row rejected),
        // never what an office means by importing a file.
        guard !rows.isEmpty else {
            report.refusal =
                report.read == 0
                ? "the file has no data rows" : "no valid row (all \(report.rejected) rejected); the figures loaded before are kept"
            report.seconds = Date().timeIntervalSince(started)
            return report
        }
        if election.published {
            report.warnings.append("election \(id) is published: the public sees these figures at once")
        }
        let replaced = try write(rows, election: id, source: URL(fileURLWithPath: path).lastPathComponent)
        report.replacedTimes = replaced.times
        if replaced.previousRows > 0 {
            let slots = replaced.times.map { $0.isEmpty ? "the final count" : $0 }.joined(separator: ", ")
            report.warnings.append("replaced \(replaced.previousRows) row(s) loaded before for \(slots)")
        }
        report.loaded = rows.count
        report.committed = true
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    /// Replaces, in one transaction, the election's figures for the time slots the file has
    /// (the final count, each interim time): the final figures arrive in a later file than the
    /// hourly ones and must not erase them, and a corrected 11:00 file leaves 14:00 alone.
    func write(_ rows: [Row], election id: String, source: String) throws -> (times: [String], previousRows: Int) {
        let times = Set(rows.map(\.time)).sorted()
        return try store.pool.write { db in
            var previous = 0
            for t in times {
                try db.execute(sql: "DELETE FROM election_turnout WHERE election_id = ? AND time = ?", arguments: [id, t])
                previous += db.changesCount
            }
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
            return (times, previous)
        }
    }
}
