import CSpatiaLite
import Foundation
public import GRDB
public import MachiGeometry

public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

/// The SpatiaLite store: one database file in WAL mode, opened through a GRDB
/// `DatabasePool` (one writer, concurrent readers) with SpatiaLite loaded on every
/// connection.
public final class Store: Sendable {
    public let pool: DatabasePool
    public let catalog: LayerCatalog
    public let path: String
    /// lon/lat → storage CRS and back, for every caller.
    public let toPlane: TransformerPool
    public let toLonLat: TransformerPool
    public let geos = GEOSPool()
    /// The city extent in storage coordinates (the box around the projected lon/lat extent).
    public let planeExtent: BoundingBox
    /// Random and fixed at creation: tells this store's data apart from another store's
    /// with the same data versions (in tile ETags, which caches keep across a rebuilt store).
    public let instanceID: String
    /// Packed R-trees for nearest-feature searches, built on first use per layer.
    public let nearestIndex = NearestIndex()

    public var city: CityConfig { catalog.city }

    /// Opens (and creates when missing) the store at `path` for the layers in `catalog`.
    public init(path: String, catalog: LayerCatalog) throws {
        self.path = path
        self.catalog = catalog
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)

        var config = Configuration()
        config.prepareDatabase { db in
            // The cache holds SpatiaLite's per-connection state (PROJ and GEOS handles). GRDB
            // keeps connections for the pool's lifetime, so it lives as long as the connection.
            let cache = spatialite_alloc_connection()
            spatialite_init_ex(db.sqliteConnection, cache, 0)
            // Acknowledged writes must survive a power cut, not only a process crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        config.busyMode = .timeout(10)
        config.maximumReaderCount = max(4, ProcessInfo.processInfo.activeProcessorCount * 2)
        pool = try DatabasePool(path: path, configuration: config)

        toPlane = try TransformerPool(from: "OGC:CRS84", to: catalog.city.storageCRS)
        toLonLat = try TransformerPool(from: catalog.city.storageCRS, to: "OGC:CRS84")
        let e = catalog.city.extent
        var corners = [Position(e.minX, e.minY), Position(e.maxX, e.minY), Position(e.maxX, e.maxY), Position(e.minX, e.maxY)]
        try toPlane.withTransformer { try $0.transform(&corners) }
        planeExtent = BoundingBox(covering: corners)

        try Self.initialiseSpatialMetadata(pool)
        try Self.migrator.migrate(pool)
        instanceID = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM machi_meta WHERE key = 'instance_id'") } ?? ""
        try syncLayerTables()
    }

