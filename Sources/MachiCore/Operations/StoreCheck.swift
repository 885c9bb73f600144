public import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Consistency checks on a store file, shared by `machigis backup`, `restore` and `check`:
/// SQLite's `integrity_check`, then for every spatially indexed geometry column SQLite's
/// `rtreecheck` (the R*Tree's own structure) and a cross-check that the R*Tree holds exactly
/// the rows with a geometry. `rtreecheck` alone passes an R*Tree whose rows were deleted
/// consistently, and SpatiaLite's `CheckSpatialIndex()` needs a SpatiaLite connection; the
/// counting join catches both cases on a plain read-only connection.
public struct StoreCheck: Sendable {
    public struct Result: Sendable, CustomStringConvertible {
        public var name: String
        public var ok: Bool
        public var detail: String
        public var description: String { "\(ok ? "ok  " : "FAIL") \(name)\(detail.isEmpty ? "" : ": \(detail)")" }
    }

    /// Runs every check on the file at `path`, opened read-only. A file that is not an SQLite
    /// database gives one failed `open` result instead of an error.
    public static func run(path: String) -> [Result] {
        guard FileManager.default.fileExists(atPath: path) else {
            return [Result(name: "open", ok: false, detail: "no file at \(path)")]
        }
        var config = Configuration()
        config.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            return try queue.read { db in try run(db) }
        } catch {
            return [Result(name: "open", ok: false, detail: "\(error)")]
        }
    }

    static func run(_ db: Database) throws -> [Result] {
        var results = [Result]()
        let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check(20)")
        results.append(
            Result(name: "integrity_check", ok: problems == ["ok"], detail: problems == ["ok"] ? "" : problems.joined(separator: "; ")))
        let columns = try Row.fetchAll(
            db, sql: "SELECT f_table_name, f_geometry_column FROM geometry_columns WHERE spatial_index_enabled = 1 ORDER BY f_table_name")
        for c in columns {
            let table: String = c[0]
            let column: String = c[1]
            let index = "idx_\(table)_\(column)"
            let tree = try String.fetchOne(db, sql: "SELECT rtreecheck(?)", arguments: [index]) ?? ""
            results.append(Result(name: "rtreecheck \(index)", ok: tree == "ok", detail: tree == "ok" ? "" : tree))
            let withGeometry = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\" WHERE \"\(column)\" IS NOT NULL") ?? 0
            let indexed = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(index)\"") ?? 0
            let orphans =
                try Int.fetchOne(
                    db,
                    sql: "SELECT count(*) FROM \"\(index)\" r LEFT JOIN \"\(table)\" t ON t.rowid = r.pkid WHERE t.\"\(column)\" IS NULL")
                ?? 0
            let same = withGeometry == indexed && orphans == 0
            results.append(
                Result(
                    name: "spatial index \(index)", ok: same,
                    detail: same ? "\(indexed) entries" : "\(withGeometry) geometries, \(indexed) entries, \(orphans) without a geometry"))
        }
        return results
    }

    /// Copies the live store to `destination` through SQLite's online backup API (one read
    /// snapshot, so writers carry on), checks the copy and only then renames it into place:
    /// `destination` is either a checked copy or untouched.
    public static func backup(_ store: Store, to destination: String) throws -> [Result] {
        let dir = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let temp = "\(destination).partial-\(getpid())"
        defer { removeDatabaseFiles(temp) }
        removeDatabaseFiles(temp)
        let copy = try DatabaseQueue(path: temp)
        do {
            try store.pool.backup(to: copy)
            // A rollback-journal file is complete on its own: checking or copying it later leaves
            // no -wal/-shm beside it, and the store turns WAL back on when it opens a restored copy.
            try copy.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
        } catch {
            try? copy.close()
            throw StoreError("backup of \(store.path) failed: \(error)")
        }
        let results = run(path: temp)
        if let failed = results.first(where: { !$0.ok }) {
            throw StoreError("the copy failed the check \(failed); nothing written to \(destination)")
        }
        guard rename(temp, destination) == 0 else {
            throw StoreError("cannot rename the copy to \(destination): \(String(cString: strerror(errno)))")
        }
        return results
    }

    /// Replaces the store at `target` by the checked file `source`, keeping the previous store
    /// (with its -wal, which may hold committed pages) as `target.bak-<JST time>`. The server must
    /// be stopped: its open connections would keep using the replaced file's pages.
    /// - Returns: the path of the kept previous store, nil when there was none.
    @discardableResult
    public static func restore(from source: String, to target: String, now: Date = Date()) throws -> String? {
        let results = run(path: source)
        if let failed = results.first(where: { !$0.ok }) {
            throw StoreError("\(source) failed the check \(failed); the store is unchanged")
        }
        if inUse(target) {
            throw StoreError("\(target) is open in another process (a running server?); stop it first")
        }
        let fm = FileManager.default
        let temp = "\(target).restoring-\(getpid())"
        defer { removeDatabaseFiles(temp) }
        removeDatabaseFiles(temp)
        try fm.copyItem(atPath: source, toPath: temp)
        var kept: String?
        if fm.fileExists(atPath: target) {
            let bak = "\(target).bak-\(backupStamp(now))"
            try fm.moveItem(atPath: target, toPath: bak)
            if fm.fileExists(atPath: target + "-wal") { try fm.moveItem(atPath: target + "-wal", toPath: bak + "-wal") }
            kept = bak
        }
        // A -wal or -shm left from the old store would be replayed over the restored file.
        try? fm.removeItem(atPath: target + "-wal")
        try? fm.removeItem(atPath: target + "-shm")
        guard rename(temp, target) == 0 else {
            throw StoreError("cannot rename the restored copy to \(target): \(String(cString: strerror(errno)))")
        }
        return kept
    }

    /// Whether another process has the store open: every WAL-mode connection holds a shared
    /// lock on the "DMS" byte (offset 128) of the -shm file while it is open (SQLite's unix VFS).
    /// `F_GETLK` does not see this process's own locks, so it answers for other processes only.
    public static func inUse(_ path: String) -> Bool {
        let fd = open(path + "-shm", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        lock.l_start = 128
        lock.l_len = 1
        guard fcntl(fd, F_GETLK, &lock) == 0 else { return false }
        return lock.l_type != Int16(F_UNLCK)
    }

    static func backupStamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Tokyo")
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        return f.string(from: date)
    }

    static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
