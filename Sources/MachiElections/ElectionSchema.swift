import GRDB
import MachiCore

/// The election office's own tables, versioned apart from the core schema so the module
/// can evolve without touching `Store`.
///
/// Applied ids are recorded in GRDB's `grdb_migrations` table next to the core's (GRDB's
/// migrator ignores ids it does not know), but they are applied in an ordinary write
/// transaction rather than through `DatabaseMigrator`: its pool barrier waits for every
/// reader, and the server makes an `ElectionOffice` per router, so many routers on one busy
/// store (the HTTP tests) deadlocked the threads those readers needed. Writes are serialised
/// on the pool's writer, so two first uses cannot both apply a migration.
enum ElectionSchema {
    /// Append only: an applied migration is never edited.
    static let migrations: [(id: String, sql: String)] = [
        (
            "elections-v1",
            """
            CREATE TABLE elections (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                date TEXT NOT NULL,
                published INTEGER NOT NULL DEFAULT 0,
                published_at TEXT,
                turnout_source TEXT,
                turnout_imported_at TEXT,
                created_at TEXT NOT NULL
            );
            -- One row per district and election; interim (時刻別) rows carry their time,
            -- the final count has time ''. Counts a row leaves blank are NULL.
            CREATE TABLE election_turnout (
                election_id TEXT NOT NULL REFERENCES elections(id) ON DELETE CASCADE,
                district_no TEXT NOT NULL,
                time TEXT NOT NULL DEFAULT '',
                line INTEGER NOT NULL,
                electors_male INTEGER, electors_female INTEGER, electors_total INTEGER,
                day_male INTEGER, day_female INTEGER, day_total INTEGER,
                early_male INTEGER, early_female INTEGER, early_total INTEGER,
                absentee_male INTEGER, absentee_female INTEGER, absentee_total INTEGER,
                PRIMARY KEY (election_id, time, district_no)
            ) WITHOUT ROWID;
            """
        )
    ]

    static func pending(_ db: Database) throws -> [(id: String, sql: String)] {
        guard try db.tableExists("grdb_migrations") else { return migrations }
        let applied = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        return migrations.filter { !applied.contains($0.id) }
    }

    static func migrate(_ store: Store) throws {
        // The common case, every start after the first: one read, no write lock.
        if try store.pool.read({ try pending($0).isEmpty }) { return }
        try store.pool.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            for m in try pending(db) {
                try db.execute(sql: m.sql)
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [m.id])
            }
        }
    }
}
