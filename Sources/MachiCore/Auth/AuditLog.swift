public import Foundation
public import GRDB

/// One line of the audit log: who did what to which thing, when and from where.
public struct AuditEntry: Sendable, Equatable {
    /// ISO 8601 with +09:00, e.g. 2026-12-01T09:15:00+09:00.
    public var at: String
    /// Staff name, or the name tried on a failed login; "cli" for an operator at the console.
    public var user: String
    /// e.g. `login`, `login_failed`, `case_update`, `plate_lookup`.
    public var action: String
    /// What was acted on: a case id, a normalised plate, an election id (empty when none).
    public var target: String
    /// A JSON object with the particulars (result counts, changed fields).
    public var detail: String
    /// Client address for HTTP actions; nil from the command line.
    public var client: String?
}

/// The staff audit log (`machi_audit`): logins, case changes, exports, plate lookups,
/// publishing and account changes. One type writes every entry, so every entry has the same
/// shape and the same clock.
public struct AuditLog: Sendable {
    public let pool: DatabasePool

    public init(store: Store) { pool = store.pool }

    /// Detail pairs, written as a JSON object in this order.
    static func json(_ detail: [(String, DatabaseValue)]) -> String {
        var out = "{"
        for (i, (k, v)) in detail.enumerated() {
            if i > 0 { out += "," }
            GeoJSONWriter.escape(k, into: &out)
            out += ":"
            GeoJSONWriter.value(v, into: &out)
        }
        return out + "}"
    }

    /// Writes an entry inside the caller's transaction, so that the change and its record
    /// commit together.
    public static func record(
        _ db: Database, user: String, action: String, target: String = "", detail: [(String, DatabaseValue)] = [], client: String? = nil,
        at: Date = Date()
    ) throws {
        try db.execute(
            sql: "INSERT INTO machi_audit (at, user, action, target, detail, client) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [Timestamp.format(at), user, action, target, json(detail), client])
    }

    /// Writes an entry in its own transaction, off Swift's cooperative threads.
    public func record(
        user: String, action: String, target: String = "", detail: [(String, DatabaseValue)] = [], client: String? = nil
    ) async throws {
        try await pool.write { db in
            try Self.record(db, user: user, action: action, target: target, detail: detail, client: client)
        }
    }

    /// The same, for synchronous callers (the command line).
    public func recordNow(user: String, action: String, target: String = "", detail: [(String, DatabaseValue)] = []) throws {
        try pool.write { db in try Self.record(db, user: user, action: action, target: target, detail: detail) }
    }

    /// Entries with `since <= at < until`, oldest first. Times are compared as text: every
    /// entry is written with the same +09:00 offset and width, so text order is time order.
    public func entries(since: Date, until: Date? = nil, user: String? = nil, action: String? = nil) throws -> [AuditEntry] {
        var sql = "SELECT at, user, action, target, detail, client FROM machi_audit WHERE at >= ?"
        var args: StatementArguments = [Timestamp.format(since)]
        if let until {
            sql += " AND at < ?"
            args += [Timestamp.format(until)]
        }
        if let user {
            sql += " AND user = ?"
            args += [user]
        }
        if let action {
            sql += " AND action = ?"
            args += [action]
        }
        return try pool.read { db in
            try Row.fetchAll(db, sql: sql + " ORDER BY at, id", arguments: args).map {
                AuditEntry(
                    at: $0["at"], user: $0["user"], action: $0["action"], target: $0["target"], detail: $0["detail"], client: $0["client"])
            }
        }
    }
}

/// How `machigis audit` prints entries.
public enum AuditFormat: String, Sendable, CaseIterable {
    /// Tab-separated, one entry a line, for reading and grep.
    case text
    /// A JSON array of objects, `detail` as an object.
    case json
    /// RFC 4180 CSV with a header line, for spreadsheets.
    case csv

    public func render(_ entries: [AuditEntry]) -> String {
        switch self {
        case .text:
            return entries.map { e in
                [e.at, e.user, e.action, e.target.isEmpty ? "-" : e.target, e.client ?? "-", e.detail].joined(separator: "\t") + "\n"
            }.joined()
        case .json:
            var out = "["
            for (i, e) in entries.enumerated() {
                if i > 0 { out += "," }
                out += "\n{\"at\":\(GeoJSONWriter.string(e.at)),\"user\":\(GeoJSONWriter.string(e.user))"
                out += ",\"action\":\(GeoJSONWriter.string(e.action)),\"target\":\(GeoJSONWriter.string(e.target))"
                out += ",\"client\":\(e.client.map(GeoJSONWriter.string) ?? "null"),\"detail\":\(e.detail)}"
            }
            return out + (entries.isEmpty ? "]\n" : "\n]\n")
        case .csv:
            func field(_ s: String) -> String {
                s.contains(where: { ",\"\r\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
            }
            let header = "at,user,action,target,client,detail\r\n"
            return header
                + entries.map { e in
                    [e.at, e.user, e.action, e.target, e.client ?? "", e.detail].map(field).joined(separator: ",") + "\r\n"
                }.joined()
        }
    }
}
