import CSpatiaLite
import Foundation
import GRDB
public import MachiFormats
import MachiGeometry

public enum ImportMode: String, Sendable, CaseIterable {
    /// Empty the layer, then load the file.
    case replace
    /// Insert new keys, update existing ones.
    case upsert
    /// Insert only; a key already in the layer is an error.
    case append
}

public enum SourceFormat: String, Sendable, CaseIterable {
    case geojson, shp, csv

    /// Guessed from the file name's extension.
    public static func guess(path: String) -> SourceFormat? {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "geojson", "json": .geojson
        case "shp": .shp
        case "csv", "txt": .csv
        default: nil
        }
    }
}

public struct ImportOptions: Sendable {
    public var format: SourceFormat?
    /// nil: detect (UTF-8 if it decodes, else CP932).
    public var encoding: TextEncoding?
    /// Overrides the file's CRS (EPSG code).
    public var srid: Int32?
    public var mode: ImportMode = .replace
    public var skipInvalid = false
    /// How many issues to keep in the report; the count covers all of them.
    public var maxReportedIssues = 1000

    public init() {}
}

public struct ImportReport: Sendable {
    public var layer: String
    public var read = 0
    public var loaded = 0
    public var rejected = 0
    public var seconds = 0.0
    public var issues: [ValidationIssue] = []
    public var issueCount = 0
    public var committed = false
    /// A replace that would have left the layer empty, refused.
    public var emptyRefused = false
    public var unknownColumns: [String] = []

    public var summary: String {
        let outcome =
            committed
            ? "loaded"
            : emptyRefused
                ? "nothing loaded: no valid feature in the file, and a replace would have emptied the layer (database unchanged)"
                : "nothing loaded (database unchanged)"
        return String(
            format: "%@: read %d, loaded %d, rejected %d, %.2f s — %@", layer, read, committed ? loaded : 0, rejected, seconds, outcome)
    }
}

/// Thrown when the file cannot be read at all (missing, unreadable framing).
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var report: ImportReport?
}

/// Streams a file into a layer in one transaction: either every feature is valid and all
/// are committed, or (without `skipInvalid`) nothing is.
public struct Importer: Sendable {
    public let store: Store

    public init(store: Store) { self.store = store }

    public typealias Progress = @Sendable (_ bytesRead: Int64, _ totalBytes: Int64, _ features: Int) -> Void

