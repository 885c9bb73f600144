import Foundation
import HTTPTypes
import Hummingbird
import MachiCore
import MachiFormats
import MachiGeometry
public import MachiHTTP
public import MachiParking

/// Staff-only API for parking cases under /api/parking. Every route requires the
/// road_traffic (or admin) role; nothing here is reachable anonymously.
struct ParkingRoutes: Sendable {
    let cases: ParkingCases
    static let roles: Set<Role> = [.roadTraffic]
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!

    func register(on router: Router<MachiRequestContext>) {
        let group = router.group("api/parking")
        group.post("incidents") { request, context in try await create(request, context) }
        group.get("incidents") { request, context in try list(request, context) }
        group.get("incidents/{id}") { request, context in try get(request, context) }
        group.patch("incidents/{id}") { request, context in try await patch(request, context) }
        group.get("hotspots") { request, context in try hotspots(request, context) }
        group.get("export") { request, context in try await export(request, context) }
        group.get("plates/{plate}/cases") { request, context in try await plateCases(request, context) }
        // Cases are never deleted or replaced; say so with 405 rather than a 404 that suggests a wrong URL.
        let methods: [(String, [HTTPRequest.Method])] = [
            ("incidents", [.get, .head, .post]), ("incidents/{id}", [.get, .head, .patch]), ("hotspots", [.get, .head]),
            ("export", [.get, .head]), ("plates/{plate}/cases", [.get, .head]),
        ]
        for (path, allowed) in methods {
            let allow = allowed.map(\.rawValue).joined(separator: ", ")
            for method in [HTTPRequest.Method.post, .put, .patch, .delete] where !allowed.contains(method) {
                group.on(RouterPath(path), method: method) { _, context -> Response in
                    // Anonymous callers get 401 everywhere under /api/parking, this included.
                    _ = try context.requireUser(roles: Self.roles)
                    var p = Problem(
                        .methodNotAllowed, "Method not allowed",
                        detail: "/api/parking/\(path) does not take \(method.rawValue); allowed: \(allow)")
                    p.extraHeaders[.allow] = allow
                    throw p
                }
            }
        }
    }

