public import Foundation
import GRDB
public import MachiCore
import MachiGeometry

/// A scratch store on a real SpatiaLite file, with the repository's layer files plus
/// the test-only polygon layer.
public struct TestEnvironment: Sendable {
    public let dir: URL
    public let store: Store

    public static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public init(extraLayers: Bool = true) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("machigis-test-\(UUID().uuidString)")
        let layers = dir.appendingPathComponent("layers")
        try FileManager.default.createDirectory(at: layers, withIntermediateDirectories: true)
        let layerFiles = try FileManager.default.contentsOfDirectory(atPath: Self.repoRoot.appendingPathComponent("layers").path)
            .filter { $0.hasSuffix(".yaml") }
        for f in layerFiles {
            try FileManager.default.copyItem(
                at: Self.repoRoot.appendingPathComponent("layers/\(f)"), to: layers.appendingPathComponent(f))
        }
        if extraLayers {
            let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/test_areas.yaml")
            try FileManager.default.copyItem(at: fixture, to: layers.appendingPathComponent("test_areas.yaml"))
        }
        store = try Store(path: dir.appendingPathComponent("db/test.sqlite").path, catalog: try LayerCatalog.load(directory: layers.path))
    }

    public func write(_ name: String, _ text: String) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    public func write(_ name: String, bytes: [UInt8]) throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    public func count(_ table: String) throws -> Int {
        try store.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \"\(table)\"") ?? -1 }
    }

    /// A digest of a table's rows, to prove a failed import left it untouched.
    public func fingerprint(_ table: String) throws -> String {
        try store.pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\" ORDER BY fid")
            return rows.map(\.description).joined(separator: "\n")
        }
    }

    public func cleanup() {
        try? FileManager.default.removeItem(at: dir)
    }
}

/// Builds GeoJSON text for tests.
public enum FixtureJSON {
    public static func pipe(_ no: String, system: String = "汚水", coords: [(Double, Double)], extra: String = "") -> String {
        let c = coords.map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
        return """
            {"type":"Feature","properties":{"pipe_no":"\(no)","system":"\(system)","diameter_mm":250,"material":"VU","install_year":1990\(extra)},"geometry":{"type":"LineString","coordinates":[\(c)]}}
            """
    }

    public static func collection(_ features: [String]) -> String {
        "{\"type\":\"FeatureCollection\",\"features\":[\n" + features.joined(separator: ",\n") + "\n]}"
    }
}

extension TestEnvironment {
    /// A store with the shipped sample ledger loaded, made once per test process.
    public static func withSampleLedger() throws -> TestEnvironment {
        try sampleLedger.get()
    }

    private static let sampleLedger: Result<TestEnvironment, StoreError> = Result { () throws(StoreError) in
        do { return try loadSample() } catch let e as StoreError { throw e } catch { throw StoreError("\(error)") }
    }

    private static func loadSample() throws -> TestEnvironment {
        let env = try TestEnvironment(extraLayers: false)
        let sample = repoRoot.appendingPathComponent("layers/sample")
        for (layer, file) in [("sewer_pipes", "sewer_pipes.geojson"), ("manholes", "manholes.geojson")] {
            let r = try Importer(store: env.store).run(layer: layer, path: sample.appendingPathComponent(file).path)
            guard r.committed else { throw StoreError("sample \(layer) did not load: \(r.issues.prefix(3))") }
        }
        return env
    }
}
