import Foundation
import Testing

@testable import MachiFormats

/// A directory that exists for one test and is removed with it, so tests can run in parallel.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "machiformats-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }
}

/// Reads every feature, failing the test on the first error.
func readAll(_ source: some FeatureSource) throws -> [SourceFeature] {
    var features: [SourceFeature] = []
    while let feature = try source.next() { features.append(feature) }
    return features
}

/// The FormatError `body` throws, or nil when it throws none (or throws something else).
func formatError<R>(_ body: () throws -> R) -> FormatError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error as? FormatError
    }
}
