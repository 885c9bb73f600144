public import GRDB
public import MachiCore
public import MachiGeometry
import Synchronization

/// The data extent of each layer, read from its R*Tree and remembered per data version:
/// a full index scan is cheap once, not on every collection or TileJSON request.
public final class LayerExtents: Sendable {
    public struct Extent: Sendable {
        /// Storage CRS.
        public var plane: BoundingBox
        /// lon/lat, around the plane box's densified outline.
        public var lonLat: BoundingBox
    }

    public let store: Store
    private let cache = Mutex<[String: (version: Int64, extent: Extent?)]>([:])

    public init(store: Store) { self.store = store }

    /// nil for an empty layer.
    public func extent(of layer: LayerDefinition) throws -> Extent? {
        try store.pool.read { db in try extent(of: layer, db: db) }
    }

    /// The same inside a read the caller already holds (GRDB reads do not nest).
    public func extent(of layer: LayerDefinition, db: Database) throws -> Extent? {
        let version = try Self.dataVersion(db, layer.name)
        if let hit = cache.withLock({ $0[layer.name] }), hit.version == version { return hit.extent }
        let row = try Row.fetchOne(db, sql: "SELECT min(xmin), min(ymin), max(xmax), max(ymax) FROM \"\(layer.spatialIndexTable)\"")
        var extent: Extent?
        if let row, let minX = row[0] as Double?, let minY = row[1] as Double?, let maxX = row[2] as Double?, let maxY = row[3] as Double? {
            let plane = BoundingBox(minX: minX, minY: minY, maxX: maxX, maxY: maxY)
            var outline = [Position]()
            for i in 0...8 {
                let f = Double(i) / 8
                let x = plane.minX + (plane.maxX - plane.minX) * f
                let y = plane.minY + (plane.maxY - plane.minY) * f
                outline += [Position(x, plane.minY), Position(x, plane.maxY), Position(plane.minX, y), Position(plane.maxX, y)]
            }
            try store.toLonLat.withTransformer { try $0.transform(&outline) }
            extent = Extent(plane: plane, lonLat: BoundingBox(covering: outline))
        }
        cache.withLock { $0[layer.name] = (version, extent) }
        return extent
    }

    /// The layer's data version, bumped by every import, through a cached statement.
    public static func dataVersion(_ db: Database, _ layer: String) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT data_version FROM machi_layers WHERE name = ?"), arguments: [layer]) ?? 0
    }

    /// The lon/lat box around several layers; nil when all are empty.
    public func lonLat(of layers: [LayerDefinition]) throws -> BoundingBox? {
        let boxes = try layers.compactMap { try extent(of: $0)?.lonLat }
        guard let first = boxes.first else { return nil }
        return boxes.dropFirst().reduce(first) { a, b in
            BoundingBox(minX: min(a.minX, b.minX), minY: min(a.minY, b.minY), maxX: max(a.maxX, b.maxX), maxY: max(a.maxY, b.maxY))
        }
    }
}
