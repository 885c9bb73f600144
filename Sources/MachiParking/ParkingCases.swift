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
/// in_progress → open is allowed too: staff hand a case back to the queue when they took it
/// by mistake or cannot go after all, and the history keeps who did. The closed states are
/// final.
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
    /// Fields the server sets on every write. Ignored on input, so a client may send back
    /// the Feature it read (with its `history`) with a few properties changed.
    static let serverSet: Set<String> = ["id", "reported_at", "created_by", "updated_at", "version", "history"]
    /// A new case is always open: the workflow fields are the server's on create.
    static let ignoredOnCreate = serverSet.union(["status", "duplicate_of"])
    static let editable: Set<String> = [
        "observed_at", "accuracy_m", "address", "category", "vehicle_type", "plate", "duration_min", "notes", "status", "duplicate_of",
        "assignee",
    ]
    /// Top-level members of a PATCH body; `id` and `history` are the server's and ignored.
    static let patchMembers: Set<String> = ["type", "properties", "geometry", "id", "history"]

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
    public func create(body: [UInt8], user: StaffUser, idempotencyKey: String?, client: String? = nil, now: Date = Date()) async throws
        -> Created
    {
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
        var props = source.properties.filter { !Self.ignoredOnCreate.contains($0.key) }
        guard let observed = source["observed_at"], case .string(let observedText) = observed else {
            throw QueryParameterError("observed_at", "required: when the vehicle was seen (ISO 8601, e.g. 2026-11-22T13:05:00+09:00)")
        }
        guard let observedDate = DateParsing.dateTime(observedText) else {
            throw QueryParameterError("observed_at", "\"\(observedText.prefix(40))\" is not an ISO 8601 date-time")
        }
        try Self.checkObserved(observedDate, observedText, now: now)
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
        let unknown = source.properties.map(\.key).filter { layer.attribute($0) == nil && !Self.serverSet.contains($0) }
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
            try AuditLog.record(db, user: user.name, action: "case_create", target: id, client: client, at: now)
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

    /// Earliest plausible observation: older times are typing slips (a year 0026) that would
    /// sort before every real case and outlive every retention purge's intent.
    public static let earliestObservation = DateParsing.date("1900-01-01")!

    /// An observation time must lie between 1900 and now plus `clockSkew` (5 min: phones'
    /// clocks run a little fast; well within the one day the issue allows).
    static func checkObserved(_ d: Date, _ text: String, now: Date) throws {
        guard d >= earliestObservation else { throw QueryParameterError("observed_at", "\(text.prefix(40)) is before 1900") }
        guard d.timeIntervalSince(now) <= clockSkew else {
            throw QueryParameterError("observed_at", "\(text.prefix(40)) is in the future")
        }
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
            // The filter runs on the candidates of the nearest search, nearest first.
            let candidate = try db.cachedStatement(
                sql: """
                    SELECT t.id, t.observed_at, t.category, t.geom FROM parking_incidents t
                    WHERE t.fid = ? AND t.status IN ('open', 'in_progress') AND t.observed_at >= ? AND t.id <> ?
                    """)
            var found = [Int64: NearbyCase]()
            let hits = try NearestQuery(store: store).nearest(db, layer: layer, point: p, k: .max, maxDistance: r) { fid in
                guard let row = try Row.fetchOne(candidate, arguments: [fid, since, id]) else { return nil }
                let g: Geometry = try row.withUnsafeData(atIndex: 3) { d in
                    try d!.withUnsafeBytes { try SpatiaLiteBlob.decode($0).geometry }
                }
                let d = g.planarDistance(to: p)
                found[fid] = NearbyCase(id: row["id"], distance: d, observedAt: row["observed_at"], category: row["category"])
                return d
            }
            return hits.compactMap { found[$0.fid] }
        }
    }

    // MARK: update

    /// Applies a JSON `{"properties": {…}, "geometry": {…}}` patch if the caller saw the
    /// current version (or sent `If-Match: *`). Only fields whose values change are written
    /// and recorded in the history.
    public func update(id: String, body: [UInt8], ifMatch: String?, user: StaffUser, client: String? = nil, now: Date = Date()) async throws
        -> ParkingCase
    {
        guard let ifMatch else { throw ParkingError.preconditionRequired }
        guard let expected = IfMatch(ifMatch) else {
            throw QueryParameterError("If-Match", "expected an ETag like \"v3\" from a previous response, or *")
        }
        let patch: (members: [String], properties: [(key: String, value: FieldValue)], geometry: Geometry?)
        do {
            patch = try GeoJSONFeatureParser.parsePatch(body)
        } catch {
            throw QueryParameterError(error.field ?? "body", error.message)
        }
        if let extra = patch.members.first(where: { !Self.patchMembers.contains($0) }) {
            throw QueryParameterError(extra, "cannot be changed with PATCH")
        }
        let hasGeometry = patch.members.contains("geometry")
        guard !patch.properties.isEmpty || hasGeometry else {
            throw QueryParameterError("properties", "required: an object with the fields to change")
        }
        let properties = patch.properties.filter { !Self.serverSet.contains($0.key) }
        var typed = [(String, DatabaseValue)]()
        for (k, fv) in properties {
            guard Self.editable.contains(k), let a = layer.attribute(k) else {
                throw QueryParameterError(k, "unknown property; known: \(Self.editable.sorted().joined(separator: ", "))")
            }
            switch FeatureValidator.convert(fv, to: a) {
            case .success(let dbv):
                if a.required && dbv.isNull { throw QueryParameterError(k, "required \(a.label) cannot be emptied") }
                typed.append((k, dbv))
            case .failure(let message): throw QueryParameterError(k, message)
            }
        }
        if let observed = typed.first(where: { $0.0 == "observed_at" }), let text = String.fromDatabaseValue(observed.1),
            let d = DateParsing.dateTime(text)
        {
            try Self.checkObserved(d, text, now: now)
        }
        let location = hasGeometry ? try newLocation(patch.geometry, id: id, expected: expected) : nil
        let stamp = Timestamp.format(now)
        let typedChanges = typed
        let srid = store.city.srid
        return try await writer.write { db in
            let typed = typedChanges
            guard let current = try fetch(db, id: id) else { throw ParkingError.notFound(id) }
            if !expected.accepts(current.version) { throw ParkingError.versionMismatch(current: current.version) }
            let from = CaseStatus(rawValue: current.feature.string("status", in: layer) ?? "") ?? .open
            let newStatus = typed.first { $0.0 == "status" }.flatMap { String.fromDatabaseValue($0.1) }.flatMap(CaseStatus.init(rawValue:))
            if let to = newStatus, to != from, !from.next.contains(to) {
                throw ParkingError.transitionNotAllowed(from: from.rawValue, to: to.rawValue)
            }
            try checkDuplicateOf(
                db, id: id, status: newStatus ?? from, wasDuplicate: from == .duplicate,
                current: current.feature.string("duplicate_of", in: layer),
                patched: typed.first { $0.0 == "duplicate_of" }.map { String.fromDatabaseValue($0.1) })
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
            if let location, location.plane != current.feature.geometry {
                let old = try store.toLonLat.withTransformer { try $0.transform(current.feature.geometry) }
                diff.append("\"geometry\":[\(Self.coordinates(old)),\(Self.coordinates(location.lonLat))]")
                sets.append("geom = ?")
                args += [Data(SpatiaLiteBlob.encode(location.plane, srid: srid))]
            }
            guard !sets.isEmpty else { return current }
            let statusChanged = newStatus.map { $0 != from } ?? false
            try db.execute(
                sql:
                    "UPDATE parking_incidents SET \(sets.joined(separator: ", ")), version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                arguments: args + [stamp, id, current.version])
            try appendHistory(
                db, id: id, user: user.name, action: statusChanged ? "status:\(newStatus!.rawValue)" : "update",
                changes: "{\(diff.joined(separator: ","))}", at: stamp)
            // The history keeps old and new values (plates among them); the audit log only which fields.
            let fields =
                typed.filter { $0.1 != current.feature.values[index($0.0)] }.map(\.0).sorted()
                + (location.map { $0.plane != current.feature.geometry } == true ? ["geometry"] : [])
            try AuditLog.record(
                db, user: user.name, action: "case_update", target: id,
                detail: [("fields", fields.joined(separator: ",").databaseValue), ("version", (current.version + 1).databaseValue)],
                client: client, at: now)
            try bumpVersion(db, added: 0)
            return try fetch(db, id: id)!
        }
    }

    /// A duplicate must name an existing other case, and only a duplicate may name one.
    /// `patched` is nil when the patch leaves `duplicate_of` alone, `.some(nil)` when it empties it.
    func checkDuplicateOf(_ db: Database, id: String, status: CaseStatus, wasDuplicate: Bool, current: String?, patched: String??) throws {
        let target = patched ?? current
        guard status == .duplicate else {
            if target != nil { throw QueryParameterError("duplicate_of", "only with status duplicate") }
            return
        }
        guard let target else {
            throw QueryParameterError(
                "duplicate_of",
                wasDuplicate
                    ? "a duplicate must keep naming the case it repeats; cannot be emptied"
                    : "required with status duplicate: the id of the case this one repeats")
        }
        // A link already stored was checked when it was set (its original may since be purged).
        guard target != current || !wasDuplicate else { return }
        guard target != id else { throw QueryParameterError("duplicate_of", "a case cannot be a duplicate of itself") }
        // Two cases naming each other would leave neither as the original.
        var next: String? = target
        var seen = Set<String>()
        while let n = next, seen.insert(n).inserted {
            guard let c = try fetch(db, id: n) else {
                if n == target { throw QueryParameterError("duplicate_of", "no case \(target)") }
                break
            }
            if n == id { throw QueryParameterError("duplicate_of", "case \(target) is itself a duplicate of this case") }
            next = c.feature.string("duplicate_of", in: layer)
        }
    }

    /// The Point of a PATCH body, validated exactly as on create (numeric, inside the city),
    /// in lon/lat and in the storage CRS.
    func newLocation(_ geometry: Geometry?, id: String, expected: IfMatch) throws -> (lonLat: Geometry, plane: Geometry) {
        guard let lonLat = geometry else {
            throw QueryParameterError("geometry", "a case keeps its location; send a Point [lon, lat] to move it")
        }
        // The validator checks whole features: give it the stored case with the new point.
        guard let current = try store.pool.read({ try fetch($0, id: id) }) else { throw ParkingError.notFound(id) }
        if !expected.accepts(current.version) { throw ParkingError.versionMismatch(current: current.version) }
        var props = [(key: String, value: FieldValue)]()
        for (i, a) in layer.attributes.enumerated() {
            let v: FieldValue =
                switch current.feature.values[i].storage {
                case .null, .blob: .null
                case .int64(let n): .int(n)
                case .double(let d): .double(d)
                case .string(let s): .string(s)
                }
            props.append((a.key, v))
        }
        let plane: Geometry = try validators.with { v in
            switch v.validate(SourceFeature(location: .file, geometry: lonLat, properties: props)) {
            case .valid(let f): return f.geometry
            case .invalid(let issues):
                let first = issues.first { $0.field == "geometry" } ?? issues[0]
                throw QueryParameterError(first.field ?? "geometry", first.message)
            }
        }
        return (lonLat, plane)
    }

    static func coordinates(_ g: Geometry) -> String {
        guard case .point(let p) = g else { return "null" }
        return "[\(GeoJSONWriter.number(p.x)),\(GeoJSONWriter.number(p.y))]"
    }

    public static func etag(_ version: Int64) -> String { "\"v\(version)\"" }

    /// What an If-Match header accepts.
    enum IfMatch: Sendable {
        /// `*`: any current version (RFC 9110 §13.1.1), for clients that only need the case to exist.
        case any
        case versions(Set<Int64>)

        /// nil when the header is malformed.
        init?(_ header: String) {
            if header.trimmingCharacters(in: .whitespaces) == "*" {
                self = .any
                return
            }
            var versions = Set<Int64>()
            for tag in header.split(separator: ",") {
                guard let v = ParkingCases.version(fromETag: String(tag)) else { return nil }
                versions.insert(v)
            }
            guard !versions.isEmpty else { return nil }
            self = .versions(versions)
        }

        func accepts(_ version: Int64) -> Bool {
            switch self {
            case .any: true
            case .versions(let v): v.contains(version)
            }
        }
    }

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
            try AuditLog.record(db, user: user, action: "case_purge", target: c, detail: [("purged", ids.count.databaseValue)])
            try bumpVersion(db, added: -ids.count)
            return ids.count
        }
    }
}
