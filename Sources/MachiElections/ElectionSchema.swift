import GRDB
import MachiCore

/// The election office's own tables, versioned apart from the core schema so the module
/// can evolve without touching `Store`. GRDB keeps both migrators' ids in one
/// `grdb_migrations` table and ignores ids it does not know, so they coexist.
enum ElectionSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("elections-v1") { db in
            try db.execute(
                sql: """
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
                    """)
        }
        return m
    }

    static func migrate(_ store: Store) throws {
        try migrator.migrate(store.pool)
    }
}
