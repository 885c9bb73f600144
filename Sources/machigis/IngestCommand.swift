import ArgumentParser
import Foundation
import MachiCore
import MachiFormats

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load a GeoJSON, Shapefile or CSV file into a layer (all-or-nothing unless --skip-invalid).")

    @Argument(help: "Layer name, as in layers/NAME.yaml (e.g. sewer_pipes, manholes).")
    var layer: String

    @Argument(help: "Source file (.geojson, .shp with .shx/.dbf/.prj/.cpg beside it, .csv).")
    var file: String

    @OptionGroup var store: StoreOptions

    @Option(help: "geojson, shp or csv (default: from the extension).")
    var format: String?

    @Option(help: "auto, utf-8 or cp932 (Shift_JIS) for CSV and DBF text.")
    var encoding = "auto"

    @Option(help: "EPSG code of the source coordinates, overriding the file (e.g. 6674 for plane CS zone VI).")
    var srid: Int32?

    @Option(help: "replace (empty the layer first), upsert (by key) or append.")
    var mode = "replace"

    @Flag(help: "Load the valid features and report the rest, instead of loading nothing.")
    var skipInvalid = false

    func validate() throws {
        if let format, SourceFormat(rawValue: format) == nil { throw ValidationError("--format must be geojson, shp or csv") }
        _ = try textEncoding(encoding)
        guard ImportMode(rawValue: mode) != nil else { throw ValidationError("--mode must be replace, upsert or append") }
    }

    func run() throws {
        let store = try self.store.open()
        var options = ImportOptions()
        options.format = format.flatMap(SourceFormat.init(rawValue:))
        options.encoding = try textEncoding(encoding)
        options.srid = srid
        options.mode = ImportMode(rawValue: mode) ?? .replace
        options.skipInvalid = skipInvalid
        let bar = ProgressBar(label: layer)
        let report: ImportReport
        do {
            report = try Importer(store: store).run(layer: layer, path: file, options: options) { bytes, total, n in
                bar.update(bytes: bytes, total: total, items: n)
            }
        } catch let e as ImportError {
            bar.finish()
            log("error: \(e.description)")
            throw ExitCode(2)
        }
        bar.finish()
        for issue in report.issues { log(issue.description) }
        if report.issueCount > report.issues.count { log("… and \(report.issueCount - report.issues.count) more problems") }
        if !report.unknownColumns.isEmpty {
            log("note: columns not in the layer file were ignored: \(report.unknownColumns.joined(separator: ", "))")
        }
        log(report.summary)
        if !report.committed { throw ExitCode(1) }
    }
}

struct InitStore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Create the store and the layer tables.")

    @OptionGroup var store: StoreOptions

    func run() throws {
        let s = try store.open()
        log("store ready at \(s.path): \(s.catalog.layers.map(\.name).joined(separator: ", "))")
    }
}
