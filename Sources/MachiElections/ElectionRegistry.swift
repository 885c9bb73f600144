import Foundation
import GRDB
public import MachiCore

/// One election as the office registers it: turnout is imported against it and, once
/// `published`, shown to the public.
public struct Election: Sendable, Equatable {
    public var id: String
    public var name: String
    /// 投票日, YYYY-MM-DD.
    public var date: String
    public var published: Bool
    public var publishedAt: String?
    /// Whether final (確定) turnout has been imported.
    public var hasFinalTurnout: Bool
    /// Times of interim (時刻別) turnout rows, "HH:MM", ascending.
    public var interimTimes: [String]
}

/// The `elections` table: add, publish, list, look up.
public struct ElectionRegistry: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    /// Ids appear in URLs and file names, so they stay ASCII: `2025-sangiin`, `r7_city`.
    public static func validID(_ id: String) -> Bool {
        id.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", options: .regularExpression) != nil
    }

    public func add(id: String, name: String, date: String) throws {
        guard Self.validID(id) else {
            throw ElectionError.invalid("id", "\"\(id)\" must be 1–64 of A-Z a-z 0-9 _ . - starting with a letter or digit")
        }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200 else { throw ElectionError.invalid("name", "must be 1–200 characters") }
        guard DateParsing.date(date) != nil else {
            throw ElectionError.invalid("date", "\"\(date)\" is not a date (YYYY-MM-DD)")
        }
        try store.pool.write { db in
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM elections WHERE id = ?", arguments: [id]) == 0 else {
                throw ElectionError(.conflict, "election \(id) already exists")
            }
            try db.execute(
                sql: "INSERT INTO elections (id, name, date, created_at) VALUES (?, ?, ?, ?)",
                arguments: [id, trimmed, date, Timestamp.now()])
        }
    }

    /// Publishing needs final turnout: a published election without figures would show an
    /// empty map to the public as if nobody had voted.
    public func setPublished(_ id: String, _ published: Bool, by user: String = "cli") throws {
        try store.pool.write { db in
            guard let e = try Self.fetch(db, id) else { throw ElectionError(.notFound, "no election \(id)") }
            if published && !e.hasFinalTurnout {
                throw ElectionError(
                    .conflict, "election \(id) has no final turnout yet; import it with: machigis elections import-turnout \(id) FILE")
            }
            try db.execute(
                sql: "UPDATE elections SET published = ?, published_at = ? WHERE id = ?",
                arguments: [published, published ? Timestamp.now() : nil, id])
            try AuditLog.record(db, user: user, action: published ? "election_publish" : "election_withdraw", target: id)
        }
    }

    public func election(_ id: String) throws -> Election? {
        try store.pool.read { db in try Self.fetch(db, id) }
    }

    /// Newest first, as the office thinks of them.
    public func all() throws -> [Election] {
        try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM elections ORDER BY date DESC, id").compactMap { try Self.fetch(db, $0) }
        }
    }

    static func fetch(_ db: Database, _ id: String) throws -> Election? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT id, name, date, published, published_at FROM elections WHERE id = ?", arguments: [id])
        else { return nil }
        let times = try String.fetchAll(
            db, sql: "SELECT DISTINCT time FROM election_turnout WHERE election_id = ? ORDER BY time", arguments: [id])
        return Election(
            id: row["id"], name: row["name"], date: row["date"], published: row["published"], publishedAt: row["published_at"],
            hasFinalTurnout: times.contains(""), interimTimes: times.filter { !$0.isEmpty })
    }
}

extension Election {
    /// Unpublished turnout is for the election office (and admins) only.
    public static func mayReadUnpublished(_ user: StaffUser?) -> Bool {
        user?.has(anyOf: [.election]) ?? false
    }

    /// Throws unless `user` may see this election: the anonymous public gets "not found" so
    /// that an unpublished election does not reveal it exists; signed-in staff without the
    /// role get "forbidden".
    public func checkVisible(to user: StaffUser?) throws {
        guard !published, !Self.mayReadUnpublished(user) else { return }
        if user == nil { throw ElectionError(.notFound, "no election \(id)") }
        throw ElectionError(.forbidden, "election \(id) is not published yet; only the election office may see it")
    }
}
