import Foundation
import MachiGeometry
import Testing

@testable import MachiOGC

/// The byte-level JSON writer of feature pages: numbers as `GeoJSONWriter.number` writes
/// them, and strings that any JSON parser reads back unchanged.
@Suite struct JSONByteWriterTests {
    func text(_ body: (inout JSONByteWriter) -> Void) -> String {
        var w = JSONByteWriter(capacity: 64)
        body(&w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        (135.5474104, 7, "135.5474104"), (34.79175, 7, "34.79175"), (-40120.25, 3, "-40120.25"), (135.0, 7, "135"),
        (0.00000004, 7, "0"), (-0.00000006, 7, "-0.0000001"), (1e-7, 7, "0.0000001"), (12.3456789, 3, "12.346"), (-0.0, 3, "0"),
        (1e20, 3, "1e+20"),
    ])
    func fixedDecimals(_ value: Double, _ decimals: Int, _ expected: String) {
        #expect(text { $0.fixed(value, decimals: decimals) } == expected)
    }

    @Test(arguments: [
        "plain", "汚水 雨水", "quote \" backslash \\ slash /", "line\nfeed\r\ttab", "bell \u{07} nul \u{0}", "js \u{2028} \u{2029} end", "",
        "😀 emoji",
    ])
    func stringsRoundTrip(_ s: String) throws {
        let json = text { $0.string(s) }
        let back = try JSONSerialization.jsonObject(with: Data("[\(json)]".utf8)) as? [String]
        #expect(back == [s])
        #expect(!json.contains("\u{2028}") && !json.contains("\u{2029}"))
    }

    @Test func integersAndGeometry() throws {
        #expect(text { $0.int(Int64.min) } == "-9223372036854775808")
        #expect(text { $0.int(0) } == "0")
        let g = text { $0.geometry(.multiPolygon([[[Position(1, 2), Position(3, 4), Position(5, 6), Position(1, 2)]]]), decimals: 7) }
        #expect(g == #"{"type":"MultiPolygon","coordinates":[[[[1,2],[3,4],[5,6],[1,2]]]]}"#)
    }
}
