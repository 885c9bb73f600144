import Foundation
import Testing

@testable import MachiCore

@Suite struct TimestampTests {
    @Test func formatsInJapanStandardTime() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T09:00:00+09:00")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_795_320_000)) == "2026-11-22T13:00:00+09:00")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_836_400)) == "2000-03-01T00:00:00+09:00")  // after a leap day
        #expect(Timestamp.format(Date(timeIntervalSince1970: -1)) == "1970-01-01T08:59:59+09:00")
    }

    @Test func parsesOffsetsZuluFractionsAndLocalTimeAsJST() {
        let t = 1_795_320_000.0
        #expect(DateParsing.dateTime("2026-11-22T13:00:00+09:00")?.timeIntervalSince1970 == t)
        #expect(DateParsing.dateTime("2026-11-22T04:00:00Z")?.timeIntervalSince1970 == t)
        #expect(DateParsing.dateTime("2026-11-22T05:00:00+0100")?.timeIntervalSince1970 == t)
        #expect(DateParsing.dateTime("2026-11-22 13:00")?.timeIntervalSince1970 == t)
        #expect(DateParsing.dateTime("2026-11-22T13:00:00.250+09:00")?.timeIntervalSince1970 == t + 0.25)
        // Agrees with Foundation's parser on a round trip.
        let f = ISO8601DateFormatter()
        #expect(DateParsing.dateTime("2024-02-29T23:59:59-03:30") == f.date(from: "2024-02-29T23:59:59-03:30"))
    }

    @Test(arguments: [
        "2026-02-30T10:00:00+09:00", "2026-13-01T00:00:00Z", "2026-11-22T24:00:00Z", "yesterday", "2026-11-22", "2026-11-22T10:00:00+9",
        "2026-11-22T10:00:00+09:00x",
    ])
    func rejectsWhatIsNotADateTime(_ s: String) {
        #expect(DateParsing.dateTime(s) == nil)
    }

    @Test func dateOnlyChecksTheCalendar() {
        #expect(DateParsing.date("2024-02-29") != nil)
        #expect(DateParsing.date("2023-02-29") == nil)
    }
}