    public func openSource(path: String, options: ImportOptions) throws -> any FeatureSource {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ImportError(description: "\(path): no such readable file")
        }
        guard let format = options.format ?? SourceFormat.guess(path: path) else {
            throw ImportError(description: "\(path): cannot tell the format from the extension; pass --format geojson|shp|csv")
        }
        let opened = Result { () throws(FormatError) -> any FeatureSource in
            switch format {
            case .geojson: return try GeoJSONReader(path: path, crsOverridden: options.srid != nil)
            case .shp: return try ShapefileReader(path: path, encoding: options.encoding)
            case .csv: return try CSVFeatureReader(path: path, encoding: options.encoding, coordinates: nil)
            }
        }
        switch opened {
        case .success(let source): return source
        case .failure(let e): throw ImportError(description: "\(path): \(e.description)")
        }
    }

    public func run(layer name: String, path: String, options: ImportOptions = ImportOptions(), progress: Progress? = nil) throws
        -> ImportReport
    {
        let layer = try store.layer(name)
        let source = try openSource(path: path, options: options)
        let sourceCRS: String? = options.srid.map { "EPSG:\($0)" } ?? source.crs
        let validator: FeatureValidator
        do {
            validator = try FeatureValidator(layer: layer, city: store.city, planeExtent: store.planeExtent, sourceCRS: sourceCRS)
        } catch {
            throw ImportError(description: "\(path): unusable CRS \(sourceCRS ?? "?"): \(error)")
        }
        let started = Date()
        var report = ImportReport(layer: name)
        let srid = store.city.srid
        let format = (options.format ?? SourceFormat.guess(path: path))?.rawValue ?? "?"

        func record(_ issue: ValidationIssue) {
            report.issueCount += 1
            if report.issues.count < options.maxReportedIssues { report.issues.append(issue) }
        }

        var fatal: FormatError?
        try store.pool.writeWithoutTransaction { db in
            // A large page cache keeps a big import's pages in memory until commit instead
            // of spilling them to the WAL one by one.
            let cache = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            try db.execute(sql: "PRAGMA cache_size = -131072")
            defer { try? db.execute(sql: "PRAGMA cache_size = \(cache)") }
            try db.inTransaction(.immediate) {
                // A replace rebuilds the layer: SpatiaLite's per-row triggers (geometry
                // check, timestamp, R*Tree via RTreeAlign, which prepares SQL for every row)
                // are set aside and their work done once in bulk below.
                var suspended: [String] = []
                if options.mode == .replace {
                    // B-tree indexes too: building one from sorted data at the end is several
                    // times cheaper than inserting into it row by row. In-file duplicate keys
                    // are caught in memory, so the unique index is not needed while loading.
                    suspended = try Self.suspendIndexesAndRowTriggers(db, layer: layer)
                    try db.execute(sql: "DELETE FROM \"\(name)\"")
                }
                // One statement per set of columns the source supplies: an upsert must leave
                // the attributes a file does not have (e.g. a shapefile with fewer fields) as
                // they are, not blank them. Replace and append insert every column.
                var statements: [[Bool]: Statement] = [:]
                let allColumns = [Bool](repeating: true, count: layer.attributes.count)
                func statement(_ supplied: [Bool]) throws -> Statement {
                    let columns = options.mode == .upsert ? supplied : allColumns
                    if let s = statements[columns] { return s }
                    let s = try db.makeStatement(sql: Self.insertSQL(layer, mode: options.mode, columns: columns))
                    // Marks the statement's arguments as bound: rows are bound through `bind` below.
                    s.setUncheckedArguments(StatementArguments())
                    statements[columns] = s
                    return s
                }
                // Replace and append need no per-row lookup (hashing the column set of every row
                // is measurable at a million rows).
                let fixedStatement = options.mode == .upsert ? nil : try statement(allColumns)
                var boxes = [RTreeBulkLoad.Entry]()
                var lastTick = 0
                let pipeline = ValidationPipeline(source: source, validator: validator, srid: srid)
                // Whatever happens below, the producer thread must be gone before we return.
                defer { pipeline.cancelAndWait() }
                while let batch = pipeline.next() {
                    for item in batch.items {
                        report.read += 1
                        switch item {
                        case .formatError(let error):
                            report.rejected += 1
                            record(error)
                            if !error.isRecoverable { fatal = error }
                        case .invalid(let issues):
                            report.rejected += 1
                            issues.forEach(record)
                        case .valid(let valid, let blob, let box, let location):
                            let insert = try fixedStatement ?? statement(valid.supplied)
                            Self.bind(insert, valid.values, only: options.mode == .upsert ? valid.supplied : nil, blob: blob)
                            do {
                                try insert.execute()
                                report.loaded += 1
                                if options.mode == .replace { boxes.append(.init(id: db.lastInsertedRowID, box: box)) }
                            } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
                                report.rejected += 1
                                let what =
                                    valid.key.map { "duplicate key \"\($0)\" (already in layer \(name))" }
                                    ?? "constraint failed: \(e.message ?? "")"
                                record(ValidationIssue(location, field: layer.key, what))
                            }
                        }
                    }
                    if let progress, report.read - lastTick >= 5000 {
                        lastTick = report.read
                        progress(batch.bytesRead, source.totalBytes, report.read)
                    }
                }
                progress?(source.totalBytes, source.totalBytes, report.read)
                let ok = fatal == nil && (report.rejected == 0 || options.skipInvalid)
                guard ok else { return .rollback }
                // An empty file (or one whose every feature was skipped) would leave a replaced
                // layer empty: far more likely a wrong file than an intended wipe.
                if report.loaded == 0 && options.mode == .replace {
                    report.emptyRefused = true
                    return .rollback
                }
                if options.mode == .replace {
                    try RTreeBulkLoad.load(db, table: layer.spatialIndexTable, entries: boxes)
                    for sql in suspended { try db.execute(sql: sql) }
                }
                try db.execute(
                    sql: """
                        UPDATE machi_layers SET data_version = data_version + 1,
                            feature_count = (SELECT count(*) FROM "\(name)"), updated_at = ? WHERE name = ?
                        """, arguments: [Timestamp.now(), name])
                report.seconds = Date().timeIntervalSince(started)
                try db.execute(
                    sql: """
                        INSERT INTO machi_imports (layer, source, format, mode, read, loaded, rejected, seconds, finished_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        name, URL(fileURLWithPath: path).lastPathComponent, format, options.mode.rawValue, report.read, report.loaded,
                        report.rejected, report.seconds, Timestamp.now(),
                    ])
                report.committed = true
                return .commit
            }
        }
        report.seconds = Date().timeIntervalSince(started)
        report.unknownColumns = validator.unknownColumns.sorted()
        return report
    }

    /// Binds a row straight through SQLite's C API: building GRDB `StatementArguments` for
    /// every row cost as much as the insert itself. `execute()` then steps with these bindings.
    /// - Parameter only: bind just these attributes, in order (the upsert's supplied columns).
    static func bind(_ statement: Statement, _ values: [DatabaseValue], only: [Bool]? = nil, blob: [UInt8]) {
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_clear_bindings(s)
        var index: Int32 = 0
        for (i, v) in values.enumerated() where only?[i] ?? true {
            index += 1
            switch v.storage {
            case .null: break
            case .int64(let n): sqlite3_bind_int64(s, index, n)
            case .double(let d): sqlite3_bind_double(s, index, d)
            case .string(var text):
                // With an explicit byte length, text with an embedded NUL is stored whole.
                text.withUTF8 { _ = sqlite3_bind_text(s, index, $0.baseAddress, Int32($0.count), sqliteTransient) }
            case .blob(let data): data.withUnsafeBytes { _ = sqlite3_bind_blob(s, index, $0.baseAddress, Int32($0.count), sqliteTransient) }
            }
        }
        blob.withUnsafeBytes { _ = sqlite3_bind_blob(s, index + 1, $0.baseAddress, Int32($0.count), sqliteTransient) }
    }

    /// Drops the layer's B-tree indexes and its per-row INSERT and DELETE triggers,
    /// returning their SQL so the same transaction can restore them exactly (DDL is
    /// transactional in SQLite).
    static func suspendIndexesAndRowTriggers(_ db: Database, layer: LayerDefinition) throws -> [String] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL
                AND (type = 'index' OR (type = 'trigger'
                    AND (sql LIKE '%AFTER INSERT%' OR sql LIKE '%BEFORE INSERT%' OR sql LIKE '%AFTER DELETE%')))
                ORDER BY type
                """, arguments: [layer.name])
        for r in rows {
            let type: String = r["type"]
            let name: String = r["name"]
            try db.execute(sql: "DROP \(type.uppercased()) \"\(name.replacingOccurrences(of: "\"", with: "\"\""))\"")
        }
        return rows.map { $0["sql"] }
    }

    /// - Parameter columns: which attributes to write (all when nil); the geometry always.
    public static func insertSQL(_ layer: LayerDefinition, mode: ImportMode, columns: [Bool]? = nil) -> String {
        let cols = layer.attributes.indices.filter { columns?[$0] ?? true }.map { "\"\(layer.attributes[$0].key)\"" } + ["geom"]
        let marks = Array(repeating: "?", count: cols.count).joined(separator: ", ")
        var sql = "INSERT INTO \"\(layer.name)\" (\(cols.joined(separator: ", "))) VALUES (\(marks))"
        if mode == .upsert, let key = layer.key {
            let sets = cols.filter { $0 != "\"\(key)\"" }.map { "\($0) = excluded.\($0)" }
            sql += " ON CONFLICT(\"\(key)\") DO UPDATE SET \(sets.joined(separator: ", "))"
        }
        return sql
    }
}

/// SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
