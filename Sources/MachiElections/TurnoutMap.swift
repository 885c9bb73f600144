import Foundation
import GRDB
import MachiCore
import MachiGeometry

public struct TurnoutMapOptions: Sendable {
    /// Wanted number of classes, 3–9 (ColorBrewer's range); fewer when the values allow fewer.
    public var classes = 5
    public var method = ClassMethod.quantile
    /// An interim time instead of the final count, as the CSV's 時刻 column writes it ("11:00",
    /// "11時"); 確定 is the final count.
    public var time: String?

    public init() {}
}

/// The turnout choropleth (地域別投票率): one Feature per district with its figures, rank,
/// class and fill colour, plus the city-wide totals and the class breaks as foreign members.
struct TurnoutMap {
    let store: Store
    let shapes: [DistrictShape]

    /// Exact comparison of two turnouts v/e without rounding: by cross-multiplication.
    static func higher(_ a: TurnoutCounts, _ b: TurnoutCounts) -> Bool {
        let (va, ea, vb, eb) = (a.voters.total ?? 0, a.electors.total ?? 0, b.voters.total ?? 0, b.electors.total ?? 0)
        let (l, o1) = va.multipliedReportingOverflow(by: eb)
        let (r, o2) = vb.multipliedReportingOverflow(by: ea)
        if o1 || o2 { return Double(va) / Double(ea) > Double(vb) / Double(eb) }
        return l > r
    }

