import MachiHTTP
import Testing

/// The shared query-string reader: form decoding as browsers and owslib send it.
@Suite struct QueryParametersTests {
    @Test func plusIsASpaceAndPercentEscapesDecodeInKeysAndValues() throws {
        let q = try QueryParameters(rawQuery: "q=%E9%A7%90%E8%BB%8A+%E9%81%95%E5%8F%8D&a%5Fb=1+2") { _ in true }
        #expect(try q.string("q") == "駐車 違反")
        #expect(try q.string("a_b") == "1 2")
        #expect(q.order == ["q", "a_b"])
    }

    @Test func anEncodedPlusStaysAPlus() throws {
        let q = try QueryParameters(rawQuery: "observed_at=2026-11-22T10%3A00%3A00%2B09%3A00") { _ in true }
        #expect(try q.string("observed_at") == "2026-11-22T10:00:00+09:00")
    }

    @Test func unknownRepeatedAndBadlyEncodedParametersAreNamed() throws {
        let allowed: Set<String> = ["limit"]
        for (raw, parameter, fragment) in [
            ("limt=3", "limt", "allowed: limit"), ("limit=1&limit=2", "limit", "more than once"),
            ("limit=%E9%A7", "limit", "percent-encoding"),
        ] {
            #expect {
                try QueryParameters(rawQuery: raw, known: allowed) { allowed.contains($0) }
            } throws: { error in
                guard let p = error as? Problem else { return false }
                return p.parameter == parameter && p.detail.contains(fragment) && p.status == .badRequest
            }
        }
    }

    @Test func lonLatBoxesOutsideTheWorldAreRefusedButPlaneBoxesAreNot() throws {
        let q = try QueryParameters(rawQuery: "bbox=-45000,-145000,-44000,-144000") { _ in true }
        #expect(try q.bbox()?.minX == -45000)
        #expect(throws: Problem.self) { try q.lonLatBBox() }
    }
}
