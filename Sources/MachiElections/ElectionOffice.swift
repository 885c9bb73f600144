import Foundation
public import MachiCore
import MachiGeometry

/// A turnout map and whether it may be shared between callers.
public struct TurnoutDocument: Sendable {
    public var json: String
    /// Whether every election it draws on (the compared one too) is published: only then is it
    /// the same for every caller, and only then may a shared cache keep it.
    public var isPublic: Bool
}

/// The election office's data service, shared by the HTTP routes and the CLI: elections,
/// turnout maps, stations and regulated zones, with the visibility rules applied.
public final class ElectionOffice: Sendable {
    public let store: Store
    public let registry: ElectionRegistry
    let shapes: DistrictShapes

    /// Brings the office's tables up to date, so every entry point can rely on them.
    public init(store: Store) throws {
        self.store = store
        registry = ElectionRegistry(store: store)
        shapes = DistrictShapes(store: store)
        try ElectionSchema.migrate(store)
    }

    /// Elections `user` may see: published ones, and all for the office and admins.
    public func elections(visibleTo user: StaffUser?) throws -> [Election] {
        try registry.all().filter { $0.published || Election.mayReadUnpublished(user) }
    }

    public func election(_ id: String, visibleTo user: StaffUser?) throws -> Election {
        guard ElectionRegistry.validID(id), let e = try registry.election(id) else { throw ElectionError(.notFound, "no election \(id)") }
        try e.checkVisible(to: user)
        return e
    }

    public func turnoutGeoJSON(_ id: String, compare: String?, options: TurnoutMapOptions, user: StaffUser?) throws -> String {
        try turnout(id, compare: compare, options: options, user: user).json
    }

    /// The turnout map with what a cache needs to know about it.
    public func turnout(_ id: String, compare: String?, options: TurnoutMapOptions, user: StaffUser?) throws -> TurnoutDocument {
        let e = try election(id, visibleTo: user)
        var other: Election?
        if let compare {
            // An election the caller may not see is reported exactly like one that does not exist.
            do {
                other = try election(compare, visibleTo: user)
            } catch let err as ElectionError where err.kind == .notFound || err.kind == .forbidden {
                throw ElectionError.invalid("compare", "no election \(compare)")
            }
            guard other?.hasFinalTurnout == true else { throw ElectionError.invalid("compare", "election \(compare) has no final turnout") }
        }
        var options = options
        options.time = try Self.interimTime(options.time)
        let json = try TurnoutMap(store: store, shapes: try shapes.current()).geoJSON(
            election: e, compare: other, options: options, cityName: store.city.name)
        return TurnoutDocument(json: json, isPublic: e.published && (other?.published ?? true))
    }

    /// The CLI's --at and the API's at= accept what the turnout CSV's 時刻 column accepts
    /// ("11:00", "11時", "１１：００"), so a time the office imported can be asked for as written.
    /// 確定 (or blank) asks for the final count.
    static func interimTime(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard let t = TurnoutTime.normalise(text) else {
            throw ElectionError.invalid("at", "\"\(text.prefix(40))\" is not a time (HH:MM, 11時) or 確定")
        }
        return t.isEmpty ? nil : t
    }

    /// Writes the turnout map to a file for publishing (the CLI's export); returns its size in
    /// bytes. Whoever can read the database file is the office itself, so unpublished elections
    /// export too.
    @discardableResult
    public func export(_ id: String, compare: String?, options: TurnoutMapOptions, to path: String) throws -> Int {
        let json = try turnoutGeoJSON(id, compare: compare, options: options, user: StaffUser(name: "cli", role: .admin))
        let data = Data(json.utf8)
        try Self.write(data, to: path)
        return data.count
    }

    /// Foundation's errors name neither the file nor the cause in words an operator can act on,
    /// so the usual causes are checked first and named.
    static func write(_ data: Data, to path: String) throws {
        func fail(_ why: String) -> ElectionError { ElectionError.invalid("--out", "cannot write \(path): \(why)") }
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory) else {
            throw fail("directory \(dir) does not exist")
        }
        guard isDirectory.boolValue else { throw fail("\(dir) is not a directory") }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw fail("it is a directory; give a file name")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else { throw fail("no permission to write in \(dir)") }
        do {
            try data.write(to: url, options: .atomic)
        } catch let e as CocoaError {
            switch e.code {
            case .fileWriteOutOfSpace: throw fail("the disk is full")
            case .fileWriteVolumeReadOnly: throw fail("the file system is read-only")
            case .fileWriteNoPermission: throw fail("permission denied")
            default:
                let underlying = e.userInfo[NSUnderlyingErrorKey] as? NSError
                let cause = underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32($0.code))) : nil }
                throw fail(cause ?? "write failed (\(e.code.rawValue))")
            }
        }
    }

    public func stationsGeoJSON() throws -> String {
        let stations = try PollingLayers(store: store).stations()
        let districts = try shapes.current()
        var out = "{\"type\":\"FeatureCollection\",\"features\":["
        try store.toLonLat.withTransformer { t in
            for (i, s) in stations.enumerated() {
                if i > 0 { out += ",\n" }
                out += "{\"type\":\"Feature\",\"id\":" + GeoJSONWriter.string(s.number) + ",\"geometry\":"
                GeoJSONWriter.geometry(try t.transform(.point(s.position)), into: &out)
                out += ",\"properties\":{\"station_no\":" + GeoJSONWriter.string(s.number)
                out += ",\"name\":" + (s.name.map(GeoJSONWriter.string) ?? "null")
                out += ",\"address\":" + (s.address.map(GeoJSONWriter.string) ?? "null")
                let served = districts.filter { $0.stationNumber == s.number }.map { GeoJSONWriter.string($0.number) }
                out += ",\"district_no\":[" + served.joined(separator: ",") + "]}}"
            }
        }
        out += "]}"
        return out
    }

    public var zones: RegulatedZones { RegulatedZones(store: store) }
}
