/// Streams the features of a GeoJSON FeatureCollection (or a single Feature) one at a time:
/// only the feature being parsed is held in memory, so a 500 MB file reads in a few MiB.
public final class GeoJSONReader: FeatureSource {
    public static let maxNestingDepth = 64
    public static let defaultMaxFeatureBytes = 64 << 20

    public private(set) var crs: String?
    /// Set when the caller gives the CRS explicitly (`--srid`): a crs member in the file,
    /// wherever it is, is then not the file's CRS and is not checked.
    public let crsOverridden: Bool
    public var bytesRead: Int64 { file.offset }
    public let totalBytes: Int64

    private enum State {
        case features(afterFirst: Bool)
        case singleFeature(offset: Int64, line: Int)
        case finished
    }

    /// The top-level members the reader cares about besides "features".
    private struct TopLevel {
        var type: String?
        var crs: JSONValue?
    }

    private let path: String
    private let file: ChunkedFile
    private let scanner: JSONStreamScanner
    private let maxFeatureBytes: Int
    private var state: State
    private var index = 0

    /// Largest the read buffer has been, for checking that memory stays flat.
    var peakBufferedBytes: Int { scanner.peakBufferCount }

    /// - Parameter crsOverridden: the caller names the CRS (`--srid`), so the file's own
    ///   crs member is neither looked for nor checked.
    public convenience init(path: String, crsOverridden: Bool = false) throws(FormatError) {
        try self.init(path: path, maxFeatureBytes: Self.defaultMaxFeatureBytes, crsOverridden: crsOverridden)
    }

    init(path: String, maxFeatureBytes: Int, crsOverridden: Bool = false) throws(FormatError) {
        self.path = path
        self.crsOverridden = crsOverridden
        self.file = try ChunkedFile(path: path)
        self.totalBytes = file.size
        self.scanner = JSONStreamScanner(file: file)
        self.maxFeatureBytes = maxFeatureBytes
        self.state = .finished
        guard file.size > 0 else {
            crs = "OGC:CRS84"
            return
        }
        do throws(JSONScanError) {
            try openTopLevel()
        } catch {
            throw .fatal(.file, error.kind == .notGeoJSON ? error.message : "malformed JSON at line \(error.line): \(error.message)")
        }
    }

    private func openTopLevel() throws(JSONScanError) {
        try scanner.skipByteOrderMark()
        let first = try scanner.peekSignificant()
        guard first == UInt8(ascii: "{") else {
            throw scanner.syntaxError("expected a GeoJSON object starting with '{', found \(JSONStreamScanner.describe(first))")
        }
        let objectOffset = scanner.fileOffset
        let objectLine = scanner.line
        scanner.consumeByte()
        var top = TopLevel()
        let foundFeatures = try Self.readMembers(of: scanner, into: &top, stopAtFeatures: true, afterFeatures: false)

        if foundFeatures {
            if top.crs == nil, !crsOverridden, Self.tailMayHoldCRS(path: path) {
                // A crs written after the features array still has to apply to every feature,
                // so look past the array before the first feature is returned. This second pass
                // reads the whole file, so it is made only when the file's end names a "crs";
                // one hidden further back is caught when the main pass reaches it.
                try? Self.readMembersAfterFeatures(path: path, arrayOffset: scanner.fileOffset, line: scanner.line, into: &top)
            }
            if let type = top.type, type != "FeatureCollection" {
                throw JSONScanError(
                    kind: .notGeoJSON, line: objectLine,
                    message: "top-level \"type\" is \"\(type)\" but the object has a \"features\" array")
            }
            scanner.consumeByte()
            state = .features(afterFirst: false)
        } else {
            try Self.expectEndOfFile(scanner)
            switch top.type {
            case "Feature":
                state = .singleFeature(offset: objectOffset, line: objectLine)
            case let type? where type != "FeatureCollection":
                throw JSONScanError(
                    kind: .notGeoJSON, line: objectLine,
                    message: "top-level \"type\" is \"\(type)\": expected a GeoJSON FeatureCollection or Feature")
            default:
                throw JSONScanError(
                    kind: .notGeoJSON, line: objectLine, message: "no \"features\" member: not a GeoJSON FeatureCollection or Feature")
            }
        }
        crs = top.crs.flatMap(GeoJSONFeature.crs(fromLegacyMember:)) ?? "OGC:CRS84"
    }

