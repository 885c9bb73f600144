import Testing

@testable import MachiElections

/// Class breaks for each method against values worked out by hand or published.
@Suite struct ClassificationTests {
    @Test func quantileUpperBoundsAreTheValuesAtRankCeilINOverK() {
        let v = (1...10).map(Double.init).shuffled()
        #expect(Classifier.breaks(v, classes: 5, method: .quantile) == [1, 2, 4, 6, 8, 10])
        // n = 10, k = 3: ranks ⌈10/3⌉ = 4 and ⌈20/3⌉ = 7.
        #expect(Classifier.breaks(v, classes: 3, method: .quantile) == [1, 4, 7, 10])
        let b = Classifier.breaks(v, classes: 3, method: .quantile)
        #expect((1...10).map { Classifier.classIndex(Double($0), breaks: b) } == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    }

    @Test func equalIntervalsSplitTheRange() {
        let b = Classifier.breaks([0, 10, 20, 100], classes: 4, method: .equal)
        #expect(b == [0, 25, 50, 75, 100])
        #expect([0, 10, 20, 25, 25.01, 100].map { Classifier.classIndex($0, breaks: b) } == [0, 0, 0, 0, 1, 3])
        #expect(Classifier.breaks([40, 55, 70], classes: 3, method: .equal) == [40, 50, 60, 70])
    }

    /// The example published with the `jenks` npm package (a port of Jenks' 1977 Fortran):
    /// [1, 2, 5, 15, 45, 89.3, 112, 31, 120, 0.5] in 3 classes → [0.5, 15, 45, 120].
    /// By hand: {0.5 … 15} {31, 45} {89.3, 112, 120} has squared deviations 144.8 + 98 + 507.26,
    /// less than moving 31 down (721 + …) or 89.3 down (1852 + …).
    @Test func jenksTextbookExample() {
        let v = [1, 2, 5, 15, 45, 89.3, 112, 31, 120, 0.5]
        #expect(Classifier.breaks(v, classes: 3, method: .jenks) == [0.5, 15, 45, 120])
    }

    /// Two obvious clusters, and the classic small case [1, 2, 4, 5, 7, 9, 10, 20] in 3 classes:
    /// {1, 2, 4, 5} {7, 9, 10} {20} (SSD 10 + 4.67 + 0).
    @Test func jenksFindsNaturalGroups() {
        #expect(Classifier.breaks([4, 5, 9, 10], classes: 2, method: .jenks) == [4, 5, 10])
        #expect(Classifier.breaks([1, 2, 4, 5, 7, 9, 10, 20], classes: 3, method: .jenks) == [1, 5, 10, 20])
    }

    /// Fisher's dynamic programme must equal exhaustive search over every split.
    @Test func jenksIsTheExactOptimum() {
        var rng = SplitMix(seed: 27224)
        for _ in 0..<200 {
            let n = Int(rng.next() % 7) + 3
            let k = Int(rng.next() % 3) + 2
            let v = (0..<n).map { _ in Double(rng.next() % 1000) / 10 }
            let sorted = v.sorted()
            guard Set(v).count >= k else { continue }
            let b = Classifier.breaks(v, classes: k, method: .jenks)
            #expect(abs(ssd(sorted, b) - bestSSD(sorted, k)) < 1e-9, "\(v) k=\(k) → \(b)")
        }
    }

    @Test func tiesNeverMakeEmptyClasses() {
        let b = Classifier.breaks([5, 5, 5, 5, 6], classes: 3, method: .quantile)
        #expect(b == [5, 5, 6])
        #expect(Classifier.breaks([7, 7, 7], classes: 5, method: .jenks) == [7, 7])
        #expect(Classifier.breaks([], classes: 5, method: .equal) == [])
    }

    @Test func colorBrewerYlGnBu() {
        #expect(ColorRamp.colors(5) == ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"])
        #expect(ColorRamp.colors(3) == ["#edf8b1", "#7fcdbb", "#2c7fb8"])
        #expect((1...9).allSatisfy { ColorRamp.colors($0).count == $0 })
    }

    // MARK: helpers

    func ssd(_ sorted: [Double], _ breaks: [Double]) -> Double {
        var groups = [[Double]](repeating: [], count: breaks.count - 1)
        for v in sorted { groups[Classifier.classIndex(v, breaks: breaks)].append(v) }
        return groups.reduce(0) { total, g in
            let m = g.reduce(0, +) / Double(max(g.count, 1))
            return total + g.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        }
    }

    func bestSSD(_ sorted: [Double], _ k: Int) -> Double {
        func cost(_ g: ArraySlice<Double>) -> Double {
            let m = g.reduce(0, +) / Double(g.count)
            return g.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        }
        func best(_ from: Int, _ classes: Int) -> Double {
            if classes == 1 { return cost(sorted[from...]) }
            var b = Double.infinity
            for cut in (from + 1)...(sorted.count - classes + 1) {
                b = min(b, cost(sorted[from..<cut]) + best(cut, classes - 1))
            }
            return b
        }
        return best(0, k)
    }
}

/// A small deterministic generator, so a failure can be reproduced.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
