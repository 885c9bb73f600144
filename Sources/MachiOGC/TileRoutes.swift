import Foundation
import GRDB
import HTTPTypes
public import Hummingbird
public import MachiCore
import MachiHTTP
import MachiTiles

/// Mapbox vector tiles of any layers the caller may read, `/tiles/{layers}/{z}/{x}/{y}.mvt`
/// (comma-separated layers share one tile), and TileJSON 3.0 at `/tiles/{layers}.json`.
///
/// A tile's ETag is the store's instance id, its layers' data versions and layer-file
/// fingerprints plus its address, so it is known before rendering: a matching
/// `If-None-Match` costs one small query and no rendering; any import into one of the
/// layers, a changed layer file (its `tiles:` settings included), a changed byte budget or a
/// rebuilt store changes the ETag of its tiles.
///
/// Every tile fits its byte budget (`TileRenderer.budget`); when features had to be left
/// out, `X-Tile-Dropped` gives their number (absent when the tile is complete).
public struct TileRoutes: Sendable {
    public let store: Store
    let gate: LayerGate
    let renderer: TileRenderer
    let extents: LayerExtents

    /// Zooms advertised in TileJSON: the city as a whole down to single lots. Other zooms
    /// up to `TileID.maxZoom` are still served; clients overzoom beyond 18.
    public static let minZoom = 10
    public static let maxZoom = 18
    static let maxLayers = 8
    public static let droppedHeader = HTTPField.Name("X-Tile-Dropped")!

    let links: LinkBase

    public init(store: Store, links: LinkBase = .fromRequest) {
        self.links = links
        self.store = store
        gate = LayerGate(catalog: store.catalog)
        renderer = TileRenderer(store: store)
        extents = LayerExtents(store: store)
    }

    public func register<Context: RequestContext>(on router: Router<Context>, user: @escaping @Sendable (Context) -> StaffUser?) {
        router.get("tiles/{layers}/{z}/{x}/{y}.mvt") { request, context in
            try tile(request, context, user(context))
        }
        router.get("tiles/{layers}.json") { request, context in
            try tileJSON(request, context, user(context))
        }
    }

    func layers<Context: RequestContext>(_ context: Context, _ user: StaffUser?) throws -> [LayerDefinition] {
        let raw = try OGCRoutes.pathParameter(context, "layers")
        var names = [String]()
        for n in raw.split(separator: ",", omittingEmptySubsequences: false).map(String.init) where !names.contains(n) { names.append(n) }
        guard !names.isEmpty, names.count <= Self.maxLayers, names.allSatisfy({ !$0.isEmpty }) else {
            throw Problem.badParameter("layers", "one to \(Self.maxLayers) layer names separated by commas")
        }
        return try names.map { try gate.layer($0, for: user, noun: "layer") }
    }

    func tile<Context: RequestContext>(_ request: Request, _ context: Context, _ user: StaffUser?) throws -> Response {
        let layers = try layers(context, user)
        func int(_ name: String) throws -> Int {
            guard let v = Int(try context.parameters.require(name)) else { throw Problem.badParameter(name, "not an integer") }
            return v
        }
        let (z, x, y) = (try int("z"), try int("x"), try int("y"))
        guard (0...TileID.maxZoom).contains(z) else { throw Problem.badParameter("z", "\(z) is outside 0…\(TileID.maxZoom)") }
        guard let tile = TileID(z: z, x: x, y: y) else {
            throw Problem.badParameter((0..<(1 << z)).contains(x) ? "y" : "x", "outside 0…\((1 << z) - 1) at zoom \(z)")
        }
        let gzip = Self.acceptsGzip(request)
        let versions = try dataVersions(layers)
        let etag =
            "\"mvt3-\(store.instanceID)-" + layers.map { "\($0.name).\(versions[$0.name] ?? 0).\($0.fingerprint)" }.joined(separator: "-")
            + "-b\(renderer.budget(layers))-\(z)-\(x)-\(y)\(gzip ? "-gz" : "")\""
        let restricted = layers.contains { !$0.access.isPublic }
        var headers: HTTPFields = [.eTag: etag, .cacheControl: restricted ? "private, max-age=60" : "public, max-age=60"]
        headers[.vary] = restricted ? "Accept-Encoding, Authorization, Cookie" : "Accept-Encoding"
        if Self.matches(request.headers[.ifNoneMatch], etag) { return Response(status: .notModified, headers: headers) }
        let rendered = try renderer.render(layers, tile: tile)
        // Before the empty answer too: a tile whose only feature is over the budget is empty, not absent.
        if rendered.dropped > 0 { headers[Self.droppedHeader] = String(rendered.dropped) }
        guard !rendered.bytes.isEmpty else { return Response(status: .noContent, headers: headers) }
        headers[.contentType] = "application/vnd.mapbox-vector-tile"
        var body = rendered.bytes
        if gzip {
            body = Gzip.compress(body)
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func dataVersions(_ layers: [LayerDefinition]) throws -> [String: Int64] {
        try store.pool.read { db in
            let marks = Array(repeating: "?", count: layers.count).joined(separator: ",")
            let rows = try Row.fetchAll(
                db, sql: "SELECT name, data_version FROM machi_layers WHERE name IN (\(marks))",
                arguments: StatementArguments(layers.map(\.name)))
            return Dictionary(rows.map { ($0[0] as String, $0[1] as Int64) }, uniquingKeysWith: { a, _ in a })
        }
    }

    static func acceptsGzip(_ request: Request) -> Bool {
        guard let v = request.headers[.acceptEncoding] else { return false }
        return v.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            return parts.first == "gzip"
                && !parts.dropFirst().contains { $0 == "q=0" || $0 == "q=0.0" || $0 == "q=0.00" || $0 == "q=0.000" }
        }
    }

    /// `If-None-Match` compares weakly (RFC 9110 §13.1.2): `W/` prefixes are ignored, `*` matches.
    static func matches(_ header: String?, _ etag: String) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { item in
            var t = item.trimmingCharacters(in: .whitespaces)
            if t == "*" { return true }
            if t.hasPrefix("W/") { t.removeFirst(2) }
            return t == etag
        }
    }

    func tileJSON<Context: RequestContext>(_ request: Request, _ context: Context, _ user: StaffUser?) throws -> Response {
        let layers = try layers(context, user)
        let names = layers.map(\.name).joined(separator: ",")
        let bounds = try extents.lonLat(of: layers)
        let meta = TileSetMetadata(store: store, layers: layers, minZoom: Self.minZoom, maxZoom: Self.maxZoom, bounds: bounds)
        let data = try meta.tileJSON(tilesURL: links.base(request) + "/tiles/\(names)/{z}/{x}/{y}.mvt")
        let restricted = layers.contains { !$0.access.isPublic }
        var headers: HTTPFields = [
            .contentType: "application/json", .cacheControl: restricted ? "private, no-store" : "public, max-age=60",
        ]
        if restricted { headers[.vary] = "Authorization, Cookie" }
        return links.vary(Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: [UInt8](data)))))
    }
}
