import Foundation
import HTTPTypes
public import Hummingbird
public import MachiCore
import MachiGeometry
import MachiHTTP

/// OGC API – Features under `/ogc` for every layer of the catalogue the caller may read.
public struct OGCRoutes: Sendable {
    public let store: Store
    let gate: LayerGate
    let features: FeatureSource
    let documents: OGCDocuments
    let links: LinkBase

    public init(store: Store, links: LinkBase = .fromRequest) {
        self.store = store
        self.links = links
        gate = LayerGate(catalog: store.catalog)
        features = FeatureSource(store: store)
        documents = OGCDocuments(store: store)
    }

    /// - Parameter user: who is calling, as the authentication middleware put it in the context.
    public func register<Context: RequestContext>(on router: Router<Context>, user: @escaping @Sendable (Context) -> StaffUser?) {
        router.get("ogc") { request, _ in links.vary(try landing(request)) }
        router.get("ogc/conformance") { request, _ in links.vary(try conformance(request)) }
        router.get("ogc/api") { request, context in links.vary(try api(request, user(context))) }
        router.get("ogc/collections") { request, context in links.vary(try collections(request, user(context))) }
        router.get("ogc/collections/{collectionId}") { request, context in
            links.vary(try collection(request, try layer(context, user(context))))
        }
        router.get("ogc/collections/{collectionId}/items") { request, context in
            // Bulk: personal attributes only for admins (they cannot be filtered or sorted on either).
            let u = user(context)
            return links.vary(try items(request, try layer(context, u).view(for: u, .bulk)))
        }
        router.get("ogc/collections/{collectionId}/items/{featureId}") { request, context in
            let l = try layer(context, user(context))
            let id = try Self.pathParameter(context, "featureId")
            return links.vary(try item(request, l, id))
        }
        router.get("ogc/collections/{collectionId}/queryables") { request, context in
            let u = user(context)
            return links.vary(try queryables(request, try layer(context, u).view(for: u, .bulk)))
        }
        router.get("ogc/collections/{collectionId}/schema") { request, context in
            let l = try layer(context, user(context))
            _ = try QueryParameters(request, allowed: ["f"])
            return links.vary(
                Self.json(
                    documents.featureSchema(l, base: links.base(request)).text, type: "application/schema+json",
                    restricted: !l.access.isPublic))
        }
    }

    /// Path segments arrive percent-encoded (feature ids may be Japanese).
    static func pathParameter<Context: RequestContext>(_ context: Context, _ name: String) throws -> String {
        let raw = try context.parameters.require(name)
        guard let s = raw.removingPercentEncoding else { throw Problem.badParameter(name, "bad percent-encoding") }
        return s
    }

    func layer<Context: RequestContext>(_ context: Context, _ user: StaffUser?) throws -> LayerDefinition {
        try gate.layer(try Self.pathParameter(context, "collectionId"), for: user)
    }

    func landing(_ request: Request) throws -> Response {
        let q = try QueryParameters(request, allowed: ["f"])
        let base = links.base(request)
        if try OutputFormat.choose(q, request) == .html { return Self.html(HTMLPages.landing(documents, base: base)) }
        return Self.json(documents.landing(base: base).text)
    }

    func conformance(_ request: Request) throws -> Response {
        let q = try QueryParameters(request, allowed: ["f"])
        if try OutputFormat.choose(q, request) == .html { return Self.html(HTMLPages.conformance(base: links.base(request))) }
        return Self.json(documents.conformanceDocument(base: links.base(request)).text)
    }

    func api(_ request: Request, _ user: StaffUser?) throws -> Response {
        let q = try QueryParameters(request, allowed: ["f"])
        let layers = gate.visible(to: user)
        if try OutputFormat.choose(q, request) == .html { return Self.html(HTMLPages.api(layers, base: links.base(request))) }
        let doc = OpenAPIDocument(store: store, layers: layers).document(base: links.base(request))
        return Self.json(doc.text, type: OGCDocuments.openAPIType, restricted: layers.contains { !$0.access.isPublic })
    }

    func collections(_ request: Request, _ user: StaffUser?) throws -> Response {
        let q = try QueryParameters(request, allowed: ["f"])
        let layers = gate.visible(to: user)
        let restricted = layers.contains { !$0.access.isPublic }
        if try OutputFormat.choose(q, request) == .html {
            return Self.html(HTMLPages.collections(layers, base: links.base(request)), restricted: restricted)
        }
        return Self.json(try documents.collections(layers, base: links.base(request)).text, restricted: restricted)
    }

