public import Foundation
public import MachiCore
public import MachiGeometry

/// What describes a set of tiles to clients: TileJSON 3.0 for web maps, tippecanoe's
/// `metadata.json` (read by GDAL's MVT driver) and the MBTiles `metadata` table.
public struct TileSetMetadata: Sendable {
    public var name: String
    public var description: String
    public var attribution: String
    public var layers: [LayerDefinition]
    public var minZoom: Int
    public var maxZoom: Int
    /// lon/lat
    public var bounds: BoundingBox
    public var center: Position
    public var centerZoom: Int

    public init(store: Store, layers: [LayerDefinition], minZoom: Int, maxZoom: Int, bounds: BoundingBox? = nil) {
        let city = store.city
        name = layers.map(\.name).joined(separator: ",")
        description = "\(city.name) (\(city.nameEn)): " + layers.map { "\($0.titleJa) / \($0.titleEn)" }.joined(separator: ", ")
        attribution = city.attribution.joined(separator: " / ")
        self.layers = layers
        self.minZoom = minZoom
        self.maxZoom = maxZoom
        self.bounds = bounds ?? city.extent
        center = city.center
        centerZoom = min(maxZoom, max(minZoom, city.zoom))
    }

    struct VectorLayer: Encodable {
        var id: String
        var description: String
        var minzoom: Int
        var maxzoom: Int
        var fields: [String: String]
    }

    var vectorLayers: [VectorLayer] {
        layers.map { l in
            var fields = [String: String]()
            for a in l.attributes {
                switch a.type {
                case .integer, .real: fields[a.key] = "Number"
                case .boolean: fields[a.key] = "Boolean"
                case .text, .date, .datetime: fields[a.key] = "String"
                }
            }
            // The layer's own range within the set's: it is absent below its minzoom, and above its
            // maxzoom tiles add no detail (clients may overzoom).
            return VectorLayer(
                id: l.name, description: "\(l.titleJa) / \(l.titleEn)", minzoom: min(maxZoom, max(minZoom, l.tiles.minZoom)),
                maxzoom: max(minZoom, min(maxZoom, l.tiles.maxZoom)), fields: fields)
        }
    }

    struct TileJSON: Encodable {
        var tilejson = "3.0.0"
        var name: String
        var description: String
        var version = "1.0.0"
        var attribution: String
        var scheme = "xyz"
        var tiles: [String]
        var minzoom: Int
        var maxzoom: Int
        var bounds: [Double]
        var center: [Double]
        var vector_layers: [VectorLayer]
    }

    /// TileJSON 3.0.0 with `tiles` as the URL template ({z}, {x}, {y}).
    public func tileJSON(tilesURL: String) throws -> Data {
        try Self.encoder.encode(
            TileJSON(
                name: name, description: description, attribution: attribution, tiles: [tilesURL], minzoom: minZoom, maxzoom: maxZoom,
                bounds: boundsArray, center: [center.x, center.y, Double(centerZoom)], vector_layers: vectorLayers))
    }

    struct VectorLayers: Encodable {
        var vector_layers: [VectorLayer]
    }

    /// The `json` metadata entry of MBTiles and tippecanoe: the layer list as a JSON string.
    public func vectorLayersJSON() throws -> String {
        String(decoding: try Self.encoder.encode(VectorLayers(vector_layers: vectorLayers)), as: UTF8.self)
    }

    /// MBTiles 1.3 `metadata` rows; tippecanoe writes the same keys to `metadata.json`.
    public func metadataRows() throws -> [(String, String)] {
        [
            ("name", name), ("description", description), ("attribution", attribution), ("version", "1"), ("type", "overlay"),
            ("format", "pbf"), ("minzoom", String(minZoom)), ("maxzoom", String(maxZoom)),
            ("bounds", boundsArray.map { String($0) }.joined(separator: ",")), ("center", "\(center.x),\(center.y),\(centerZoom)"),
            ("json", try vectorLayersJSON()),
        ]
    }

    /// tippecanoe's `metadata.json`: GDAL's MVT driver reads layers and fields of a tile folder from it.
    public func metadataJSON() throws -> Data {
        let rows = Dictionary(try metadataRows(), uniquingKeysWith: { a, _ in a })
        return try Self.encoder.encode(rows)
    }

    var boundsArray: [Double] { [bounds.minX, bounds.minY, bounds.maxX, bounds.maxY].map { ($0 * 1e7).rounded() / 1e7 } }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