    /// `InitSpatialMetadata` opens its own transaction, so it must run outside one.
    private static func initialiseSpatialMetadata(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            let exists = try Bool.fetchOne(db, sql: "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'spatial_ref_sys'") ?? false
            if !exists {
                try db.execute(sql: "SELECT InitSpatialMetadata(1)")
            }
        }
    }

    /// Versioned schema of MachiGIS's own tables; layer tables follow the layer files.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-core") { db in
            try db.execute(
                sql: """
                    CREATE TABLE machi_layers (
                        name TEXT PRIMARY KEY,
                        title_ja TEXT NOT NULL,
                        title_en TEXT NOT NULL,
                        geometry_type TEXT NOT NULL,
                        srid INTEGER NOT NULL,
                        data_version INTEGER NOT NULL DEFAULT 0,
                        feature_count INTEGER NOT NULL DEFAULT 0,
                        updated_at TEXT NOT NULL
                    );
                    CREATE TABLE machi_imports (
                        id INTEGER PRIMARY KEY,
                        layer TEXT NOT NULL,
                        source TEXT NOT NULL,
                        format TEXT NOT NULL,
                        mode TEXT NOT NULL,
                        read INTEGER NOT NULL,
                        loaded INTEGER NOT NULL,
                        rejected INTEGER NOT NULL,
                        seconds REAL NOT NULL,
                        finished_at TEXT NOT NULL
                    );
                    """)
        }
        m.registerMigration("v2-auth") { db in
            try db.execute(
                sql: """
                    CREATE TABLE machi_users (
                        name TEXT PRIMARY KEY,
                        role TEXT NOT NULL,
                        password_hash TEXT NOT NULL,
                        disabled INTEGER NOT NULL DEFAULT 0,
                        created_at TEXT NOT NULL
                    );
                    CREATE TABLE machi_tokens (
                        hash TEXT PRIMARY KEY,
                        user TEXT NOT NULL REFERENCES machi_users(name) ON DELETE CASCADE,
                        created_at TEXT NOT NULL
                    );
                    CREATE TABLE machi_sessions (
                        hash TEXT PRIMARY KEY,
                        user TEXT NOT NULL REFERENCES machi_users(name) ON DELETE CASCADE,
                        csrf TEXT NOT NULL,
                        expires_at REAL NOT NULL
                    );
                    """)
        }
        m.registerMigration("v3-parking") { db in
            try db.execute(
                sql: """
                    CREATE TABLE parking_history (
                        id INTEGER PRIMARY KEY,
                        incident_id TEXT NOT NULL,
                        at TEXT NOT NULL,
                        user TEXT NOT NULL,
                        action TEXT NOT NULL,
                        changes TEXT NOT NULL
                    );
                    CREATE INDEX parking_history_incident ON parking_history(incident_id, id);
                    CREATE TABLE parking_idempotency (
                        user TEXT NOT NULL,
                        key TEXT NOT NULL,
                        incident_id TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        PRIMARY KEY (user, key)
                    );
                    CREATE TABLE parking_purge_log (
                        id INTEGER PRIMARY KEY,
                        at TEXT NOT NULL,
                        user TEXT NOT NULL,
                        cutoff TEXT NOT NULL,
                        purged INTEGER NOT NULL
                    );
                    """)
        }
        m.registerMigration("v4-instance") { db in
            try db.execute(
                sql: """
                    CREATE TABLE machi_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    INSERT INTO machi_meta (key, value) VALUES ('instance_id', lower(hex(randomblob(8))));
                    """)
        }
        m.registerMigration("v5-audit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE machi_audit (
                        id INTEGER PRIMARY KEY,
                        at TEXT NOT NULL,
                        user TEXT NOT NULL,
                        action TEXT NOT NULL,
                        target TEXT NOT NULL DEFAULT '',
                        detail TEXT NOT NULL DEFAULT '{}',
                        client TEXT
                    );
                    CREATE INDEX machi_audit_at ON machi_audit(at);
                    """)
        }
        return m
    }

    /// Creates missing layer tables, geometry columns, spatial indexes and attribute columns.
    private func syncLayerTables() throws {
        let srid = city.srid
        for layer in catalog.layers {
            try pool.writeWithoutTransaction { db in
                let exists = try db.tableExists(layer.name)
                if !exists {
                    let cols = layer.attributes.map { "\"\($0.key)\" \($0.type.sqlType)" }
                    try db.execute(sql: "CREATE TABLE \"\(layer.name)\" (fid INTEGER PRIMARY KEY, \(cols.joined(separator: ", ")))")
                    let ok = try Int.fetchOne(
                        db, sql: "SELECT AddGeometryColumn(?, 'geom', ?, ?, 'XY', 1)",
                        arguments: [layer.name, srid, layer.geometryType.rawValue.uppercased()])
                    guard ok == 1 else { throw StoreError("AddGeometryColumn failed for \(layer.name)") }
                    _ = try Int.fetchOne(db, sql: "SELECT CreateSpatialIndex(?, 'geom')", arguments: [layer.name])
                    if let key = layer.key {
                        try db.execute(sql: "CREATE UNIQUE INDEX \"\(layer.name)_\(key)_key\" ON \"\(layer.name)\"(\"\(key)\")")
                    }
                } else {
                    let have = Set(try db.columns(in: layer.name).map(\.name))
                    for a in layer.attributes where !have.contains(a.key) {
                        try db.execute(sql: "ALTER TABLE \"\(layer.name)\" ADD COLUMN \"\(a.key)\" \(a.type.sqlType)")
                    }
                }
                for a in layer.attributes where a.indexed && a.key != layer.key {
                    try db.execute(sql: "CREATE INDEX IF NOT EXISTS \"\(layer.name)_\(a.key)\" ON \"\(layer.name)\"(\"\(a.key)\")")
                }
                try db.execute(
                    sql: """
                        INSERT INTO machi_layers (name, title_ja, title_en, geometry_type, srid, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET title_ja = excluded.title_ja, title_en = excluded.title_en
                        """,
                    arguments: [layer.name, layer.titleJa, layer.titleEn, layer.geometryType.rawValue, srid, Timestamp.now()])
            }
        }
    }

    /// The storage-CRS box covering a lon/lat box. The box is first cut to the city's
    /// surroundings: a plane rectangular zone is only valid near its origin, so the corners
    /// of a world-sized box project to nonsense (and matched nothing). Edges are sampled, not
    /// just corners, because a meridian is curved in the plane.
    public func planeBox(lonLat b: BoundingBox) throws -> BoundingBox {
        guard let c = nearCity(b) else { return Self.matchesNothing }
        let steps = 8
        var points = [Position]()
        for i in 0...steps {
            let t = Double(i) / Double(steps)
            let x = c.minX + (c.maxX - c.minX) * t
            let y = c.minY + (c.maxY - c.minY) * t
            points += [Position(x, c.minY), Position(x, c.maxY), Position(c.minX, y), Position(c.maxX, y)]
        }
        try toPlane.withTransformer { try $0.transform(&points) }
        return BoundingBox(covering: points)
    }

    /// The part of a lon/lat box within half a degree of the city extent (all stored data
    /// lies in the extent); nil when there is none.
    public func nearCity(_ b: BoundingBox) -> BoundingBox? {
        let e = city.extent
        let margin = 0.5
        let c = BoundingBox(
            minX: max(b.minX, e.minX - margin), minY: max(b.minY, e.minY - margin), maxX: min(b.maxX, e.maxX + margin),
            maxY: min(b.maxY, e.maxY + margin))
        return c.minX <= c.maxX && c.minY <= c.maxY ? c : nil
    }

    /// A storage-CRS box far beyond any plane coordinate, which no stored feature's box can
    /// overlap (an inverted box would still meet boxes around 0).
    public static let matchesNothing = BoundingBox(minX: 1e300, minY: 1e300, maxX: 1e300, maxY: 1e300)

    /// Copies the WAL into the database file and truncates it, for a clean stop: the file alone is
    /// then complete (a copy or backup needs no -wal). Waits for the writer, so writes queued before
    /// it (the group-commit batcher's too) are committed first.
    /// - Returns: false when a reader (a backup, another process) still held an older snapshot,
    ///   so the log could not be emptied: SQLite reports that as `busy`, not as an error.
    @discardableResult
    public func checkpoint() throws -> Bool {
        try pool.writeWithoutTransaction { db in
            let row = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            return (row?[0] as Int?) == 0
        }
    }

    public func layer(_ name: String) throws -> LayerDefinition {
        guard let l = catalog[name] else {
            throw StoreError("unknown layer \(name); known: \(catalog.layers.map(\.name).joined(separator: ", "))")
        }
        return l
    }

    /// Data version of a layer, bumped by every import: part of ETags and count caches.
    public func dataVersion(_ layer: String) throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT data_version FROM machi_layers WHERE name = ?", arguments: [layer]) ?? 0 }
    }

    public func featureCount(_ layer: String) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT feature_count FROM machi_layers WHERE name = ?", arguments: [layer]) ?? 0 }
    }
}
