import Foundation
import Hummingbird
import MachiCore
import MachiGeometry
import MachiHTTP
import MachiSewer

/// The public, read-only sewer ledger API under /api/sewer.
struct SewerRoutes: Sendable {
    let ledger: SewerLedger

    func register(on router: Router<some RequestContext>) {
        let group = router.group("api/sewer")
        group.get("search") { request, _ in try search(request) }
        group.get("nearest") { request, _ in try nearest(request) }
        group.get("pipes/{number}") { request, context in
            try detail(.pipes, try context.parameters.require("number"), request)
        }
        group.get("manholes/{number}") { request, context in
            try detail(.manholes, try context.parameters.require("number"), request)
        }
    }

    func search(_ request: Request) throws -> Response {
        let p = try QueryParameters(
            request,
            allowed: [
                "q", "system", "diameter_min", "diameter_max", "material", "year_from", "year_to", "bbox", "layer", "limit", "offset",
            ])
        var s = SewerSearch()
        s.q = try p.string("q", maxLength: 40)
        s.system = try p.oneOf("system", ["合流", "汚水", "雨水"])
        s.diameterMin = try p.int("diameter_min", range: 0...10_000)
        s.diameterMax = try p.int("diameter_max", range: 0...10_000)
        if let a = s.diameterMin, let b = s.diameterMax, a > b {
            throw Problem.badParameter("diameter_min", "\(a) is greater than diameter_max \(b)")
        }
        s.material = try p.string("material", maxLength: 20)
        s.yearFrom = try p.int("year_from", range: 1800...2200)
        s.yearTo = try p.int("year_to", range: 1800...2200)
        if let a = s.yearFrom, let b = s.yearTo, a > b { throw Problem.badParameter("year_from", "\(a) is after year_to \(b)") }
        s.bbox = try p.lonLatBBox()
        s.layer = try p.oneOf("layer", ["pipes", "manholes"]).flatMap(SewerLayer.init(rawValue:))
        s.limit = try p.int("limit", range: 1...SewerLedger.maxLimit) ?? 50
        s.offset = try p.int("offset", range: 0...10_000_000) ?? 0
        let result = try ledger.search(s)
        var out = "{\"type\":\"FeatureCollection\",\"numberMatched\":\(result.numberMatched),\"numberReturned\":\(result.features.count)"
        out += ",\"timeStamp\":\"\(Timestamp.now())\",\"features\":["
        try ledger.store.toLonLat.withTransformer { t in
            for (i, item) in result.features.enumerated() {
                if i > 0 { out += "," }
                let def = ledger.definition(item.layer)
                try GeoJSONWriter.feature(
                    item.feature, layer: def, toLonLat: t, extra: [("layer", GeoJSONWriter.string(def.name))], into: &out)
            }
        }
        out += "]}"
        return .geoJSON(out)
    }

    func nearest(_ request: Request) throws -> Response {
        let p = try QueryParameters(request, allowed: ["lon", "lat", "layer", "k", "radius_m"])
        let lon = try p.required("lon", try p.double("lon", range: -180...180))
        let lat = try p.required("lat", try p.double("lat", range: -90...90))
        let layer = SewerLayer(rawValue: try p.oneOf("layer", ["pipes", "manholes"]) ?? "pipes") ?? .pipes
        let k = try p.int("k", range: 1...SewerLedger.maxK) ?? 5
        let radius = try p.double("radius_m", range: 0...SewerLedger.maxRadius)
        let hits = try ledger.nearest(lon: lon, lat: lat, layer: layer, k: k, radius: radius)
        let def = ledger.definition(layer)
        var out = "{\"type\":\"FeatureCollection\",\"numberReturned\":\(hits.count),\"features\":["
        try ledger.store.toLonLat.withTransformer { t in
            for (i, h) in hits.enumerated() {
                if i > 0 { out += "," }
                try GeoJSONWriter.feature(
                    h.feature, layer: def, toLonLat: t,
                    extra: [("layer", GeoJSONWriter.string(def.name)), ("distance_m", GeoJSONWriter.number(h.distance, decimals: 2))],
                    into: &out)
            }
        }
        out += "]}"
        return .geoJSON(out)
    }

    func detail(_ layer: SewerLayer, _ raw: String, _ request: Request) throws -> Response {
        _ = try QueryParameters(request, allowed: [])
        // Path segments arrive percent-encoded: ＧＭ－０００１ typed on a phone is sent as %EF%BC%A7…,
        // and only the decoded text normalises like a search term.
        guard let number = raw.removingPercentEncoding else {
            throw Problem.badParameter(layer == .pipes ? "pipe_no" : "mh_no", "bad percent-encoding")
        }
        guard number.count <= 40 else { throw Problem.badParameter(layer == .pipes ? "pipe_no" : "mh_no", "longer than 40 characters") }
        let found = layer == .pipes ? try ledger.pipe(number) : try ledger.manhole(number)
        guard let found else {
            throw Problem.notFound(layer == .pipes ? "no pipe with number \(number)" : "no manhole with number \(number)")
        }
        let def = ledger.definition(layer)
        var out = ""
        try ledger.store.toLonLat.withTransformer { t in
            // Connections travel as foreign members of the Feature (RFC 7946 §6.1).
            var foreign = [(String, String)]()
            for (name, list) in [("upstream", found.upstream), ("downstream", found.downstream)] {
                var items = "["
                for (i, item) in list.enumerated() {
                    if i > 0 { items += "," }
                    let fd = ledger.definition(item.layer)
                    try GeoJSONWriter.feature(
                        item.feature, layer: fd, toLonLat: t, extra: [("layer", GeoJSONWriter.string(fd.name))], into: &items)
                }
                foreign.append((name, items + "]"))
            }
            try GeoJSONWriter.feature(
                found.feature, layer: def, toLonLat: t, extra: [("layer", GeoJSONWriter.string(def.name))], foreign: foreign, into: &out)
        }
        return .geoJSON(out)
    }
}

extension Response {
    static func geoJSON(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/geo+json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
