import ArgumentParser
import Foundation
import MachiCore
import MachiParking

struct ParkingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parking", abstract: "Parking cases.", subcommands: [Purge.self])

    struct Purge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete cases observed longer ago than the retention period, with their history; the purge is logged.")

        @Option(help: "Retention period: a number and d, m or y (e.g. 5y, 18m, 400d).") var olderThan: String
        @Option(help: "Who runs the purge, for the logs.") var by = operatorName()
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard Self.cutoff(olderThan, now: Date()) != nil else { throw ValidationError("--older-than must look like 5y, 18m or 400d") }
        }

        static func cutoff(_ spec: String, now: Date) -> Date? {
            guard let unit = spec.last, let n = Int(spec.dropLast()), n > 0, n < 1000 else { return nil }
            var c = DateComponents()
            switch unit {
            case "d": c.day = -n
            case "m": c.month = -n
            case "y": c.year = -n
            default: return nil
            }
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(secondsFromGMT: 9 * 3600)!
            return cal.date(byAdding: c, to: now)
        }

        func run() throws {
            let cutoff = Self.cutoff(olderThan, now: Date())!
            let n = try ParkingCases(store: try store.open()).purge(before: cutoff, user: by)
            log("purged \(n) cases observed before \(Timestamp.format(cutoff)); logged in parking_purge_log")
        }
    }
}
