import Foundation
import GRDB
public import MachiCore
public import MachiGeometry

/// Builds vector tiles straight from the store: an R*Tree box query per layer, one PROJ
/// call per layer for all vertices, then projection, clipping and encoding in Swift.
public struct TileRenderer: Sendable {
    public let store: Store
    public var extent: Int32 = 4096
    /// Tile units drawn beyond each edge so strokes and labels do not stop at the seam.
    public var buffer: Int32 = 64

    public init(store: Store) { self.store = store }

    public struct Rendered: Sendable {
        /// The encoded tile; empty when no layer has a feature in it.
        public var bytes: [UInt8]
        /// Features whose box touches the buffered tile; 0 means every child tile is empty too.
        public var candidates: Int
        public var features: Int
    }

    public func render(_ layers: [LayerDefinition], tile: TileID) throws -> Rendered {
        try store.geos.with { try render(layers, tile: tile, geos: $0) }
    }

    func render(_ layers: [LayerDefinition], tile: TileID, geos: GEOSContext) throws -> Rendered {
        let box = try planeBox(tile)
        let projection = TileProjection(tile: tile, extent: extent, buffer: buffer)
        var out = [MVTLayer]()
        var candidates = 0
        // Tiles are cached and exported as files: personal attributes never go into them.
        for layer in layers.map({ $0.view(for: nil, .tile) }) {
            let stored = try fetch(layer, box)
            candidates += stored.count
            guard !stored.isEmpty else { continue }
            var all = [Position]()
            all.reserveCapacity(stored.reduce(0) { $0 + $1.geometry.positionCount })
            for f in stored { all.append(contentsOf: f.geometry.positions) }
            try store.toLonLat.withTransformer { try $0.transform(&all) }
            var mvt = MVTLayer(name: layer.name, extent: UInt32(extent), keys: layer.attributes.map(\.key))
            let types = layer.attributes.map(\.type)
            var offset = 0
            for f in stored {
                let n = f.geometry.positionCount
                let lonLat = f.geometry.replacingPositions(Array(all[offset..<(offset + n)]))
                offset += n
                guard let g = projection.geometry(lonLat, geos: geos) else { continue }
                var values = [TileValue?]()
                values.reserveCapacity(types.count)
                for i in 0..<types.count { values.append(Self.value(f.values[i], types[i])) }
                mvt.add(id: UInt64(f.fid), values: values, geometry: g)
            }
            out.append(mvt)
        }
        return Rendered(bytes: MVTEncoder.tile(out), candidates: candidates, features: out.reduce(0) { $0 + $1.featureCount })
    }

    /// The storage-CRS box around the buffered tile (edges densified, cut to the city's
    /// surroundings: a low-zoom tile spans far more than the plane zone is valid for).
    public func planeBox(_ tile: TileID) throws -> BoundingBox {
        try store.planeBox(lonLat: tile.lonLatBounds(buffer: Double(buffer), extent: Double(extent)))
    }

    func fetch(_ layer: LayerDefinition, _ box: BoundingBox) throws -> [StoredFeature] {
        try store.pool.read { db in
            let sql = """
                SELECT \(layer.selectColumns()) FROM "\(layer.spatialIndexTable)" r JOIN "\(layer.name)" t ON t.fid = r.pkid
                WHERE r.xmin <= ? AND r.xmax >= ? AND r.ymin <= ? AND r.ymax >= ? ORDER BY t.fid
                """
            let statement = try db.cachedStatement(sql: sql)
            let rows = try Row.fetchCursor(statement, arguments: [box.maxX, box.minX, box.maxY, box.minY])
            var out = [StoredFeature]()
            while let row = try rows.next() { out.append(try layer.decodeCurrentRow(of: statement, row)) }
            return out
        }
    }

    /// An attribute as the layer file types it; the tile carries exactly the layer's attributes.
    static func value(_ v: DatabaseValue, _ type: AttributeType) -> TileValue? {
        switch (v.storage, type) {
        case (.null, _), (.blob, _): nil
        case (.int64(let i), .boolean): .bool(i != 0)
        case (.int64(let i), .real): .double(Double(i))
        case (.int64(let i), _): .int(i)
        case (.double(let d), .integer): d == d.rounded() && abs(d) < 9e15 ? .int(Int64(d)) : .double(d)
        case (.double(let d), _): .double(d)
        case (.string(let s), _): .string(s)
        }
    }
}
