import Foundation
import MachiCore
import MachiElections
import Testing

/// The turnout GeoJSON against figures computed by hand:
///
/// | district | electors (男/女) | voters (男/女) | turnout | 男 | 女 | early share | vs 2021 |
/// |---|---|---|---|---|---|---|---|
/// | 1 | 2000 (1000/1000) | 1095 (503/592) | 54.75 | 50.30 | 59.20 | 245/1095 = 22.37 | 54.75 − 50.00 = 4.75 |
/// | 2 | 20000 (9800/10200) | 14513 (6950/7563) | 72.565 → 72.57 | 70.92 | 74.15 | 6000/14513 = 41.34 | 72.565 − 75 = −2.435 → −2.44 |
/// | 10 | 1300 (600/700) | 621 (270/351) | 47.769… → 47.77 | 45.00 | 50.14 | 161/621 = 25.93 | — |
/// | city | 23300 (11400/11900) | 16229 (7723/8506) | 69.65 | 67.75 | 71.48 | 6406/16229 = 39.47 | 69.652 − 72.727 = −3.07 |
@Suite struct HandFixtureTests {
    static let admin = StaffUser(name: "t", role: .admin)

    func map(_ env: ElectionEnvironment, compare: String? = "2021-test", method: ClassMethod = .quantile) throws -> [String: Any] {
        var options = TurnoutMapOptions()
        options.method = method
        let text = try env.office.turnoutGeoJSON("2025-test", compare: compare, options: options, user: Self.admin)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Numbers as written in the JSON text, so "72.57" is checked as text, not as a Double.
    func raw(_ env: ElectionEnvironment) throws -> String {
        try env.office.turnoutGeoJSON("2025-test", compare: "2021-test", options: TurnoutMapOptions(), user: Self.admin)
    }

    @Test func everyDistrictFigureToTheDigit() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try HandFixture.load(env)
        let body = try map(env)
        let features = try #require(body["features"] as? [[String: Any]])
        // Natural order of district numbers: 10 after 2.
        #expect(features.compactMap { $0["id"] as? String } == ["1", "2", "10"])
        let props = Dictionary(
            uniqueKeysWithValues: features.map { f in
                let p = f["properties"] as! [String: Any]
                return (p["district_no"] as! String, p)
            })
        let expected: [String: [String: Any]] = [
            "1": [
                "electors": 2000, "electors_male": 1000, "electors_female": 1000, "voters": 1095, "voters_male": 503, "voters_female": 592,
                "voters_day": 850, "voters_early": 240, "voters_absentee": 5, "turnout_pct": 54.75, "turnout_pct_male": 50.3,
                "turnout_pct_female": 59.2, "early_share_pct": 22.37, "delta_pp": 4.75, "rank": 2, "name": "第1投票区", "station_no": "1",
                "station_name": "第一小学校",
            ],
            "2": [
                "electors": 20000, "voters": 14513, "voters_male": 6950, "voters_female": 7563, "turnout_pct": 72.57,
                "turnout_pct_male": 70.92,
                "turnout_pct_female": 74.15, "early_share_pct": 41.34, "delta_pp": -2.44, "rank": 1, "station_name": "第二公民館",
            ],
            "10": [
                "electors": 1300, "voters": 621, "turnout_pct": 47.77, "turnout_pct_male": 45.0, "turnout_pct_female": 50.14,
                "early_share_pct": 25.93, "rank": 3, "station_name": "第一小学校",
            ],
        ]
        for (district, want) in expected {
            let got = try #require(props[district])
            for (key, value) in want {
                switch value {
                case let i as Int: #expect(got[key] as? Int == i, "district \(district) \(key)")
                case let d as Double: #expect(got[key] as? Double == d, "district \(district) \(key)")
                case let s as String: #expect(got[key] as? String == s, "district \(district) \(key)")
                default: Issue.record("bad fixture value")
                }
            }
        }
        #expect(props["10"]?["delta_pp"] is NSNull, "district 10 did not exist in 2021")

        let city = try #require(body["city"] as? [String: Any])
        #expect(city["electors"] as? Int == 23300)
        #expect(city["voters"] as? Int == 16229)
        #expect(city["voters_male"] as? Int == 7723)
        #expect(city["voters_female"] as? Int == 8506)
        #expect(city["turnout_pct"] as? Double == 69.65)
        #expect(city["turnout_pct_male"] as? Double == 67.75)
        #expect(city["turnout_pct_female"] as? Double == 71.48)
        #expect(city["early_share_pct"] as? Double == 39.47)
        #expect(city["delta_pp"] as? Double == -3.07)
        #expect(city["name"] as? String == "摂津市")

        // Three distinct values allow three classes: each district its own, lightest for the lowest.
        #expect(body["classes"] as? Int == 3)
        #expect(body["breaks"] as? [Double] == [47.77, 47.77, 54.75, 72.57])
        #expect(props["10"]?["class"] as? Int == 0)
        #expect(props["1"]?["class"] as? Int == 1)
        #expect(props["2"]?["class"] as? Int == 2)
        #expect(props["10"]?["fill"] as? String == "#edf8b1")
        #expect(props["2"]?["fill"] as? String == "#2c7fb8")
        #expect((body["election"] as? [String: Any])?["id"] as? String == "2025-test")
        #expect((body["compare"] as? [String: Any])?["id"] as? String == "2021-test")
    }

    @Test func percentagesAreWrittenWithTwoDecimals() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try HandFixture.load(env)
        let text = try raw(env)
        #expect(text.contains("\"turnout_pct\":72.57,"))
        #expect(text.contains("\"turnout_pct_male\":50.30,"))
        #expect(text.contains("\"turnout_pct_male\":45.00,"))
        #expect(text.contains("\"delta_pp\":-2.44"))
        #expect(text.contains("\"breaks\":[47.77,47.77,54.75,72.57]"))
    }

    @Test func geometryIsLonLatRoundedAndCounterclockwise() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try HandFixture.load(env)
        let features = try #require(try map(env)["features"] as? [[String: Any]])
        let geometry = try #require(features[0]["geometry"] as? [String: Any])
        #expect(geometry["type"] as? String == "MultiPolygon")
        let ring = try #require((geometry["coordinates"] as? [[[[Double]]]])?.first?.first)
        // The square 135.560–135.564 × 34.770–34.774 survives the plane CS round trip to 7 decimals.
        #expect(Set(ring.map { [$0[0], $0[1]] }) == [[135.56, 34.77], [135.564, 34.77], [135.564, 34.774], [135.56, 34.774]])
        var area = 0.0
        for i in 0..<(ring.count - 1) { area += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] }
        #expect(area > 0, "RFC 7946: exterior rings counterclockwise")
    }

    @Test func withoutCompareDeltaIsNull() throws {
        let env = try ElectionEnvironment()
        defer { env.cleanup() }
        try HandFixture.load(env)
        let body = try map(env, compare: nil)
        #expect(body["compare"] is NSNull)
        let features = try #require(body["features"] as? [[String: Any]])
        #expect(features.allSatisfy { ($0["properties"] as? [String: Any])?["delta_pp"] is NSNull })
    }
}