    func counts(_ db: Database, election: String, time: String) throws -> [String: TurnoutCounts] {
        var out = [String: TurnoutCounts]()
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT district_no, electors_male, electors_female, electors_total, day_male, day_female, day_total,
                    early_male, early_female, early_total, absentee_male, absentee_female, absentee_total
                FROM election_turnout WHERE election_id = ? AND time = ?
                """, arguments: [election, time])
        while let r = try rows.next() {
            func g(_ i: Int) -> SexCounts { SexCounts(male: r[i], female: r[i + 1], total: r[i + 2]) }
            out[r[0]] = TurnoutCounts(electors: g(1), day: g(4), early: g(7), absentee: g(10))
        }
        return out
    }

    func geoJSON(election: Election, compare: Election?, options: TurnoutMapOptions, cityName: String) throws -> String {
        let time = options.time ?? ""
        if !time.isEmpty, !election.interimTimes.contains(time) {
            let known = election.interimTimes.isEmpty ? "none" : election.interimTimes.joined(separator: ", ")
            throw ElectionError.invalid("at", "election \(election.id) has no interim count at \(time) (has: \(known))")
        }
        let (current, previous) = try store.pool.read { db in
            (try counts(db, election: election.id, time: time), try compare.map { try counts(db, election: $0.id, time: "") } ?? [:])
        }

        // Classes and ranks come from the districts on the map, with the percentages people read.
        let mapped = shapes.compactMap { s in current[s.number].flatMap { c in c.turnout.map { (s.number, c, $0) } } }
        let ranked = mapped.sorted { Self.higher($0.1, $1.1) }
        var rank = [String: Int]()
        for (i, m) in ranked.enumerated() {
            let tied = i > 0 && !Self.higher(ranked[i - 1].1, m.1)
            rank[m.0] = tied ? rank[ranked[i - 1].0]! : i + 1
        }
        let k = min(max(options.classes, ColorRamp.minClasses), ColorRamp.maxClasses)
        let breaks = Classifier.breaks(mapped.map { Double($0.2.hundredths) }, classes: k, method: options.method)
            .map { Percent(hundredths: Int64($0.rounded())) }
        let colors = ColorRamp.colors(breaks.count - 1)

        // The city figures are those of the districts on the map, so they add up to what the map
        // shows; rows for districts that no longer exist (after districts were rebuilt) are named
        // instead of silently counted. A comparison is like for like over the same districts.
        let onMap = Set(shapes.map(\.number))
        let shownNow = current.filter { onMap.contains($0.key) }
        let shownBefore = previous.filter { onMap.contains($0.key) }
        let cityNow = shownNow.values.reduce(TurnoutCounts.zero, +)
        let cityBefore = shownBefore.values.reduce(TurnoutCounts.zero, +)
        func unmatched(_ rows: [String: TurnoutCounts]) -> String {
            let numbers = rows.keys.filter { !onMap.contains($0) }.sorted(by: DistrictNumbers.naturalOrder)
            return "[" + numbers.map(GeoJSONWriter.string).joined(separator: ",") + "]"
        }
        var out = "{\"type\":\"FeatureCollection\",\"election\":"
        Self.electionJSON(election, into: &out)
        out += ",\"time\":" + (time.isEmpty ? "null" : GeoJSONWriter.string(time))
        out += ",\"compare\":"
        if let compare { Self.electionJSON(compare, into: &out) } else { out += "null" }
        out += ",\"method\":\"\(options.method.rawValue)\",\"classes\":\(max(0, breaks.count - 1))"
        out += ",\"breaks\":[" + breaks.map(\.description).joined(separator: ",") + "]"
        out += ",\"colors\":[" + colors.map(GeoJSONWriter.string).joined(separator: ",") + "]"
        out += ",\"city\":{\"name\":" + GeoJSONWriter.string(cityName) + ","
        Self.figures(shownNow.isEmpty ? nil : cityNow, shownBefore.isEmpty ? nil : cityBefore, into: &out)
        out += ",\"districts\":\(shapes.count),\"districts_reported\":\(mapped.count)"
        out += ",\"unmatched_districts\":" + unmatched(current) + ",\"compare_unmatched_districts\":" + unmatched(previous)
        out += "},\"features\":["
        for (i, s) in shapes.enumerated() {
            if i > 0 { out += ",\n" }
            out += "{\"type\":\"Feature\",\"id\":" + GeoJSONWriter.string(s.number) + ",\"geometry\":" + s.geometryJSON
            out += ",\"properties\":{\"district_no\":" + GeoJSONWriter.string(s.number)
            out += ",\"name\":" + (s.name.map(GeoJSONWriter.string) ?? "null")
            out += ",\"station_no\":" + (s.stationNumber.map(GeoJSONWriter.string) ?? "null")
            out += ",\"station_name\":" + (s.stationName.map(GeoJSONWriter.string) ?? "null") + ","
            let c = current[s.number]
            Self.figures(c, previous[s.number], into: &out)
            if let c, let pct = c.turnout {
                let cls = Classifier.classIndex(Double(pct.hundredths), breaks: breaks.map { Double($0.hundredths) })
                out += ",\"rank\":\(rank[s.number]!),\"class\":\(cls),\"fill\":" + GeoJSONWriter.string(colors[cls])
            } else {
                out += ",\"rank\":null,\"class\":null,\"fill\":" + GeoJSONWriter.string(ColorRamp.noData)
            }
            out += "}}"
        }
        out += "]}"
        return out
    }

    static func electionJSON(_ e: Election, into out: inout String) {
        out += "{\"id\":" + GeoJSONWriter.string(e.id) + ",\"name\":" + GeoJSONWriter.string(e.name)
        out += ",\"date\":" + GeoJSONWriter.string(e.date) + ",\"published\":\(e.published)}"
    }

    /// Counts and percentages of a district or the city; null figures when there are none, and
    /// a null delta_pp without a comparison.
    static func figures(_ c: TurnoutCounts?, _ before: TurnoutCounts?, into out: inout String) {
        func int(_ v: Int64?) -> String { v.map { String($0) } ?? "null" }
        func pct(_ p: Percent?) -> String { p?.description ?? "null" }
        let v = c?.voters
        out +=
            "\"electors\":\(int(c?.electors.total)),\"electors_male\":\(int(c?.electors.male)),\"electors_female\":\(int(c?.electors.female))"
        out += ",\"voters\":\(int(v?.total)),\"voters_male\":\(int(v?.male)),\"voters_female\":\(int(v?.female))"
        out += ",\"voters_day\":\(int(c?.day.total)),\"voters_early\":\(int(c?.early.total)),\"voters_absentee\":\(int(c?.absentee.total))"
        out += ",\"turnout_pct\":\(pct(c?.turnout)),\"turnout_pct_male\":\(pct(c?.turnoutMale))"
        out += ",\"turnout_pct_female\":\(pct(c?.turnoutFemale)),\"early_share_pct\":\(pct(c?.earlyShare))"
        var delta: Percent?
        if let c, let before, let v = c.voters.total, let e = c.electors.total, let bv = before.voters.total, let be = before.electors.total
        {
            delta = Percent.difference((v, e), (bv, be))
        }
        out += ",\"delta_pp\":\(pct(delta))"
    }
}
