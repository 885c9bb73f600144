import Foundation
import Yams

/// The `turnout:` section of a layer file, read apart from the layer definition.
public enum TurnoutAliases {
    public struct FileError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    private struct Section: Decodable {
        struct Turnout: Decodable { var aliases: [String: String]? }
        var turnout: Turnout?
    }

    /// Source column → standard column, from `DIR/polling_districts.yaml`; empty when the file
    /// or the section is missing. Unknown targets are an error, like the layer's own aliases.
    public static func load(layersDirectory: String) throws -> [String: String] {
        let url = URL(fileURLWithPath: layersDirectory).appendingPathComponent("polling_districts.yaml")
        guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
        let aliases: [String: String]
        do {
            aliases = try YAMLDecoder().decode(Section.self, from: try String(contentsOf: url, encoding: .utf8)).turnout?.aliases ?? [:]
        } catch {
            throw FileError(description: "\(url.path): turnout: \(error)")
        }
        let known = TurnoutColumn.lookup(aliases: [:])
        for (source, target) in aliases where known[TurnoutColumn.normalise(target)] == nil {
            throw FileError(
                description:
                    "\(url.path): turnout alias \(source) → \(target): no such column; use one of \(TurnoutColumn.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return aliases
    }
}

/// Times of interim turnout rows, as the importer stores them.
public enum TurnoutTime {
    /// "HH:MM" for an interim time ("11:00", "11時", "１１：００"), "" for the final count
    /// (blank, 確定), nil for anything else.
    public static func normalise(_ text: String) -> String? {
        try? RowParser.time(text).get()
    }
}