    /// Reads top-level members up to the "features" array (returning true with the scanner at
    /// its '[') or the closing '}' (returning false). Values other than "type" and "crs" are
    /// skipped without being kept, so a huge unrelated member costs no memory.
    private static func readMembers(
        of scanner: JSONStreamScanner, into top: inout TopLevel, stopAtFeatures: Bool, afterFeatures: Bool
    ) throws(JSONScanError) -> Bool {
        var needsSeparator = afterFeatures
        if !afterFeatures, try scanner.peekSignificant() == UInt8(ascii: "}") {
            scanner.consumeByte()
            return false
        }
        while true {
            if needsSeparator {
                let c = try scanner.peekSignificant()
                if c == UInt8(ascii: "}") {
                    scanner.consumeByte()
                    return false
                }
                guard c == UInt8(ascii: ",") else {
                    if c == nil {
                        throw JSONScanError(
                            kind: .endOfFile, line: scanner.line, message: "unexpected end of file (is the file truncated?)")
                    }
                    throw scanner.syntaxError("expected ',' or '}' between top-level members, found \(JSONStreamScanner.describe(c))")
                }
                scanner.consumeByte()
            }
            needsSeparator = true
            let c = try scanner.peekSignificant()
            guard c == UInt8(ascii: "\"") else {
                throw scanner.syntaxError("expected a member name in quotes, found \(JSONStreamScanner.describe(c))")
            }
            let name = try readString(scanner)
            let colon = try scanner.peekSignificant()
            guard colon == UInt8(ascii: ":") else {
                throw scanner.syntaxError("expected ':' after \"\(name)\", found \(JSONStreamScanner.describe(colon))")
            }
            scanner.consumeByte()
            switch name {
            case "features" where stopAtFeatures:
                let open = try scanner.peekSignificant()
                guard open == UInt8(ascii: "[") else {
                    throw scanner.syntaxError("\"features\" must be an array, found \(JSONStreamScanner.describe(open))")
                }
                return true
            case "type":
                if case .string(let s) = try readSmallValue(scanner) { top.type = s }
            case "crs":
                top.crs = try readSmallValue(scanner)
            case "features":
                try scanner.scanValue(keep: false, maxBytes: .max, maxDepth: .max, checkBrackets: false)
            default:
                try scanner.scanValue(keep: false, maxBytes: .max, maxDepth: maxNestingDepth)
            }
        }
    }

    private static func readString(_ scanner: JSONStreamScanner) throws(JSONScanError) -> String {
        guard case .string(let s) = try readSmallValue(scanner) else { throw scanner.syntaxError("expected a string") }
        return s
    }

    private static func readSmallValue(_ scanner: JSONStreamScanner) throws(JSONScanError) -> JSONValue {
        let line = scanner.line
        guard let range = try scanner.scanValue(keep: true, maxBytes: 1 << 20, maxDepth: maxNestingDepth) else {
            throw scanner.syntaxError("expected a value")
        }
        defer { scanner.release() }
        let parsed = scanner.withBytes(range) { p in
            Result { () throws(JSONSyntaxError) in try JSONParser.parse(p, maxDepth: maxNestingDepth) }
        }
        switch parsed {
        case .success(let value):
            return value
        case .failure(let error):
            let errorLine = line + scanner.withBytes(range) { $0[..<error.offset].count(where: { $0 == 0x0A }) }
            throw JSONScanError(kind: .syntax, line: errorLine, message: error.message)
        }
    }

    private static func expectEndOfFile(_ scanner: JSONStreamScanner) throws(JSONScanError) {
        if let extra = try scanner.peekSignificant() {
            throw scanner.syntaxError("unexpected \(JSONStreamScanner.describe(extra)) after the end of the GeoJSON object")
        }
    }

    /// A second, independent pass that skips the features array without keeping anything and
    /// reads the members after it. Framing errors are left for the main pass to report.
    private static func readMembersAfterFeatures(path: String, arrayOffset: Int64, line: Int, into top: inout TopLevel) throws {
        let file = try ChunkedFile(path: path)
        try file.seek(to: arrayOffset)
        let scanner = JSONStreamScanner(file: file, line: line)
        try scanner.scanValue(keep: false, maxBytes: .max, maxDepth: .max, checkBrackets: false)
        var trailing = TopLevel()
        _ = try readMembers(of: scanner, into: &trailing, stopAtFeatures: false, afterFeatures: true)
        top.type = top.type ?? trailing.type
        top.crs = top.crs ?? trailing.crs
    }

    // MARK: Features