    func create(_ request: Request, _ context: MachiRequestContext) async throws -> Response {
        let user = try context.requireUser(roles: Self.roles)
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let created = try await cases.create(
            body: Array(buffer: body), user: user, idempotencyKey: request.headers[Self.idempotencyKey],
            client: context.clientAddress?.description)
        var duplicates = "["
        for (i, d) in created.possibleDuplicates.enumerated() {
            if i > 0 { duplicates += "," }
            duplicates +=
                "{\"id\":\(GeoJSONWriter.string(d.id)),\"distance_m\":\(GeoJSONWriter.number(d.distance, decimals: 1)),\"observed_at\":\(GeoJSONWriter.string(d.observedAt)),\"category\":\(GeoJSONWriter.string(d.category))}"
        }
        duplicates += "]"
        var response = try featureResponse(created.item, foreign: [("possible_duplicates", duplicates)], status: .created)
        if let id = created.item.feature.string("id", in: cases.layer) { response.headers[.location] = "/api/parking/incidents/\(id)" }
        if created.replayed { response.headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return response
    }

    func get(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        _ = try context.requireUser(roles: Self.roles)
        let id = try context.parameters.require("id")
        let (item, history) = try cases.get(id: id)
        var h = "["
        for (i, e) in history.enumerated() {
            if i > 0 { h += "," }
            h +=
                "{\"at\":\(GeoJSONWriter.string(e.at)),\"user\":\(GeoJSONWriter.string(e.user)),\"action\":\(GeoJSONWriter.string(e.action)),\"changes\":\(e.changesJSON)}"
        }
        return try featureResponse(item, foreign: [("history", h + "]")])
    }

    func patch(_ request: Request, _ context: MachiRequestContext) async throws -> Response {
        let user = try context.requireUser(roles: Self.roles)
        let id = try context.parameters.require("id")
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        let item = try await cases.update(
            id: id, body: Array(buffer: body), ifMatch: request.headers[.ifMatch], user: user, client: context.clientAddress?.description)
        return try featureResponse(item)
    }

    func list(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        let user = try context.requireUser(roles: Self.roles)
        let p = try QueryParameters(request, allowed: ["bbox", "from", "to", "category", "status", "q", "limit", "offset"])
        let filter = try caseFilter(p)
        let limit = try p.int("limit", range: 1...1000) ?? 100
        let offset = try p.int("offset", range: 0...10_000_000) ?? 0
        let view = cases.layer.view(for: user, .bulk)
        let (matched, items) = try cases.list(filter: filter, limit: limit, offset: offset, view: view)
        var out =
            "{\"type\":\"FeatureCollection\",\"numberMatched\":\(matched),\"numberReturned\":\(items.count),\"timeStamp\":\"\(Timestamp.now())\",\"features\":["
        try cases.store.toLonLat.withTransformer { t in
            for (i, c) in items.enumerated() {
                if i > 0 { out += "," }
                try GeoJSONWriter.feature(c.feature, layer: view, toLonLat: t, into: &out)
            }
        }
        return .geoJSON(out + "]}")
    }

    func hotspots(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        _ = try context.requireUser(roles: Self.roles)
        let p = try QueryParameters(request, allowed: ["from", "to", "category", "cell"])
        let filter = try caseFilter(p)
        let size = MeshSize(rawValue: try p.oneOf("cell", MeshSize.allCases.map(\.rawValue)) ?? "250m") ?? .quarter
        let r = try cases.hotspots(filter: filter, size: size)
        var out = "{\"type\":\"FeatureCollection\",\"cell\":\"\(size.rawValue)\",\"total\":\(r.total),\"features\":["
        for (i, c) in r.cells.enumerated() {
            if i > 0 { out += "," }
            let code = c.cell.code(size: size)
            out += "{\"type\":\"Feature\",\"id\":\"\(code)\",\"geometry\":"
            GeoJSONWriter.geometry(.polygon([c.cell.ring(size: size)]), into: &out)
            out += ",\"properties\":{\"mesh_code\":\"\(code)\",\"count\":\(c.count),\"z\":\(GeoJSONWriter.number(c.z, decimals: 3))"
            out += ",\"p\":\(GeoJSONWriter.number(c.p, decimals: 4)),\"hot\":\(c.z >= 1.96)}}"
        }
        out += "],\"by_hour\":[\(r.byHour.map(String.init).joined(separator: ","))]"
        out += ",\"by_weekday\":[\(r.byWeekday.map(String.init).joined(separator: ","))]}"
        return .geoJSON(out)
    }

    func export(_ request: Request, _ context: MachiRequestContext) async throws -> Response {
        let user = try context.requireUser(roles: Self.roles)
        let p = try QueryParameters(request, allowed: ["format", "from", "to", "category", "status", "encoding", "include_plate"])
        let format = try p.oneOf("format", ["csv", "geojson"]) ?? "csv"
        let includePlate = try p.oneOf("include_plate", ["true", "false"]) == "true"
        if includePlate, user.role != .admin { throw Problem(.forbidden, "Forbidden", detail: "only admin may export plate numbers") }
        // Personal attributes only when an admin asks for them; the layer file says which they are.
        let view = cases.layer.view(for: includePlate ? user : nil, .bulk)
        let filter = try caseFilter(p)
        let stamp = String(Timestamp.now().prefix(10))
        // Recorded before the data leaves: an export that fails after this is still an attempt worth knowing.
        try await AuditLog(store: cases.store).record(
            user: user.name, action: "export", target: "parking_incidents",
            detail: [
                ("format", format.databaseValue), ("include_plate", String(includePlate).databaseValue),
                ("query", (request.uri.query ?? "").databaseValue),
            ],
            client: context.clientAddress?.description)
        if format == "geojson" {
            let features = try cases.all(filter: filter, view: view)
            var out = "{\"type\":\"FeatureCollection\",\"features\":["
            try cases.store.toLonLat.withTransformer { t in
                for (i, f) in features.enumerated() {
                    if i > 0 { out += "," }
                    try GeoJSONWriter.feature(f, layer: view, toLonLat: t, into: &out)
                }
            }
            var r = Response.geoJSON(out + "]}")
            r.headers[.contentDisposition] = "attachment; filename=\"parking-\(stamp).geojson\""
            return r
        }
        let encoding: TextEncoding = try p.oneOf("encoding", ["utf-8", "cp932"]) == "cp932" ? .cp932 : .utf8
        let csv = try cases.exportCSV(filter: filter, view: view, encoding: encoding)
        let charset = encoding == .cp932 ? "Shift_JIS" : "utf-8"
        var headers: HTTPFields = [
            .contentType: "text/csv; charset=\(charset)", .contentDisposition: "attachment; filename=\"parking-\(stamp).csv\"",
        ]
        // A note inside the CSV would read as a case row in a spreadsheet: the count goes in a header.
        if csv.substitutions > 0 { headers[Self.substitutedCharacters] = String(csv.substitutions) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: csv.bytes)))
    }

    /// Repeat-offender lookup: every case with exactly this plate (after normalising), for
    /// the staff who may read cases. Each lookup is written to the audit log with its count.
    func plateCases(_ request: Request, _ context: MachiRequestContext) async throws -> Response {
        let user = try context.requireUser(roles: Self.roles)
        _ = try QueryParameters(request, allowed: [])
        let raw = try context.parameters.require("plate")
        guard let decoded = raw.removingPercentEncoding else { throw Problem.badParameter("plate", "bad percent-encoding") }
        let plate = PlateNumber.normalise(decoded)
        guard !plate.isEmpty, plate.count <= 40 else {
            throw Problem.badParameter("plate", "a number plate of 1–40 characters, e.g. なにわ500あ1234")
        }
        let found = try await cases.casesWithPlate(plate, user: user, client: context.clientAddress?.description)
        var out = "{\"plate\":\(GeoJSONWriter.string(plate)),\"count\":\(found.count),\"cases\":["
        for (i, m) in found.enumerated() {
            if i > 0 { out += "," }
            out += "{\"id\":\(GeoJSONWriter.string(m.id)),\"observed_at\":\(GeoJSONWriter.string(m.observedAt))}"
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: out + "]}")))
    }

    /// How many characters a CP932 export wrote as 〓 because CP932 has no code for them.
    static let substitutedCharacters = HTTPField.Name("X-Substituted-Characters")!

    func caseFilter(_ p: QueryParameters) throws -> CaseFilter {
        var f = CaseFilter()
        f.from = try time(p, "from")
        f.to = try time(p, "to")
        f.category = try p.oneOf("category", cases.layer.attribute("category")?.values ?? [])
        f.status = try p.oneOf("status", CaseStatus.allCases.map(\.rawValue))
        f.q = try p.string("q", maxLength: 100)
        if let b = try p.lonLatBBox() { f.box = try cases.store.planeBox(lonLat: b) }
        return f
    }

    /// A date-time, or a date (JST). The filter's `to` is exclusive, so a date-only `to`
    /// becomes the start of the next day: `to=2026-11-30` includes all of 30 November.
    func time(_ p: QueryParameters, _ name: String) throws -> String? {
        guard let v = try p.string(name, maxLength: 40) else { return nil }
        let dateOnly = v.count == 10
        guard let d = dateOnly ? DateParsing.date(v) : DateParsing.dateTime(v) else {
            throw Problem.badParameter(name, "\"\(v)\" is not an ISO 8601 date or date-time")
        }
        // Japan has no daylight saving time: a day is always 86,400 s.
        return Timestamp.format(dateOnly && name == "to" ? d.addingTimeInterval(86400) : d)
    }

    func featureResponse(_ item: ParkingCase, foreign: [(String, String)] = [], status: HTTPResponse.Status = .ok) throws -> Response {
        var out = ""
        try cases.store.toLonLat.withTransformer { t in
            try GeoJSONWriter.feature(item.feature, layer: cases.layer, toLonLat: t, foreign: foreign, into: &out)
        }
        var r = Response.geoJSON(out)
        r.status = status
        r.headers[.eTag] = ParkingCases.etag(item.version)
        return r
    }
}

/// Domain failures to HTTP statuses, answered by the problem middleware.
extension ParkingError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .notFound(let id):
            return Problem.notFound("no parking case \(id)")
        case .versionMismatch(let v):
            var p = Problem(
                .preconditionFailed, "Changed by someone else", detail: "the case is now at version \(v); reload it and try again")
            p.extraHeaders[.eTag] = ParkingCases.etag(v)
            return p
        case .preconditionRequired:
            return Problem(.init(code: 428), "If-Match required", detail: "send If-Match with the ETag of the version you are changing")
        case .transitionNotAllowed(let from, let to):
            return Problem(.conflict, "Status change not allowed", detail: "a case cannot go from \(from) to \(to)", parameter: "status")
        }
    }
}
