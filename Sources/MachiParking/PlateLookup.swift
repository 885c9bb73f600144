import Foundation
import GRDB
public import MachiCore

/// Number plates as one comparable key: staff type 「なにわ 500 あ 12-34」, 「なにわ５００あ１２‐３４」
/// or 「なにわ500あ12・34」 for the same car.
public enum PlateNumber {
    /// Characters that only separate groups on a plate: spaces (any width), hyphens and
    /// dashes of every kind, and the middle dot that stands for a blank digit.
    static let separators: Set<Character> = ["-", "‐", "‑", "‒", "–", "—", "―", "−", "・", "･"]

    /// NFKC (full-width digits and letters become ASCII), then separators removed. Stored
    /// plates are kept as typed; lookups compare both sides through this function.
    public static func normalise(_ s: String) -> String {
        String(s.precomposedStringWithCompatibilityMapping.filter { !$0.isWhitespace && !separators.contains($0) })
    }
}

public struct PlateMatch: Sendable, Equatable {
    public var id: String
    public var observedAt: String
}

extension ParkingCases {
    /// Cases whose plate normalises to `plate` (already normalised), oldest first, with an
    /// audit entry for the lookup written in the same transaction: a lookup that is not
    /// recorded does not happen. Plates are compared in Swift because SQLite has no NFKC;
    /// a scan of the plate column costs a few ms per 10,000 cases, and lookups are rare
    /// (one per suspected repeat offender), so no derived index column is kept.
    public func casesWithPlate(_ plate: String, user: StaffUser, client: String?) async throws -> [PlateMatch] {
        try await store.pool.write { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT id, observed_at, plate FROM parking_incidents WHERE plate IS NOT NULL AND plate <> '' ORDER BY observed_at, id"
            )
            let matches = rows.compactMap { r -> PlateMatch? in
                let p: String = r["plate"]
                return PlateNumber.normalise(p) == plate ? PlateMatch(id: r["id"], observedAt: r["observed_at"]) : nil
            }
            try AuditLog.record(
                db, user: user.name, action: "plate_lookup", target: plate, detail: [("results", matches.count.databaseValue)],
                client: client)
            return matches
        }
    }
}
