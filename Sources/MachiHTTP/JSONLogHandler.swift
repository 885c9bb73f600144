import Foundation
public import Logging
import MachiCore

/// `serve --log-format json`: one JSON object per line on standard error, with the time in
/// Japan Standard Time (ISO 8601, +09:00), level, label, message and the metadata as fields.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    private static let lock = NSLock()

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var out = "{\"time\":\"\(Timestamp.now())\",\"level\":\"\(event.level)\",\"label\":"
        GeoJSONWriter.escape(label, into: &out)
        out += ",\"message\":"
        GeoJSONWriter.escape(event.message.description, into: &out)
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) {
            out += ","
            GeoJSONWriter.escape(key, into: &out)
            out += ":"
            if case .stringConvertible(let v) = value, let n = v as? Int {
                out += String(n)
            } else {
                GeoJSONWriter.escape(value.description, into: &out)
            }
        }
        out += "}\n"
        Self.lock.lock()
        FileHandle.standardError.write(Data(out.utf8))
        Self.lock.unlock()
    }
}
