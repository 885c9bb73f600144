import Foundation
import GRDB

/// Writes an MBTiles 1.3 file: `metadata` and `tiles` tables, TMS row numbering, and
/// gzip-compressed vector tiles as the spec asks for the `pbf` format.
public struct MBTilesWriter: Sendable {
    private let queue: DatabaseQueue

    /// Replaces any file at `path`.
    public init(path: String, metadata: [(String, String)]) throws {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE metadata (name TEXT, value TEXT);
                    CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
                    CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
                    """)
            for (k, v) in metadata {
                try db.execute(sql: "INSERT INTO metadata (name, value) VALUES (?, ?)", arguments: [k, v])
            }
        }
    }

    /// One transaction for a batch: a commit per tile would dominate export time.
    public func write(_ tiles: [(TileID, [UInt8])]) throws {
        try queue.write { db in
            let insert = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)")
            for (t, bytes) in tiles {
                try insert.execute(arguments: [t.z, t.x, (1 << t.z) - 1 - t.y, Data(Gzip.compress(bytes))])
            }
        }
    }
}