    func collection(_ request: Request, _ layer: LayerDefinition) throws -> Response {
        let q = try QueryParameters(request, allowed: ["f"])
        let doc = try documents.collection(layer, base: links.base(request))
        let restricted = !layer.access.isPublic
        if try OutputFormat.choose(q, request) == .html {
            var extent = JSON.null
            if case .object(let members) = doc { extent = members.first { $0.0 == "extent" }?.1 ?? .null }
            return Self.html(HTMLPages.collection(layer, extent: extent, base: links.base(request)), restricted: restricted)
        }
        return Self.json(doc.text, restricted: restricted)
    }

    func items(_ request: Request, _ layer: LayerDefinition) throws -> Response {
        let p = try ItemsParameters(request, layer: layer, store: store)
        let page = try features.items(p.selection)
        let base = links.base(request)
        let restricted = !layer.access.isPublic
        if p.format == .html {
            return Self.html(
                HTMLPages.items(layer, page: page, query: p.query, offset: p.selection.offset, limit: p.selection.limit, base: base),
                restricted: restricted)
        }
        let body = try FeatureWriter(store: store, layer: layer, crs: p.crs).collection(
            page, query: p.query, offset: p.selection.offset, limit: p.selection.limit, base: base)
        return Self.json(body, type: "application/geo+json", crs: p.crs, restricted: restricted)
    }

    func item(_ request: Request, _ layer: LayerDefinition, _ id: String) throws -> Response {
        let q = try QueryParameters(request, allowed: ["f", "crs"])
        let supported = OGCCRS.supported(storageSRID: store.city.srid)
        var crs = OGCCRS.crs84
        if let v = try q.string("crs") {
            guard let c = OGCCRS.parse(v, supported: supported) else {
                throw Problem.badParameter(
                    "crs", "unsupported CRS \(v.prefix(80)); supported: \(supported.map(\.uri).joined(separator: ", "))")
            }
            crs = c
        }
        guard id.count <= 200, let f = try features.item(layer, id: id) else {
            throw Problem.notFound("no feature \(id.prefix(80)) in collection \(layer.name)")
        }
        let restricted = !layer.access.isPublic
        if try OutputFormat.choose(q, request) == .html {
            var g = ""
            GeoJSONWriter.geometry(try store.toLonLat.transform(f.geometry), into: &g)
            return Self.html(HTMLPages.item(layer, feature: f, geometry: g, base: links.base(request)), restricted: restricted)
        }
        let body = try FeatureWriter(store: store, layer: layer, crs: crs).single(f, base: links.base(request))
        return Self.json(body, type: "application/geo+json", crs: crs, restricted: restricted)
    }

    func queryables(_ request: Request, _ layer: LayerDefinition) throws -> Response {
        let q = try QueryParameters(request, allowed: ["f"])
        let doc = documents.queryables(layer, base: links.base(request)).text
        if try OutputFormat.choose(q, request) == .html {
            return Self.html(
                HTMLPages.page(
                    "Queryables: \(layer.name)", base: links.base(request), crumbs: [], body: "<pre>\(HTMLPages.escape(doc))</pre>"),
                restricted: !layer.access.isPublic)
        }
        return Self.json(doc, type: "application/schema+json", restricted: !layer.access.isPublic)
    }

    static let contentCrs = HTTPField.Name("Content-Crs")!

    /// Staff-only data must not sit in shared caches.
    static func headers(type: String, restricted: Bool) -> HTTPFields {
        var h: HTTPFields = [.contentType: type, .vary: "Accept, Authorization, Cookie"]
        h[.cacheControl] = restricted ? "private, no-store" : "public, max-age=60"
        return h
    }

    static func json(_ body: String, type: String = "application/json", crs: OGCCRS? = nil, restricted: Bool = false) -> Response {
        json(Array(body.utf8), type: type, crs: crs, restricted: restricted)
    }

    static func json(_ body: [UInt8], type: String = "application/json", crs: OGCCRS? = nil, restricted: Bool = false) -> Response {
        var h = headers(type: type, restricted: restricted)
        if let crs { h[contentCrs] = "<\(crs.uri)>" }
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func html(_ body: String, restricted: Bool = false) -> Response {
        Response(
            status: .ok, headers: headers(type: "text/html; charset=utf-8", restricted: restricted),
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
