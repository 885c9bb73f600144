import ArgumentParser
import Foundation
import MachiCore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the staff audit log (logins, case changes, exports, plate lookups, publishing, account changes).")

    @Option(help: "From this date (JST) or date-time, inclusive, e.g. 2026-12-01.") var since: String
    @Option(help: "Up to this date-time, exclusive; a date means to the end of that day.") var until: String?
    @Option(help: "Only this staff name.") var user: String?
    @Option(help: "Only this action, e.g. login_failed, plate_lookup, case_update.") var action: String?
    @Option(help: "text (tab-separated), json or csv.") var format = "text"
    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard AuditFormat(rawValue: format) != nil else { throw ValidationError("--format must be text, json or csv") }
        guard Self.time(since, endOfDay: false) != nil else { throw ValidationError("--since must be an ISO 8601 date or date-time") }
        if let until, Self.time(until, endOfDay: true) == nil {
            throw ValidationError("--until must be an ISO 8601 date or date-time")
        }
    }

    /// A date alone is that day in JST; as an end it means the start of the next day.
    static func time(_ s: String, endOfDay: Bool) -> Date? {
        if s.count == 10 { return DateParsing.date(s).map { endOfDay ? $0.addingTimeInterval(86400) : $0 } }
        return DateParsing.dateTime(s)
    }

    func run() throws {
        let entries = try AuditLog(store: try store.open()).entries(
            since: Self.time(since, endOfDay: false)!, until: until.flatMap { Self.time($0, endOfDay: true) }, user: user, action: action)
        print(AuditFormat(rawValue: format)!.render(entries), terminator: "")
    }
}

/// Who runs a command, for the audit log: the operator's login name.
func operatorName() -> String {
    ProcessInfo.processInfo.environment["USER"] ?? "cli"
}

extension StoreOptions {
    /// Accounts whose changes are recorded under the operator's name.
    func accounts() throws -> Accounts {
        var a = Accounts(store: try open())
        a.actor = operatorName()
        return a
    }
}
