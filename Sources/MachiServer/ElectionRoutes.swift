import Foundation
import HTTPTypes
import Hummingbird
import MachiCore
public import MachiElections
public import MachiHTTP

/// The election office's API under /api/elections. Published elections are public;
/// unpublished ones exist only for the roles `election` and `admin`: the anonymous public
/// gets 404 (not even their existence shows), other signed-in staff 403.
struct ElectionRoutes: Sendable {
    let office: ElectionOffice

    /// Registers the routes when the layer files declare the polling districts.
    static func register(store: Store, on router: Router<MachiRequestContext>) throws {
        guard store.catalog[PollingLayers.districtsLayer] != nil else { return }
        ElectionRoutes(office: try ElectionOffice(store: store)).register(on: router)
    }

    func register(on router: Router<MachiRequestContext>) {
        router.get("api/elections") { request, context in try list(request, context) }
        let group = router.group("api/elections")
        group.get("{id}") { request, context in try detail(request, context) }
        group.get("{id}/turnout.geojson") { request, context in try turnout(request, context) }
        group.get("{id}/stations.geojson") { request, context in try stations(request, context) }
        group.get("{id}/regulated-zones.geojson") { request, context in try zones(request, context) }
        group.get("{id}/regulated-zones/check") { request, context in try check(request, context) }
    }

    func election(_ context: MachiRequestContext) throws -> Election {
        try office.election(try context.parameters.require("id"), visibleTo: context.user)
    }

    func list(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let all = try office.elections(visibleTo: context.user)
        let body = "{\"elections\":[" + all.map(Self.json).joined(separator: ",") + "]}"
        // The list depends on who asks, so no shared cache may keep it.
        return Self.respond(.json(body), shared: false)
    }

    func detail(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let e = try election(context)
        return Self.respond(.json(Self.json(e)), shared: e.published)
    }

    func turnout(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        let p = try QueryParameters(request, allowed: ["classes", "method", "compare", "at"])
        let e = try election(context)
        var options = TurnoutMapOptions()
        options.classes = try p.int("classes", range: ColorRamp.minClasses...ColorRamp.maxClasses) ?? 5
        options.method = try p.oneOf("method", ClassMethod.allCases.map(\.rawValue)).flatMap(ClassMethod.init(rawValue:)) ?? .quantile
        options.time = try p.string("at", maxLength: 20)
        let compare = try p.string("compare", maxLength: 64)
        let map = try office.turnout(e.id, compare: compare, options: options, user: context.user)
        // Published turnout compared with unpublished turnout is unpublished data.
        return Self.respond(.geoJSON(map.json), shared: map.isPublic)
    }

    func stations(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        let e = try election(context)
        return Self.respond(.geoJSON(try office.stationsGeoJSON()), shared: e.published)
    }

    func zones(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        let p = try QueryParameters(request, allowed: ["radius_m", "dissolve"])
        let e = try election(context)
        let radius = try p.double("radius_m", range: 1...1000) ?? RegulatedZones.defaultRadius
        let dissolve = try p.oneOf("dissolve", ["true", "false"]) == "true"
        return Self.respond(.geoJSON(try office.zones.geoJSON(radius: radius, dissolve: dissolve)), shared: e.published)
    }

    func check(_ request: Request, _ context: MachiRequestContext) throws -> Response {
        let p = try QueryParameters(request, allowed: ["lon", "lat", "radius_m"])
        let e = try election(context)
        let lon = try p.required("lon", try p.double("lon", range: -180...180))
        let lat = try p.required("lat", try p.double("lat", range: -90...90))
        let radius = try p.double("radius_m", range: 1...1000) ?? RegulatedZones.defaultRadius
        let r = try office.zones.check(lon: lon, lat: lat, radius: radius)
        var out = "{\"inside\":\(r.inside),\"stations\":[" + r.stations.map(GeoJSONWriter.string).joined(separator: ",") + "]"
        out += ",\"distance_m\":" + (r.distance.map { GeoJSONWriter.number($0, decimals: 2) } ?? "null")
        out += ",\"nearest_station\":" + (r.nearestStation.map(GeoJSONWriter.string) ?? "null")
        out += ",\"radius_m\":" + GeoJSONWriter.number(radius, decimals: 2) + "}"
        return Self.respond(.json(out), shared: e.published)
    }

    static func json(_ e: Election) -> String {
        var out = "{\"id\":" + GeoJSONWriter.string(e.id) + ",\"name\":" + GeoJSONWriter.string(e.name)
        out += ",\"date\":" + GeoJSONWriter.string(e.date) + ",\"published\":\(e.published)"
        out += ",\"published_at\":" + (e.publishedAt.map(GeoJSONWriter.string) ?? "null")
        out +=
            ",\"final_turnout\":\(e.hasFinalTurnout),\"interim_times\":[" + e.interimTimes.map(GeoJSONWriter.string).joined(separator: ",")
            + "]}"
        return out
    }

    /// `shared`: the same answer for every caller, about published elections only. Anything
    /// else must not linger in a browser or proxy cache after sign-out, and since the same URL
    /// answers differently by who asks, a cache must not hand one caller's answer to another.
    static func respond(_ response: Response, shared: Bool) -> Response {
        var r = response
        if shared {
            r.headers[.cacheControl] = "public, max-age=60"
        } else {
            r.headers[.cacheControl] = unshared.cacheControl
            r.headers[.vary] = unshared.vary
        }
        return r
    }

    static let unshared = (cacheControl: "private, no-store", vary: "Authorization, Cookie")
}

/// The module's errors as problem documents. Whether an election exists or may be compared
/// with depends on who asks, and a cached 404 would hide an election after its publication,
/// so these answers are never shared.
extension ElectionError: ProblemConvertible {
    public var problem: Problem {
        var p: Problem
        switch kind {
        case .notFound: p = Problem.notFound(message)
        case .forbidden: p = Problem(.forbidden, "Forbidden", detail: message)
        case .invalid(let parameter): p = Problem.badParameter(parameter, message)
        case .conflict: p = Problem(.conflict, "Conflict", detail: message)
        }
        p.extraHeaders[.cacheControl] = ElectionRoutes.unshared.cacheControl
        p.extraHeaders[.vary] = ElectionRoutes.unshared.vary
        return p
    }
}
