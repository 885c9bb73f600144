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

    /// Encoded size limit for every tile; nil takes it from the layer files (`tiles.max_bytes`)
    /// or the city (`tiles.max_bytes` in city.yaml, default 500 KB). `Int.max` renders everything.
    public var maxBytes: Int?

    public struct Rendered: Sendable {
        /// The encoded tile; empty when no layer has a feature in it.
        public var bytes: [UInt8]
        /// Features whose box touches the buffered tile (also of layers below their minzoom,
        /// counted 1 per layer); 0 means every child tile is empty too.
        public var candidates: Int
        public var features: Int
        /// Features left out (smallest first) to keep the tile within its byte budget.
        public var dropped: Int = 0
    }

    /// The byte budget of a tile of these layers: the smallest any of them asks for.
    public func budget(_ layers: [LayerDefinition]) -> Int {
        maxBytes ?? layers.map { $0.tiles.maxBytes ?? store.city.tileMaxBytes }.min() ?? store.city.tileMaxBytes
    }

    public func render(_ layers: [LayerDefinition], tile: TileID) throws -> Rendered {
        try store.geos.with { try render(layers, tile: tile, geos: $0) }
    }

    func render(_ layers: [LayerDefinition], tile: TileID, geos: GEOSContext) throws -> Rendered {
        let box = try planeBox(tile)
        var empty = [MVTLayer]()
        var all = [TileCandidate]()
        var candidates = 0
        // Tiles are cached and exported as files: personal attributes never go into them.
        for (index, layer) in layers.map({ $0.view(for: nil, .tile) }).enumerated() {
            empty.append(MVTLayer(name: layer.name, extent: UInt32(extent), keys: layer.attributes.map(\.key)))
            guard tile.z >= layer.tiles.minZoom else {
                // Absent from this tile, but the export must still descend to where it appears.
                candidates += try hasFeatures(layer, box) ? 1 : 0
                continue
            }
            let stored = try fetch(layer, box)
            candidates += stored.count
            guard !stored.isEmpty else { continue }
            let found = try tileCandidates(layer, index, stored, tile: tile, geos: geos)
            all.append(contentsOf: found)
        }
        let fitted = TileBudget.fit(all, layers: empty, budget: budget(layers))
        return Rendered(bytes: fitted.bytes, candidates: candidates, features: fitted.features, dropped: fitted.dropped)
    }

    /// One layer's features in tile units: projected, clipped and simplified, and below the
    /// layer's `merge_below` zoom merged into runs.
    func tileCandidates(_ layer: LayerDefinition, _ index: Int, _ stored: [StoredFeature], tile: TileID, geos: GEOSContext) throws
        -> [TileCandidate]
    {
        var positions = [Position]()
        positions.reserveCapacity(stored.reduce(0) { $0 + $1.geometry.positionCount })
        for f in stored { positions.append(contentsOf: f.geometry.positions) }
        try store.toLonLat.withTransformer { try $0.transform(&positions) }
        let tolerance = Simplify.tolerance(zoom: tile.z, maxZoom: layer.tiles.maxZoom)
        let projection = TileProjection(tile: tile, extent: extent, buffer: buffer, tolerance: tolerance)
        let types = layer.attributes.map(\.type)
        let mergeSlots = layer.tiles.mergeBy.compactMap { k in layer.attributes.firstIndex { $0.key == k } }
        let merging = layer.geometryType.singular == .lineString && layer.tiles.mergeBelow.map { tile.z < $0 } ?? false
        var out = [TileCandidate]()
        var groups = [[TileValue?]: [LineMerge.Part]]()
        var groupOrder = [[TileValue?]]()
        var offset = 0
        for f in stored {
            let n = f.geometry.positionCount
            let lonLat = f.geometry.replacingPositions(Array(positions[offset..<(offset + n)]))
            offset += n
            guard let g = projection.geometry(lonLat, geos: geos) else { continue }
            if merging, case .lines(let parts) = g {
                var key = [TileValue?](repeating: nil, count: types.count)
                for i in mergeSlots { key[i] = Self.value(f.values[i], types[i]) }
                if groups[key] == nil { groupOrder.append(key) }
                groups[key, default: []].append(contentsOf: parts.map { LineMerge.Part(points: $0, id: UInt64(f.fid)) })
                continue
            }
            var values = [TileValue?]()
            values.reserveCapacity(types.count)
            for i in 0..<types.count { values.append(Self.value(f.values[i], types[i])) }
            out.append(TileCandidate(layer: index, id: UInt64(f.fid), values: values, geometry: g, size: Self.size(g)))
        }
        for key in groupOrder {
            for run in LineMerge.runs(groups[key] ?? []) {
                let line = TileProjection.dedupe(
                    Simplify.douglasPeucker(run.points.map { Position(Double($0.x), Double($0.y)) }, tolerance: tolerance).map(
                        projection.round))
                guard line.count >= 2 else { continue }
                let g = TileGeometry.lines([line])
                out.append(TileCandidate(layer: index, id: run.id, values: key, geometry: g, size: Self.size(g)))
            }
        }
        return out
    }

    /// Length of lines, area of polygons (holes subtracted), in tile units; 0 for points.
    static func size(_ g: TileGeometry) -> Double {
        switch g {
        case .points: return 0
        case .lines(let lines):
            var sum = 0.0
            for l in lines {
                for i in 1..<l.count { sum += Double(hypot(Double(l[i].x - l[i - 1].x), Double(l[i].y - l[i - 1].y))) }
            }
            return sum
        case .polygons(let polygons):
            return polygons.reduce(0.0) { s, rings in s + rings.reduce(0.0) { $0 + Double(TileGeometry.doubleSignedArea($1)) / 2 } }
        }
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

    func hasFeatures(_ layer: LayerDefinition, _ box: BoundingBox) throws -> Bool {
        try store.pool.read { db in
            let sql = """
                SELECT 1 FROM "\(layer.spatialIndexTable)" WHERE xmin <= ? AND xmax >= ? AND ymin <= ? AND ymax >= ? LIMIT 1
                """
            return try Bool.fetchOne(db, sql: sql, arguments: [box.maxX, box.minX, box.maxY, box.minY]) ?? false
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
