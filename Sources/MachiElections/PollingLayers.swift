import Foundation
import GRDB
public import MachiCore
public import MachiGeometry

/// A polling district (投票区) as stored, geometry in the storage CRS.
public struct PollingDistrict: Sendable {
    public var number: String
    public var name: String?
    public var stationNumber: String?
    public var geometry: Geometry
}

/// A polling station (投票所); `position` is the entrance, in the storage CRS.
public struct PollingStation: Sendable {
    public var number: String
    public var name: String?
    public var address: String?
    public var position: Position
}

/// Reads the two layers the election office keeps: `polling_districts` and `polling_stations`.
public struct PollingLayers: Sendable {
    public static let districtsLayer = "polling_districts"
    public static let stationsLayer = "polling_stations"

    public let store: Store

    public init(store: Store) { self.store = store }

    func requireLayer(_ name: String) throws {
        guard store.catalog[name] != nil else {
            throw ElectionError(.conflict, "layer \(name) is not declared; add layers/\(name).yaml")
        }
    }

    public func districtNumbers() throws -> [String] {
        try requireLayer(Self.districtsLayer)
        return try store.pool.read { db in try String.fetchAll(db, sql: "SELECT district_no FROM polling_districts") }
    }

    /// Every district, in natural order of its number (2 before 10).
    public func districts() throws -> [PollingDistrict] {
        try requireLayer(Self.districtsLayer)
        let all = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT district_no, name, station_no, geom FROM polling_districts").map { row in
                PollingDistrict(number: row[0], name: row[1], stationNumber: row[2], geometry: try Self.geometry(row, 3))
            }
        }
        return all.sorted { DistrictNumbers.naturalOrder($0.number, $1.number) }
    }

    public func stations() throws -> [PollingStation] {
        try requireLayer(Self.stationsLayer)
        let all = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT station_no, name, address, geom FROM polling_stations").map { row in
                guard case .point(let p) = try Self.geometry(row, 3) else {
                    throw StoreError("polling station \(row[0] as String) is not a point")
                }
                return PollingStation(number: row[0], name: row[1], address: row[2], position: p)
            }
        }
        return all.sorted { DistrictNumbers.naturalOrder($0.number, $1.number) }
    }

    static func geometry(_ row: Row, _ index: Int) throws -> Geometry {
        try row.withUnsafeData(atIndex: index) { data in
            guard let data else { throw StoreError("feature without geometry") }
            return try data.withUnsafeBytes { try SpatiaLiteBlob.decode($0).geometry }
        }
    }
}
