import Foundation
import GRDB
import MachiCore
import MachiElections
import MachiFormats
import Testing

/// import-turnout: the standard header as published, other headers through the layer file,
/// and every validation error with its line; nothing loads when one row is wrong.
@Suite struct TurnoutImportTests {
    func prepared() throws -> ElectionEnvironment {
        try ElectionEnvironment.withHandDistricts()
    }

    @Test func standardHeaderInCP932ImportsAsIs() throws {
        let env = try prepared()
        defer { env.cleanup() }
        let r = try env.importTurnout("e1", HandFixture.turnout.replacingOccurrences(of: "\n", with: "\r\n"), cp932: true)
        #expect(r.committed, "\(r.issues)")
        #expect(r.encoding == .cp932)
        #expect(r.read == 3 && r.loaded == 3 && r.rejected == 0)
        #expect(try env.turnoutRows("e1") == 3)
        #expect(try env.office.registry.election("e1")?.hasFinalTurnout == true)
    }

    @Test func everyValidationErrorIsReportedWithItsLine() throws {
        let env = try prepared()
        defer { env.cleanup() }
        #expect(try env.importTurnout("e1", HandFixture.turnout).committed)
        let csv = """
            \(HandFixture.header)
            1,1000,1000,2000,400,450,850,100,140,240,3,2,5
            99,10,10,20,1,1,2,1,1,2,0,0,0
            第1投票区,1000,1000,2000,400,450,850,100,140,240,3,2,5
            2,100,100,200,90,90,180,20,20,40,0,0,0
            10,600,700,1301,200,260,460,70,90,160,0,1,1
            10,600,700,1300,200,260,460,70,90,160,0,-5,1
            10,600,700,1300,abc,260,460,70,90,160,0,1,1
            10,600,700,1300,200,260
            10,600,700,1300,200,260,460,70,90,160,0,1,

            """
        let r = try env.importTurnout("e1", csv)
        #expect(!r.committed)
        #expect(r.read == 9 && r.rejected == 8)
        let lines = r.issues.map(\.description)
        let expected = [
            "line 3, field \"投票区\": \"99\" is not a polling district (polling_districts has 3 districts, 1 … 10)",
            "line 4, field \"投票区\": district 1 appears twice (first on line 2)",
            "line 5, field \"有権者数_計\": voters 220 (当日 + 期日前 + 不在者) exceed electors 200",
            "line 5, field \"有権者数_男\": voters (男) 110 (当日 + 期日前 + 不在者) exceed electors (男) 100",
            "line 5, field \"有権者数_女\": voters (女) 110 (当日 + 期日前 + 不在者) exceed electors (女) 100",
            "line 6, field \"有権者数_計\": 有権者数: 男 600 + 女 700 = 1300, but 計 is 1301",
            "line 7, field \"不在者_女\": -5 is negative",
            "line 8, field \"当日_男\": \"abc\" is not a number",
            "line 9: record has 6 fields but the header has 13",
            "line 10, field \"不在者_計\": required count is missing",
        ]
        #expect(lines == expected, "\(lines)")
        #expect(r.summary.hasSuffix("nothing loaded (database unchanged)"))
        // The figures loaded before are untouched.
        #expect(try env.turnoutRows("e1") == 3)
        let d2: Int? = try env.store.pool.read {
            try Int.fetchOne($0, sql: "SELECT electors_total FROM election_turnout WHERE election_id = 'e1' AND district_no = '2'")
        }
        #expect(d2 == 20000)
    }

    @Test func skipInvalidLoadsTheGoodRows() throws {
        let env = try prepared()
        defer { env.cleanup() }
        let csv = "\(HandFixture.header)\n1,1000,1000,2000,400,450,850,100,140,240,3,2,5\n2,1,1,2,1,1,2,1,1,2,1,1,2\n"
        let r = try env.importTurnout("e1", csv, skipInvalid: true)
        #expect(r.committed && r.loaded == 1 && r.rejected == 1)
        #expect(r.warnings.contains("no final count for 2 district(s): 2, 10"))
    }

    @Test func aFileWithNoRowToLoadIsRefused() throws {
        let env = try prepared()
        defer { env.cleanup() }
        #expect(try env.importTurnout("e1", HandFixture.turnout).committed)
        try env.office.registry.setPublished("e1", true)

        let empty = try env.importTurnout("e1", HandFixture.header + "\n")
        #expect(!empty.committed && empty.read == 0)
        #expect(empty.summary.hasSuffix("nothing loaded (database unchanged): the file has no data rows"), "\(empty.summary)")

        let bad = "\(HandFixture.header)\n1,1,1,2,9,9,18,0,0,0,0,0,0\n99,1,1,2,0,0,0,0,0,0,0,0,0\n"
        let rejected = try env.importTurnout("e1", bad, skipInvalid: true)
        #expect(!rejected.committed && rejected.rejected == 2)
        #expect(rejected.summary.contains("no valid row (all 2 rejected)"), "\(rejected.summary)")

        #expect(try env.turnoutRows("e1") == 3, "the published figures are untouched")
        #expect(try env.office.registry.election("e1")?.hasFinalTurnout == true)
    }

