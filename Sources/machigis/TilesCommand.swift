import ArgumentParser
import Foundation
import MachiCore
import MachiTiles

struct Tiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Vector tiles (Mapbox Vector Tile 2.1) for static hosting.", subcommands: [TilesExport.self])
}

struct TilesExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a z/x/y.mvt pyramid with tilejson.json (and optionally MBTiles) of some layers; only tiles with data.")

    // Not StoreOptions: its --layers (the layer-file folder) would clash with --layers here.
    @Option(help: "SpatiaLite database file.")
    var db = "data/machigis.sqlite"

    @Option(help: "Folder with city.yaml and the layer files.")
    var layerDir = "layers"

    @Option(help: "Comma-separated layer names, e.g. sewer_pipes,manholes.")
    var layers: String

    @Option(help: "Lowest zoom.")
    var minzoom = 10

    @Option(help: "Highest zoom.")
    var maxzoom = 18

    @Option(help: "Output folder for {z}/{x}/{y}.mvt, tilejson.json and metadata.json.")
    var out = "tiles"

    @Option(help: "Also write this MBTiles file (gzip-compressed tiles, TMS rows).")
    var mbtiles: String?

    @Flag(help: "Allow staff-only layers (for an internal server only: static tiles have no access control).")
    var includeStaffLayers = false

    @Option(help: "URL the folder will be published at, for the tile URLs in tilejson.json (default: relative {z}/{x}/{y}.mvt).")
    var baseURL: String?

    func validate() throws {
        guard (0...TileID.maxZoom).contains(minzoom), (0...TileID.maxZoom).contains(maxzoom), minzoom <= maxzoom else {
            throw ValidationError("zooms must satisfy 0 ≤ --minzoom ≤ --maxzoom ≤ \(TileID.maxZoom)")
        }
    }

    func run() throws {
        let s = try Store(path: db, catalog: try LayerCatalog.load(directory: layerDir))
        let names = layers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw ValidationError("--layers names no layer") }
        let chosen = try names.map { try s.layer($0) }
        // A static pyramid is meant for any web server or CDN, where nobody checks a role:
        // staff data (parking cases with plates) must not end up there by a typo.
        let staff = chosen.filter { !$0.access.isPublic }.map(\.name)
        if !staff.isEmpty {
            guard includeStaffLayers else {
                throw ValidationError(
                    "\(staff.joined(separator: ", ")) \(staff.count == 1 ? "is" : "are") staff-only; static tiles have no access control. "
                        + "Pass --include-staff-layers only for a folder served behind staff authentication.")
            }
            log("warning: exporting staff-only layers \(staff.joined(separator: ", ")); do not publish \(out) openly")
        }
        var options = TileExportOptions(layers: chosen, minZoom: minzoom, maxZoom: maxzoom)
        options.directory = out
        options.mbtiles = mbtiles
        options.baseURL = baseURL
        let bar = TileProgress()
        let report = try TileExporter(store: s).run(options) { bar.update($0) }
        bar.finish()
        for z in minzoom...maxzoom { log("z\(z): \(report.tilesPerZoom[z] ?? 0) tiles") }
        // The same budget as the server's (layer files, city.yaml), so a static pyramid is as light.
        log(
            "largest tile \(report.largestTile) bytes (budget \(TileRenderer(store: s).budget(chosen))); "
                + "\(report.dropped) features left out to fit")
        log(
            String(
                format: "%@: %d tiles, %.1f MB in %.1f s → %@%@", names.joined(separator: ","), report.tiles, Double(report.bytes) / 1e6,
                report.seconds, out, mbtiles.map { " and \($0)" } ?? ""))
    }
}

/// Per-zoom progress on a terminal: a level's tile count is known only once the level above is done.
final class TileProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var zoom = -1
    private var lastDraw = Date.distantPast

    func update(_ p: TileExportProgress) {
        guard FileHandleStderr.isTerminal else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if p.zoom != zoom {
            if zoom >= 0 { FileHandleStderr.write("\n") }
            zoom = p.zoom
        } else if now.timeIntervalSince(lastDraw) < 0.1 && p.done < p.total {
            return
        }
        lastDraw = now
        let width = 30
        let filled = p.total > 0 ? width * p.done / p.total : 0
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandleStderr.write("\rz\(p.zoom) \(bar) \(p.done)/\(p.total) tiles visited, \(p.written) written ")
    }

    func finish() {
        guard FileHandleStderr.isTerminal else { return }
        lock.lock()
        defer { lock.unlock() }
        if zoom >= 0 { FileHandleStderr.write("\n") }
    }
}
