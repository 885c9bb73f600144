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
    public var unknownColumns: [String] = []

    public var summary: String {
        let outcome = committed ? "loaded" : "nothing loaded (database unchanged)"
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
            case .geojson: return try GeoJSONReader(path: path)
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
            try db.inTransaction(.immediate) {
                if options.mode == .replace {
                    try db.execute(sql: "DELETE FROM \"\(name)\"")
                }
                let insert = try db.makeStatement(sql: Self.insertSQL(layer, mode: options.mode))
                var keys = Set<String>()
                var lastTick = 0
                while true {
                    let feature: SourceFeature?
                    do {
                        feature = try source.next()
                    } catch let error as FormatError {
                        report.read += 1
                        report.rejected += 1
                        record(ValidationIssue(error.location, field: error.field, error.message))
                        if error.isRecoverable { continue }
                        fatal = error
                        break
                    } catch {
                        fatal = FormatError(.file, "\(error)")
                        break
                    }
                    guard let feature else { break }
                    report.read += 1
                    if let progress, report.read - lastTick >= 5000 {
                        lastTick = report.read
                        progress(source.bytesRead, source.totalBytes, report.read)
                    }
                    switch validator.validate(feature) {
                    case .invalid(let issues):
                        report.rejected += 1
                        issues.forEach(record)
                    case .valid(let valid):
                        if let key = valid.key, !keys.insert(key).inserted {
                            report.rejected += 1
                            record(
                                ValidationIssue(
                                    feature.location, field: layer.key, "duplicate key \"\(key)\" (appears earlier in the file)"))
                            continue
                        }
                        var args = valid.values
                        args.append(Data(SpatiaLiteBlob.encode(valid.geometry, srid: srid)).databaseValue)
                        insert.setUncheckedArguments(StatementArguments(args))
                        do {
                            try insert.execute()
                            report.loaded += 1
                        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
                            report.rejected += 1
                            let what =
                                valid.key.map { "duplicate key \"\($0)\" (already in layer \(name))" }
                                ?? "constraint failed: \(e.message ?? "")"
                            record(ValidationIssue(feature.location, field: layer.key, what))
                        }
                    }
                }
                progress?(source.bytesRead, source.totalBytes, report.read)
                let ok = fatal == nil && (report.rejected == 0 || options.skipInvalid)
                guard ok else { return .rollback }
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

    public static func insertSQL(_ layer: LayerDefinition, mode: ImportMode) -> String {
        let cols = layer.attributes.map { "\"\($0.key)\"" } + ["geom"]
        let marks = Array(repeating: "?", count: cols.count).joined(separator: ", ")
        var sql = "INSERT INTO \"\(layer.name)\" (\(cols.joined(separator: ", "))) VALUES (\(marks))"
        if mode == .upsert, let key = layer.key {
            let sets = cols.filter { $0 != "\"\(key)\"" }.map { "\($0) = excluded.\($0)" }
            sql += " ON CONFLICT(\"\(key)\") DO UPDATE SET \(sets.joined(separator: ", "))"
        }
        return sql
    }
}