    /// Interim (時刻別) rows arrive through the day, the final count later, corrections any time:
    /// each file replaces only the time slots it has.
    @Test func eachImportReplacesOnlyItsTimeSlots() throws {
        let env = try prepared()
        defer { env.cleanup() }
        func interim(_ time: String, day: Int) -> String {
            let rows = ["1,1000,1000,2000", "2,9800,10200,20000", "10,600,700,1300"].map {
                "\($0),\(day),\(day),\(2 * day),0,0,0,0,0,0,\(time)"
            }
            return ([HandFixture.header + ",時刻"] + rows).joined(separator: "\n") + "\n"
        }
        func rows(_ time: String) throws -> [Int] {
            try env.store.pool.read {
                try Int.fetchAll(
                    $0,
                    sql:
                        "SELECT day_total FROM election_turnout WHERE election_id = 'e1' AND time = ? ORDER BY CAST(district_no AS INTEGER)",
                    arguments: [time])
            }
        }
        #expect(try env.importTurnout("e1", interim("11時", day: 100)).committed)
        #expect(try env.importTurnout("e1", interim("14:00", day: 200)).committed)
        let final = try env.importTurnout("e1", HandFixture.turnout)
        #expect(final.committed && final.replacedTimes == [""])
        var e = try #require(try env.office.registry.election("e1"))
        #expect(e.interimTimes == ["11:00", "14:00"] && e.hasFinalTurnout, "the final count keeps the hourly rows")
        #expect(try rows("11:00") == [200, 200, 200])

        let corrected = try env.importTurnout("e1", interim("11:00", day: 150))
        #expect(corrected.committed && corrected.replacedTimes == ["11:00"])
        #expect(corrected.warnings.contains("replaced 3 row(s) loaded before for 11:00"))
        #expect(try rows("11:00") == [300, 300, 300])
        #expect(try rows("14:00") == [400, 400, 400])
        #expect(try rows("") == [850, 8513, 460])
        e = try #require(try env.office.registry.election("e1"))
        #expect(e.interimTimes == ["11:00", "14:00"] && e.hasFinalTurnout)
    }

    @Test func aHeaderMissingColumnsLoadsNothingEvenWithSkipInvalid() throws {
        let env = try prepared()
        defer { env.cleanup() }
        let r = try env.importTurnout("e1", "投票区,有権者数_計,当日_計\n1,2000,850\n", skipInvalid: true)
        #expect(!r.committed)
        #expect(r.issues.first?.description.hasPrefix("line 1: header: missing column(s) 有権者数_男, 有権者数_女, 当日_男") == true)
    }

    /// Another office's header, mapped in layers/polling_districts.yaml, with interim rows,
    /// spreadsheet numbers (thousands separators, full-width digits) and 第N投票区.
    @Test func otherHeadersInterimRowsAndSpreadsheetNumbers() throws {
        let env = try prepared()
        defer { env.cleanup() }
        let header =
            "投票区番号,当日有権者数_男,当日有権者数_女,当日有権者数_計,当日投票者数_男,当日投票者数_女,当日投票者数_計,期日前投票者数_男,期日前投票者数_女,期日前投票者数_計,不在者投票者数_男,不在者投票者数_女,不在者投票者数_計,集計時刻,備考"
        let csv = """
            \(header)
            第1投票区,1000,1000,2000,100,120,220,100,140,240,,,,11時,
            第2投票区,"9,800","10,200","20,000",900,1000,1900,2900,3000,5900,,,,１１：００,
            第1投票区,1000,1000,2000,400,450,850,100,140,240,3,2,5,確定,
            ０２,"9,800","10,200","20,000",4000,4513,8513,2900,3000,5900,50,50,100,,
            第10投票区,600,700,1300,200,260,460,70,90,160,0,1,1,,見直し

            """
        let r = try env.importTurnout("e1", csv)
        #expect(r.committed, "\(r.issues)")
        #expect(r.loaded == 5 && r.interimRows == 2)
        #expect(r.warnings.contains("column \"備考\" is not a turnout column and was ignored"))
        let e = try #require(try env.office.registry.election("e1"))
        #expect(e.interimTimes == ["11:00"] && e.hasFinalTurnout)

        var options = TurnoutMapOptions()
        options.time = "11:00"
        let text = try env.office.turnoutGeoJSON("e1", compare: nil, options: options, user: StaffUser(name: "t", role: .election))
        let body = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(body["time"] as? String == "11:00")
        let p = try #require((body["features"] as? [[String: Any]])?.first?["properties"] as? [String: Any])
        // (220 + 240) / 2000 at 11:00; absentee not reported yet.
        #expect(p["voters"] as? Int == 460)
        #expect(p["turnout_pct"] as? Double == 23.0)
        let city = try #require(body["city"] as? [String: Any])
        #expect(city["districts_reported"] as? Int == 2)

        options.time = "12:00"
        #expect(throws: ElectionError.self) {
            try env.office.turnoutGeoJSON("e1", compare: nil, options: options, user: StaffUser(name: "t", role: .election))
        }
    }

    @Test func badTimesAndUnknownElections() throws {
        let env = try prepared()
        defer { env.cleanup() }
        let csv = "\(HandFixture.header),時刻\n1,1000,1000,2000,400,450,850,100,140,240,3,2,5,25時\n"
        let r = try env.importTurnout("e1", csv)
        #expect(r.issues.map(\.description) == ["line 2, field \"時刻\": \"25時\" is not a time (HH:MM, 11時) or 確定"])
        let error = #expect(throws: ElectionError.self) { try env.importTurnout("nope", csv) }
        #expect(error?.kind == .notFound)
    }
}
