public import Foundation
import GRDB
public import MachiCore
import MachiFormats
import MachiGeometry

/// Failures of a parking-case request other than bad input (which is `QueryParameterError`).
public enum ParkingError: Error, Sendable, Equatable {
    case notFound(String)
    /// The case changed since the caller read it; carries the current version.
    case versionMismatch(current: Int64)
    case preconditionRequired
    case transitionNotAllowed(from: String, to: String)
}

/// Workflow of a case: open → in_progress → resolved, or closed as duplicate / not_actionable.
public enum CaseStatus: String, Sendable, CaseIterable {
    case open
    case inProgress = "in_progress"
    case resolved
    case duplicate
    case notActionable = "not_actionable"

    public var next: Set<CaseStatus> {
        switch self {
        case .open: [.inProgress, .resolved, .duplicate, .notActionable]
        case .inProgress: [.open, .resolved, .duplicate, .notActionable]
        case .resolved, .duplicate, .notActionable: []
        }
    }
}

/// A case as stored, plus what a response needs beside it.
public struct ParkingCase: Sendable {
    public var feature: StoredFeature
    public var version: Int64
}

public struct NearbyCase: Sendable {
    public var id: String
    public var distance: Double
    public var observedAt: String
    public var category: String
}

public struct HistoryEntry: Sendable {
    public var at: String
    public var user: String
    public var action: String
    /// JSON object text: {field: [old, new]}.
    public var changesJSON: String
}

/// Illegal and nuisance parking cases (違法・迷惑駐車): staff-only data with a workflow,
/// optimistic concurrency and a full change history.
public struct ParkingCases: Sendable {
    public let store: Store
    public let layer: LayerDefinition
    let validators: ValidatorPool
    /// Case writes share transactions (group commit) so that many phones posting at once
    /// are acknowledged at the rate of fsyncs times batch size, not one fsync each.
    let writer: WriteBatcher
    /// Phones' clocks run a little fast; an observation this far in the future is accepted.
    public static let clockSkew: TimeInterval = 5 * 60
    public static let duplicateRadius = 30.0
    public static let duplicateWindow: TimeInterval = 7 * 86400
    /// Fields the server owns: ignored on create, refused on update.
    static let serverFields: Set<String> = ["id", "reported_at", "status", "created_by", "updated_at", "version", "duplicate_of"]
    static let editable: Set<String> = [
        "observed_at", "accuracy_m", "address", "category", "vehicle_type", "plate", "duration_min", "notes", "status", "duplicate_of",
        "assignee",
    ]

    public init(store: Store) throws {
        self.store = store
        layer = try store.layer("parking_incidents")
        validators = ValidatorPool(layer: layer, store: store, sourceCRS: "OGC:CRS84")
        writer = WriteBatcher(pool: store.pool)
    }

    func index(_ key: String) -> Int { layer.attributes.firstIndex { $0.key == key }! }

    // MARK: create

    public struct Created: Sendable {
        public var item: ParkingCase
        public var replayed: Bool
        public var possibleDuplicates: [NearbyCase]
    }