    public func next() throws(FormatError) -> SourceFeature? {
        switch state {
        case .finished:
            return nil
        case .singleFeature(let offset, let line):
            state = .finished
            let single = try ChunkedFile(path: path)
            try single.seek(to: offset)
            return try readFeature(from: JSONStreamScanner(file: single, line: line))
        case .features(let afterFirst):
            var reachedEnd = false
            do throws(JSONScanError) {
                var c = try scanner.peekSignificant()
                if c == UInt8(ascii: "]") {
                    scanner.consumeByte()
                    reachedEnd = true
                } else if afterFirst {
                    guard c == UInt8(ascii: ",") else {
                        if c == nil {
                            throw JSONScanError(
                                kind: .endOfFile, line: scanner.line, message: "unexpected end of file (is the file truncated?)")
                        }
                        throw scanner.syntaxError("expected ',' or ']' after feature \(index - 1), found \(JSONStreamScanner.describe(c))")
                    }
                    scanner.consumeByte()
                    c = try scanner.peekSignificant()
                    if c == UInt8(ascii: "]") { throw scanner.syntaxError("']' after ',': trailing commas are not allowed in JSON") }
                }
                if c == nil {
                    throw JSONScanError(kind: .endOfFile, line: scanner.line, message: "unexpected end of file (is the file truncated?)")
                }
            } catch {
                state = .finished
                throw .fatal(.feature(index), "malformed JSON at line \(error.line): \(error.message)")
            }
            if reachedEnd {
                state = .finished
                try finishTopLevel()
                return nil
            }
            state = .features(afterFirst: true)
            return try readFeature(from: scanner)
        }
    }

    private static func describeSize(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes)-byte"
    }

    private func finishTopLevel() throws(FormatError) {
        var top = TopLevel()
        do throws(JSONScanError) {
            _ = try Self.readMembers(of: scanner, into: &top, stopAtFeatures: false, afterFeatures: true)
            try Self.expectEndOfFile(scanner)
        } catch {
            throw .fatal(.file, "malformed JSON at line \(error.line) after the features array: \(error.message)")
        }
        if let type = top.type, type != "FeatureCollection" {
            throw .fatal(.file, "top-level \"type\" is \"\(type)\" but the object has a \"features\" array")
        }
        // Features were read in the CRS known when they were returned; a different one
        // declared after them would have been applied to none of them.
        if !crsOverridden, let member = top.crs, let declared = GeoJSONFeature.crs(fromLegacyMember: member), declared != crs {
            throw .fatal(
                .file,
                "a \"crs\" member (\(declared)) after the features array was found only after the features were read as \(crs ?? "OGC:CRS84"); "
                    + "move it before \"features\" or give the CRS explicitly (--srid)")
        }
    }

    /// Whether the last bytes of the file contain `"crs"`, i.e. whether a crs member may
    /// follow the features array (writers put short trailing members there, if any).
    static func tailMayHoldCRS(path: String, window: Int = 64 << 10) -> Bool {
        guard let file = try? ChunkedFile(path: path, chunkSize: window) else { return true }
        do {
            try file.seek(to: max(0, file.size - Int64(window)))
            var tail = [UInt8]()
            try file.readChunk(into: &tail)
            let needle = Array("\"crs\"".utf8)
            guard tail.count >= needle.count else { return false }
            for i in 0...(tail.count - needle.count) where tail[i] == needle[0] && Array(tail[i..<(i + needle.count)]) == needle {
                return true
            }
            return false
        } catch {
            return true
        }
    }

    private func readFeature(from scanner: JSONStreamScanner) throws(FormatError) -> SourceFeature {
        let location = SourceLocation.feature(index)
        index += 1
        let startLine = scanner.line
        let range: Range<Int>
        do throws(JSONScanError) {
            range = try scanner.scanValue(keep: true, maxBytes: maxFeatureBytes, maxDepth: Self.maxNestingDepth)!
        } catch {
            state = .finished
            let what = error.kind == .tooLarge ? "feature is larger than the \(Self.describeSize(maxFeatureBytes)) limit" : error.message
            throw .fatal(location, "malformed JSON at line \(error.line): \(what)")
        }
        defer { scanner.release() }
        let parsed = scanner.withBytes(range) { p in
            Result { () throws(JSONSyntaxError) in try JSONParser.parse(p, maxDepth: Self.maxNestingDepth) }
        }
        switch parsed {
        case .success(let value):
            return try GeoJSONFeature.make(from: value, location: location)
        case .failure(let error):
            state = .finished
            let line = startLine + scanner.withBytes(range) { $0[..<error.offset].count(where: { $0 == 0x0A }) }
            throw .fatal(location, "malformed JSON at line \(line): \(error.message)")
        }
    }
}
