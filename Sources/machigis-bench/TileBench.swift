import ArgumentParser
import Foundation
import MachiCore
import MachiTiles

/// Times building one vector tile in process (query, projection, clipping, encoding), the
/// part of a tile request that depends on the data; bench/run-ogc.sh reports p50 / p99.
struct TileTiming: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tiles", abstract: "Time the generation of one tile.")

    @Option(help: "SpatiaLite database file.") var db: String
    @Option(help: "Folder with city.yaml and the layer files.") var layers = "layers"
    @Option(help: "Layer to render.") var layer = "sewer_pipes"
    @Option(help: "Zoom level.") var zoom: Int
    @Option(help: "Longitude inside the tile.") var lon = 135.566
    @Option(help: "Latitude inside the tile.") var lat = 34.776
    @Option(help: "Timed renderings (after 5 warm-up runs).") var runs = 200
    @Flag(help: "Render without a byte budget (everything, as PostGIS ST_AsMVT does).") var unbudgeted = false
    @Flag(help: "Instead of timing one tile, render every tile with data at z10–z18 and print the largest.") var largest = false

    func run() throws {
        let store = try Store(path: db, catalog: try LayerCatalog.load(directory: layers))
        let def = try store.layer(layer)
        guard
            let tile = TileID(
                z: zoom, x: Int(WebMercator.tileX(lon: lon, z: zoom)), y: Int(WebMercator.tileY(lat: lat, z: zoom)))
        else { throw ValidationError("no tile at zoom \(zoom) for \(lon), \(lat)") }
        var renderer = TileRenderer(store: store)
        if unbudgeted { renderer.maxBytes = Int.max }
        if largest {
            var options = TileExportOptions(layers: [def], minZoom: 10, maxZoom: 18)
            options.workers = 1
            var exporter = TileExporter(store: store)
            exporter.renderer = renderer
            let report = try exporter.run(options)
            print("largest_bytes=\(report.largestTile) tiles=\(report.tiles) dropped=\(report.dropped) budget=\(renderer.budget([def]))")
            return
        }
        var last = try renderer.render([def], tile: tile)
        for _ in 0..<4 { last = try renderer.render([def], tile: tile) }
        var ms = [Double]()
        ms.reserveCapacity(runs)
        for _ in 0..<runs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            last = try renderer.render([def], tile: tile)
            ms.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        ms.sort()
        let p50 = ms[ms.count / 2]
        let p99 = ms[min(ms.count - 1, Int(Double(ms.count) * 0.99))]
        print(
            String(
                format: "tile=%@ features=%d bytes=%d p50_ms=%.2f p99_ms=%.2f dropped=%d", tile.description, last.features,
                last.bytes.count, p50, p99,
                last.dropped)
        )
    }
}