    /// Validates a GeoJSON Feature body and stores it as a new open case. With an
    /// idempotency key, a retry of the same submission returns the case created first.
    public func create(body: [UInt8], user: StaffUser, idempotencyKey: String?, now: Date = Date()) async throws -> Created {
        if let k = idempotencyKey, k.isEmpty || k.count > 200 {
            throw QueryParameterError("Idempotency-Key", "must be 1–200 characters")
        }
        let source: SourceFeature
        do {
            source = try GeoJSONFeatureParser.parse(body)
        } catch {
            throw QueryParameterError(error.field ?? "body", error.message)
        }
        let id = ULID.make(date: now)
        let stamp = Timestamp.format(now)
        var props = source.properties.filter { !Self.serverFields.contains($0.key) }
        guard let observed = source["observed_at"], case .string(let observedText) = observed else {
            throw QueryParameterError("observed_at", "required: when the vehicle was seen (ISO 8601, e.g. 2026-11-22T13:05:00+09:00)")
        }
        guard let observedDate = DateParsing.dateTime(observedText) else {
            throw QueryParameterError("observed_at", "\"\(observedText.prefix(40))\" is not an ISO 8601 date-time")
        }
        guard observedDate.timeIntervalSince(now) <= Self.clockSkew else {
            throw QueryParameterError("observed_at", "\(observedText) is in the future")
        }
        props += [
            ("id", .string(id)), ("reported_at", .string(stamp)), ("status", .string(CaseStatus.open.rawValue)),
            ("created_by", .string(user.name)),
            ("updated_at", .string(stamp)), ("version", .int(1)),
        ]
        let feature = SourceFeature(location: .file, geometry: source.geometry, properties: props)
        let valid: ValidFeature = try validators.with { v in
            switch v.validate(feature) {
            case .valid(let f): return f
            case .invalid(let issues):
                let first = issues[0]
                throw QueryParameterError(first.field ?? "body", first.message)
            }
        }
        let unknown = source.properties.map(\.key).filter { layer.attribute($0) == nil }
        if let u = unknown.first {
            throw QueryParameterError(u, "unknown property; known: \(Self.editable.sorted().joined(separator: ", "))")
        }

        let srid = store.city.srid
        let (item, replayed) = try await writer.write { db -> (ParkingCase, Bool) in
            if let key = idempotencyKey,
                let existing = try String.fetchOne(
                    db, sql: "SELECT incident_id FROM parking_idempotency WHERE user = ? AND key = ?", arguments: [user.name, key]),
                let found = try fetch(db, id: existing)
            {
                return (found, true)
            }
            var args = valid.values
            args.append(Data(SpatiaLiteBlob.encode(valid.geometry, srid: srid)).databaseValue)
            try db.execute(sql: Importer.insertSQL(layer, mode: .append), arguments: StatementArguments(args))
            try appendHistory(db, id: id, user: user.name, action: "create", changes: "{}", at: stamp)
            if let key = idempotencyKey {
                try db.execute(
                    sql: "INSERT INTO parking_idempotency (user, key, incident_id, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [user.name, key, id, stamp])
            }
            try bumpVersion(db, added: 1)
            return (try fetch(db, id: id)!, false)
        }
        let nearby = try nearbyOpen(to: item, now: now)
        return Created(item: item, replayed: replayed, possibleDuplicates: nearby)
    }

    func appendHistory(_ db: Database, id: String, user: String, action: String, changes: String, at: String) throws {
        try db.execute(
            sql: "INSERT INTO parking_history (incident_id, at, user, action, changes) VALUES (?, ?, ?, ?, ?)",
            arguments: [id, at, user, action, changes])
    }

    /// Tiles and count caches key on the layer's data version; the count moves by `added`
    /// rather than being recounted, which would cost a scan on every write.
    func bumpVersion(_ db: Database, added: Int) throws {
        try db.execute(
            sql: """
                UPDATE machi_layers SET data_version = data_version + 1, feature_count = feature_count + ?, updated_at = ?
                WHERE name = 'parking_incidents'
                """, arguments: [added, Timestamp.now()])
    }

    func fetch(_ db: Database, id: String) throws -> ParkingCase? {
        guard
            let row = try Row.fetchOne(db, sql: "SELECT \(layer.selectColumns()) FROM parking_incidents t WHERE t.id = ?", arguments: [id])
        else { return nil }
        let f = try layer.decode(row)
        return ParkingCase(feature: f, version: Int64.fromDatabaseValue(f.values[index("version")]) ?? 1)
    }

    public func get(id: String) throws -> (ParkingCase, [HistoryEntry]) {
        try store.pool.read { db in
            guard let c = try fetch(db, id: id) else { throw ParkingError.notFound(id) }
            let history = try Row.fetchAll(
                db, sql: "SELECT at, user, action, changes FROM parking_history WHERE incident_id = ? ORDER BY id", arguments: [id]
            ).map { HistoryEntry(at: $0["at"], user: $0["user"], action: $0["action"], changesJSON: $0["changes"]) }
            return (c, history)
        }
    }

    /// Open cases within 30 m observed in the 7 days before this one.
    func nearbyOpen(to item: ParkingCase, now: Date) throws -> [NearbyCase] {
        guard case .point(let p) = item.feature.geometry else { return [] }
        let r = Self.duplicateRadius
        let since = Timestamp.format(now.addingTimeInterval(-Self.duplicateWindow))
        let id = item.feature.string("id", in: layer) ?? ""
        return try store.pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.id, t.observed_at, t.category, t.geom FROM parking_incidents t
                    WHERE t.fid IN (SELECT pkid FROM idx_parking_incidents_geom WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ?)
                      AND t.status IN ('open', 'in_progress') AND t.observed_at >= ? AND t.id <> ?
                    """, arguments: [p.x + r, p.x - r, p.y + r, p.y - r, since, id])
            return try rows.compactMap { row -> NearbyCase? in
                let g: Geometry = try row.withUnsafeData(atIndex: 3) { d in
                    try d!.withUnsafeBytes { try SpatiaLiteBlob.decode($0).geometry }
                }
                let d = g.planarDistance(to: p)
                guard d <= r else { return nil }
                return NearbyCase(id: row["id"], distance: d, observedAt: row["observed_at"], category: row["category"])
            }.sorted { $0.distance < $1.distance }
        }
    }

    // MARK: update

    /// Applies a JSON `{"properties": {…}}` patch if the caller saw the current version.
    public func update(id: String, body: [UInt8], ifMatch: String?, user: StaffUser, now: Date = Date()) async throws -> ParkingCase {
        guard let ifMatch else { throw ParkingError.preconditionRequired }
        guard let expected = Self.version(fromETag: ifMatch) else {
            throw QueryParameterError("If-Match", "expected an ETag like \"v3\" from a previous response")
        }
        let patch: (members: [String], properties: [(key: String, value: FieldValue)])
        do {
            patch = try GeoJSONFeatureParser.parsePatch(body)
        } catch {
            throw QueryParameterError(error.field ?? "body", error.message)
        }
        guard !patch.properties.isEmpty else {
            throw QueryParameterError("properties", "required: an object with the fields to change")
        }
        if let extra = patch.members.first(where: { !["type", "properties"].contains($0) }) {
            throw QueryParameterError(extra, "cannot be changed with PATCH")
        }
        var typed = [(String, DatabaseValue)]()
        for (k, fv) in patch.properties {
            guard Self.editable.contains(k), let a = layer.attribute(k) else {
                throw QueryParameterError(k, layer.attribute(k) == nil ? "unknown property" : "set by the server; cannot be changed")
            }
            switch FeatureValidator.convert(fv, to: a) {
            case .success(let dbv):
                if a.required && dbv.isNull { throw QueryParameterError(k, "required \(a.label) cannot be emptied") }
                typed.append((k, dbv))
            case .failure(let message): throw QueryParameterError(k, message)
            }
        }
        if let observed = typed.first(where: { $0.0 == "observed_at" }), let text = String.fromDatabaseValue(observed.1),
            let d = DateParsing.dateTime(text), d.timeIntervalSince(now) > Self.clockSkew
        {
            throw QueryParameterError("observed_at", "\(text) is in the future")
        }
        let stamp = Timestamp.format(now)
        let typedChanges = typed
        return try await writer.write { db in
            let typed = typedChanges
            guard let current = try fetch(db, id: id) else { throw ParkingError.notFound(id) }
            guard current.version == expected else { throw ParkingError.versionMismatch(current: current.version) }
            let from = CaseStatus(rawValue: current.feature.string("status", in: layer) ?? "") ?? .open
            let newStatus = typed.first { $0.0 == "status" }.flatMap { String.fromDatabaseValue($0.1) }.flatMap(CaseStatus.init(rawValue:))
            if let to = newStatus, to != from, !from.next.contains(to) {
                throw ParkingError.transitionNotAllowed(from: from.rawValue, to: to.rawValue)
            }
            let duplicateOf = typed.first { $0.0 == "duplicate_of" }.flatMap { String.fromDatabaseValue($0.1) }
            if newStatus == .duplicate || duplicateOf != nil {
                guard newStatus == .duplicate || from == .duplicate else {
                    throw QueryParameterError("duplicate_of", "only with status duplicate")
                }
                guard let other = duplicateOf ?? current.feature.string("duplicate_of", in: layer) else {
                    throw QueryParameterError("duplicate_of", "required with status duplicate: the id of the case this one repeats")
                }
                guard other != id, try fetch(db, id: other) != nil else {
                    throw QueryParameterError("duplicate_of", "no other case \(other)")
                }
            }
            var diff = [String]()
            var sets = [String]()
            var args = StatementArguments()
            for (k, v) in typed where v != current.feature.values[index(k)] {
                var pair = "["
                GeoJSONWriter.value(current.feature.values[index(k)], into: &pair)
                pair += ","
                GeoJSONWriter.value(v, into: &pair)
                pair += "]"
                diff.append("\(GeoJSONWriter.string(k)):\(pair)")
                sets.append("\"\(k)\" = ?")
                args += [v]
            }
            guard !sets.isEmpty else { return current }
            try db.execute(
                sql:
                    "UPDATE parking_incidents SET \(sets.joined(separator: ", ")), version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                arguments: args + [stamp, id, expected])
            try appendHistory(
                db, id: id, user: user.name, action: newStatus.map { "status:\($0.rawValue)" } ?? "update",
                changes: "{\(diff.joined(separator: ","))}", at: stamp)
            try bumpVersion(db, added: 0)
            return try fetch(db, id: id)!
        }
    }

    public static func etag(_ version: Int64) -> String { "\"v\(version)\"" }

    static func version(fromETag tag: String) -> Int64? {
        var t = tag.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("W/") { t.removeFirst(2) }
        guard t.hasPrefix("\"v"), t.hasSuffix("\""), t.count > 3 else { return nil }
        return Int64(t.dropFirst(2).dropLast())
    }

    // MARK: purge

    /// Deletes cases observed before `cutoff` with their history, and logs the purge.
    public func purge(before cutoff: Date, user: String) throws -> Int {
        let c = Timestamp.format(cutoff)
        return try store.pool.write { db in
            let ids = try String.fetchAll(db, sql: "SELECT id FROM parking_incidents WHERE observed_at < ?", arguments: [c])
            try db.execute(
                sql: "DELETE FROM parking_history WHERE incident_id IN (SELECT id FROM parking_incidents WHERE observed_at < ?)",
                arguments: [c])
            try db.execute(
                sql: "DELETE FROM parking_idempotency WHERE incident_id IN (SELECT id FROM parking_incidents WHERE observed_at < ?)",
                arguments: [c])
            try db.execute(sql: "DELETE FROM parking_incidents WHERE observed_at < ?", arguments: [c])
            try db.execute(
                sql: "INSERT INTO parking_purge_log (at, user, cutoff, purged) VALUES (?, ?, ?, ?)",
                arguments: [Timestamp.now(), user, c, ids.count])
            try bumpVersion(db, added: -ids.count)
            return ids.count
        }
    }
}
