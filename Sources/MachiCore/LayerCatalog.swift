import Foundation
import Yams

public struct LayerFileError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

/// The city file and every layer file of a `layers/` folder.
public struct LayerCatalog: Sendable {
    public var city: CityConfig
    public var layers: [LayerDefinition]

    public init(city: CityConfig, layers: [LayerDefinition]) {
        self.city = city
        self.layers = layers
    }

    public subscript(name: String) -> LayerDefinition? {
        layers.first { $0.name == name }
    }

    /// Reads `city.yaml` and every other `*.yaml`/`*.yml` (sorted, so the order is stable).
    public static func load(directory: String) throws -> LayerCatalog {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: directory)
        let cityURL = dir.appendingPathComponent("city.yaml")
        guard fm.fileExists(atPath: cityURL.path) else {
            throw LayerFileError(file: cityURL.path, message: "missing city file (name, code, srid, extent)")
        }
        let city: CityConfig = try decode(cityURL)
        let names = try fm.contentsOfDirectory(atPath: directory)
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && $0 != "city.yaml" }
            .sorted()
        var layers = [LayerDefinition]()
        for n in names {
            let layer: LayerDefinition = try decode(dir.appendingPathComponent(n))
            if layers.contains(where: { $0.name == layer.name }) {
                throw LayerFileError(file: n, message: "layer \(layer.name) is declared twice")
            }
            layers.append(layer)
        }
        return LayerCatalog(city: city, layers: layers)
    }

    static func decode<T: Decodable>(_ url: URL) throws -> T {
        do {
            let text = try String(contentsOf: url, encoding: .utf8)
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let e as DecodingError {
            throw LayerFileError(file: url.path, message: describe(e))
        } catch {
            throw LayerFileError(file: url.path, message: "\(error)")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let k, let c): return "\(path(c)): missing \(k.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)): \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
