import ArgumentParser
import Foundation
import MachiCore
import MachiElections
import MachiFormats

/// `machigis elections …`: the election office's districts, elections and turnout.
struct ElectionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elections",
        abstract: "Polling districts, elections and turnout (選挙管理委員会).",
        subcommands: [Add.self, Publish.self, List.self, ImportTurnout.self, BuildDistricts.self, Export.self])

    /// Turns the module's errors into a message and an exit code: 2 for anything that is
    /// not a data-validation failure (those exit 1 after their report).
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as ElectionError {
            log("error: \(e.description)")
            throw ExitCode(2)
        } catch let e as ImportError {
            log("error: \(e.description)")
            throw ExitCode(2)
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register an election (unpublished until `publish`).")

        @Argument(help: "Election id, used in URLs (e.g. 2025-sangiin).") var id: String
        @Option(help: "Name, e.g. 参議院議員通常選挙.") var name: String
        @Option(help: "Election day, YYYY-MM-DD.") var date: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let office = try ElectionOffice(store: try store.open())
            try ElectionsCommand.run { try office.registry.add(id: id, name: name, date: date) }
            log("election \(id) added: \(name) (\(date)), not published")
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish an election's turnout: from then on the public API and page show it.")

        @Argument(help: "Election id.") var id: String
        @Flag(help: "Withdraw the publication instead.") var withdraw = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let office = try ElectionOffice(store: try store.open())
            try ElectionsCommand.run { try office.registry.setPublished(id, !withdraw, by: operatorName()) }
            log(withdraw ? "election \(id) withdrawn: only the election office sees it" : "election \(id) published")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List elections (tab-separated on stdout).")

        @OptionGroup var store: StoreOptions

        func run() throws {
            let office = try ElectionOffice(store: try store.open())
            print("id\tdate\tpublished\tturnout\tname")
            for e in try office.registry.all() {
                let turnout = [
                    e.hasFinalTurnout ? "final" : nil, e.interimTimes.isEmpty ? nil : "interim \(e.interimTimes.joined(separator: " "))",
                ]
                .compactMap { $0 }.joined(separator: ", ")
                print("\(e.id)\t\(e.date)\t\(e.published ? "yes" : "no")\t\(turnout.isEmpty ? "-" : turnout)\t\(e.name)")
            }
        }
    }

    struct ImportTurnout: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-turnout",
            abstract: "Load a turnout CSV (UTF-8 or CP932) for an election; all-or-nothing unless --skip-invalid.",
            discussion: "Standard header: \(TurnoutColumn.standardHeader) (optional 時刻 column for interim rows).")

        @Argument(help: "Election id.") var election: String
        @Argument(help: "CSV file, one row per district.") var file: String
        @Option(help: "auto, utf-8 or cp932.") var encoding = "auto"
        @Flag(help: "Load the valid rows and report the rest, instead of loading nothing.") var skipInvalid = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let s = try store.open()
            let office = try ElectionOffice(store: s)
            var options = TurnoutImportOptions()
            options.encoding = try textEncoding(encoding)
            options.skipInvalid = skipInvalid
            options.aliases = try ElectionsCommand.run {
                do { return try TurnoutAliases.load(layersDirectory: store.layers) } catch let e as TurnoutAliases.FileError {
                    throw ElectionError(.conflict, e.description)
                }
            }
            let report = try ElectionsCommand.run {
                guard FileManager.default.isReadableFile(atPath: file) else {
                    throw ElectionError.invalid("FILE", "\(file): no such readable file")
                }
                return try TurnoutImporter(store: office.store).run(election: election, path: file, options: options)
            }
            for issue in report.issues { log(issue.description) }
            if report.issueCount > report.issues.count { log("… and \(report.issueCount - report.issues.count) more problems") }
            for w in report.warnings { log("note: \(w)") }
            log(report.summary)
            if !report.committed { throw ExitCode(1) }
        }
    }

    struct BuildDistricts: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "build-districts",
            abstract: "Build polling_districts from small areas (町丁目) and a mapping CSV, dissolving with GEOS.",
            discussion: """
                The mapping CSV has the columns area_key,district_no and optionally district_name,station_no. \
                Reports gaps, overlaps, small areas missing from the mapping and mapping rows without a polygon; \
                refuses to write districts that overlap (exit 1).
                """)

        @Option(help: "Small-area polygons (GeoJSON or Shapefile).") var areas: String
        @Option(help: "Attribute of the small areas that the mapping's area_key refers to.") var areaKey: String
        @Option(help: "Mapping CSV (UTF-8 or CP932).") var mapping: String
        @Option(help: "City boundary polygon file, to report city area outside every district.") var boundary: String?
        @Option(help: "auto, utf-8 or cp932 for the mapping CSV and a shapefile's DBF.") var encoding = "auto"
        @Option(help: "EPSG code of the small areas when the file does not say (e.g. 6674).") var srid: Int32?
        @Option(help: "Gaps and overlaps below this many m² are ignored as rounding noise.") var toleranceM2 = 0.1
        @Flag(help: "Check and report only; write nothing.") var dryRun = false
        @OptionGroup var store: StoreOptions

        func run() throws {
            let office = try ElectionOffice(store: try store.open())
            var options = DistrictBuildOptions(areasPath: areas, areaKey: areaKey, mappingPath: mapping)
            options.boundaryPath = boundary
            options.encoding = try textEncoding(encoding)
            options.srid = srid
            options.tolerance = toleranceM2
            options.dryRun = dryRun
            for path in [areas, mapping] + (boundary.map { [$0] } ?? []) where !FileManager.default.isReadableFile(atPath: path) {
                log("error: \(path): no such readable file")
                throw ExitCode(2)
            }
            let report = try ElectionsCommand.run { try DistrictBuilder(store: office.store).run(options) }
            for line in report.lines { log(line) }
            log(report.summary)
            if !report.acceptable { throw ExitCode(1) }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the turnout GeoJSON (as GET /api/elections/ID/turnout.geojson serves it) to a file, for publishing.")

        @Argument(help: "Election id.") var election: String
        @Option(help: "Output GeoJSON file.") var out: String
        @Option(help: "Number of classes, 3–9.") var classes = 5
        @Option(help: "quantile, equal or jenks.") var method = "quantile"
        @Option(help: "Election id to compare with (delta_pp).") var compare: String?
        @Option(help: "Interim time (HH:MM or 11時, as in the CSV) instead of the final count.") var at: String?
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard (ColorRamp.minClasses...ColorRamp.maxClasses).contains(classes) else { throw ValidationError("--classes must be 3–9") }
            guard ClassMethod(rawValue: method) != nil else { throw ValidationError("--method must be quantile, equal or jenks") }
        }

        func run() throws {
            let office = try ElectionOffice(store: try store.open())
            var options = TurnoutMapOptions()
            options.classes = classes
            options.method = ClassMethod(rawValue: method) ?? .quantile
            options.time = at
            let bytes = try ElectionsCommand.run { try office.export(election, compare: compare, options: options, to: out) }
            log("wrote \(out) (\(bytes) bytes)")
        }
    }
}
