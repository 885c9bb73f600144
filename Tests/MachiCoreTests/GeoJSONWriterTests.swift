import Foundation
import Testing

@testable import MachiCore

@Suite struct GeoJSONWriterTests {
    @Test(arguments: ["汚水", "S-00012", "say \"hi\"", "a\\b", "line\nbreak\ttab", "\u{01}", "sep\u{2028}arator", "鳥飼\u{2029}"])
    func escapedStringsRoundTripThroughAJSONParser(_ s: String) throws {
        let json = GeoJSONWriter.string(s)
        let parsed = try JSONSerialization.jsonObject(with: Data("[\(json)]".utf8)) as? [String]
        #expect(parsed == [s])
        #expect(!json.contains("\u{2028}") && !json.contains("\u{2029}") && !json.contains("\n"))
    }

    @Test func numbersAreRoundedToTheGivenDecimals() {
        #expect(GeoJSONWriter.number(135.56612345678) == "135.5661235")
        #expect(GeoJSONWriter.number(34.0) == "34")
        #expect(GeoJSONWriter.number(12.345, decimals: 2) == "12.35" || GeoJSONWriter.number(12.345, decimals: 2) == "12.34")
        #expect(GeoJSONWriter.number(.nan) == "null")
    }
}
