import Dispatch
import Foundation
public import MachiCore
import Synchronization

public struct TileExportOptions: Sendable {
    public var layers: [LayerDefinition]
    public var minZoom: Int
    public var maxZoom: Int
    /// Folder for the z/x/y.mvt pyramid, tilejson.json and metadata.json; nil writes none.
    public var directory: String?
    public var mbtiles: String?
    /// Prefix of the tile URLs in tilejson.json; nil writes the relative template `{z}/{x}/{y}.mvt`.
    public var baseURL: String?
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    public init(layers: [LayerDefinition], minZoom: Int, maxZoom: Int) {
        self.layers = layers
        self.minZoom = minZoom
        self.maxZoom = maxZoom
    }
}

public struct TileExportProgress: Sendable {
    public var zoom: Int
    public var done: Int
    public var total: Int
    public var written: Int
}

public struct TileExportReport: Sendable {
    public var tiles = 0
    public var bytes = 0
    /// Largest tile written, in bytes; never above the budget.
    public var largestTile = 0
    /// Features left out of tiles to keep them within the byte budget, summed over all tiles.
    public var dropped = 0
    public var tilesPerZoom: [Int: Int] = [:]
    public var seconds = 0.0
}

public struct TileExportError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Writes a static tile pyramid (and optionally MBTiles) for a set of layers. Zoom by
/// zoom, only children of tiles whose buffered area holds features are visited, so empty
/// country around the city costs nothing; only tiles with features are written.
public struct TileExporter: Sendable {
    public let store: Store
    public var renderer: TileRenderer

    public init(store: Store) {
        self.store = store
        renderer = TileRenderer(store: store)
    }

    /// Marks a folder as written by a tile export; only such a folder has its zoom folders
    /// replaced, so `--out` pointed at the wrong place (a home folder, /srv/www) deletes nothing.
    public static let marker = ".machigis-tiles"

    /// Creates `dir` (or takes an empty one, or one with the marker) and writes the marker;
    /// refuses any other non-empty folder before anything is written or deleted.
    static func claim(_ dir: String) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else { throw TileExportError(description: "--out \(dir) is a file, not a folder") }
            let entries = try fm.contentsOfDirectory(atPath: dir)
            guard entries.isEmpty || entries.contains(marker) else {
                throw TileExportError(
                    description:
                        "--out \(dir) is not empty and was not written by machigis tiles export (no \(marker) file); choose a new or empty folder"
                )
            }
        }
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("written by machigis tiles export; its zoom folders are replaced on the next export\n".utf8).write(
            to: URL(fileURLWithPath: dir).appendingPathComponent(marker))
    }

    public func run(_ options: TileExportOptions, progress: @escaping @Sendable (TileExportProgress) -> Void = { _ in }) throws
        -> TileExportReport
    {
        let started = Date()
        let bounds = try LayerExtents(store: store).lonLat(of: options.layers)
        let meta = TileSetMetadata(
            store: store, layers: options.layers, minZoom: options.minZoom, maxZoom: options.maxZoom, bounds: bounds)
        let fm = FileManager.default
        if let dir = options.directory {
            try Self.claim(dir)
            // Tiles of an earlier export that have no data now must not linger.
            for z in options.minZoom...options.maxZoom { try? fm.removeItem(atPath: "\(dir)/\(z)") }
            let template = (options.baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) + "/" : $0 + "/" } ?? "") + "{z}/{x}/{y}.mvt"
            try meta.tileJSON(tilesURL: template).write(to: URL(fileURLWithPath: "\(dir)/tilejson.json"))
            try meta.metadataJSON().write(to: URL(fileURLWithPath: "\(dir)/metadata.json"))
        }
        let mbtiles = try options.mbtiles.map { try MBTilesWriter(path: $0, metadata: try meta.metadataRows()) }
        var report = TileExportReport()
        guard let bounds else { return report }

        var level = TileID.covering(bounds, z: options.minZoom)
        for z in options.minZoom...options.maxZoom {
            let results = try renderLevel(level, options: options, zoom: z, progress: progress)
            let written = results.filter { !$0.rendered.bytes.isEmpty }
            try mbtiles?.write(written.map { ($0.tile, $0.rendered.bytes) })
            report.tiles += written.count
            report.bytes += written.reduce(0) { $0 + $1.rendered.bytes.count }
            report.largestTile = written.reduce(report.largestTile) { max($0, $1.rendered.bytes.count) }
            report.dropped += written.reduce(0) { $0 + $1.rendered.dropped }
            report.tilesPerZoom[z] = written.count
            level = results.filter { $0.rendered.candidates > 0 }.flatMap(\.tile.children)
        }
        report.seconds = Date().timeIntervalSince(started)
        return report
    }

    struct Result: Sendable {
        var tile: TileID
        var rendered: TileRenderer.Rendered
    }

    /// Renders one zoom level on `workers` threads; files are written as tiles finish.
    func renderLevel(_ tiles: [TileID], options: TileExportOptions, zoom: Int, progress: @Sendable (TileExportProgress) -> Void) throws
        -> [Result]
    {
        let next = Atomic<Int>(0)
        let state = Mutex<(results: [Result], written: Int, error: (any Error)?)>(([], 0, nil))
        let renderer = self.renderer
        DispatchQueue.concurrentPerform(iterations: max(1, options.workers)) { _ in
            while true {
                let i = next.add(1, ordering: .relaxed).oldValue
                guard i < tiles.count, state.withLock({ $0.error == nil }) else { return }
                do {
                    let r = Result(tile: tiles[i], rendered: try renderer.render(options.layers, tile: tiles[i]))
                    if let dir = options.directory, !r.rendered.bytes.isEmpty {
                        let folder = "\(dir)/\(r.tile.z)/\(r.tile.x)"
                        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                        try Data(r.rendered.bytes).write(to: URL(fileURLWithPath: "\(folder)/\(r.tile.y).mvt"))
                    }
                    let (done, written) = state.withLock { s in
                        s.results.append(r)
                        if !r.rendered.bytes.isEmpty { s.written += 1 }
                        return (s.results.count, s.written)
                    }
                    progress(TileExportProgress(zoom: zoom, done: done, total: tiles.count, written: written))
                } catch {
                    state.withLock { if $0.error == nil { $0.error = error } }
                    return
                }
            }
        }
        let (results, error) = state.withLock { ($0.results, $0.error) }
        if let error { throw error }
        return results.sorted { ($0.tile.y, $0.tile.x) < ($1.tile.y, $1.tile.x) }
    }
}
