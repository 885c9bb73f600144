import Testing

@testable import MachiElections

/// Percentages are rounded half away from zero from the exact ratio, in integers.
@Suite struct PercentTests {
    @Test func halfUpFromTheExactRatio() {
        // 100 × 14513 / 20000 = 72.565 exactly; binary floating point would give 72.56.
        #expect(Percent.of(14513, 20000)?.description == "72.57")
        #expect(Percent.of(1, 3)?.description == "33.33")
        #expect(Percent.of(2, 3)?.description == "66.67")
        #expect(Percent.of(0, 5)?.description == "0.00")
        #expect(Percent.of(5, 5)?.description == "100.00")
        #expect(Percent.of(1, 0) == nil)
    }

    @Test func differencesRoundOnceAwayFromZero() {
        // 0.5 − 0.50005 = −0.005 pp exactly: away from zero is −0.01.
        #expect(Percent.difference((1, 2), (10001, 20000))?.description == "-0.01")
        #expect(Percent.difference((10001, 20000), (1, 2))?.description == "0.01")
        #expect(Percent.difference((1, 3), (1, 3))?.description == "0.00")
    }
}
