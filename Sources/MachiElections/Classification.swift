/// How a choropleth groups values into classes.
public enum ClassMethod: String, Sendable, CaseIterable {
    /// Each class holds the same number of values (±1).
    case quantile
    /// Classes of equal width between the minimum and the maximum.
    case equal
    /// Jenks natural breaks: the grouping with the least squared deviation from the class
    /// means (Fisher's exact optimisation, not an iterative approximation).
    case jenks
}

/// Class breaks for a choropleth. Breaks are `[min, upper₀, upper₁, …, max]`: k classes have
/// k + 1 breaks, and class i holds the values v with breaks[i] < v ≤ breaks[i + 1] (class 0
/// also holds the minimum itself). With fewer distinct values than classes, there are as
/// many classes as distinct values.
public enum Classifier {
    public static func breaks(_ values: [Double], classes: Int, method: ClassMethod) -> [Double] {
        let sorted = values.filter(\.isFinite).sorted()
        guard let lo = sorted.first, let hi = sorted.last else { return [] }
        var distinct = 1
        for i in 1..<sorted.count where sorted[i] != sorted[i - 1] { distinct += 1 }
        let k = max(1, min(classes, distinct))
        if k == 1 { return [lo, hi] }
        var uppers: [Double]
        switch method {
        case .equal:
            uppers = (1..<k).map { lo + (hi - lo) * Double($0) / Double(k) }
        case .quantile:
            // Upper bound of class i: the value at rank ⌈(i + 1)·n / k⌉ (1-based).
            let n = sorted.count
            uppers = (0..<(k - 1)).map { i in sorted[((i + 1) * n + k - 1) / k - 1] }
        case .jenks:
            uppers = jenksUppers(sorted, k)
        }
        uppers.append(hi)
        // Ties can make two quantile uppers equal; an empty class would only confuse a legend.
        var out = [lo]
        for u in uppers where out.count == 1 || u > out.last! { out.append(u) }
        return out
    }

    /// Class of `v` for breaks from `breaks(_:classes:method:)`.
    public static func classIndex(_ v: Double, breaks: [Double]) -> Int {
        let k = breaks.count - 1
        guard k > 0 else { return 0 }
        for i in 0..<k where v <= breaks[i + 1] { return i }
        return k - 1
    }

    /// Fisher–Jenks by dynamic programming over the sorted values: O(k·n²), exact. Returns
    /// the upper value of each class but the last.
    static func jenksUppers(_ x: [Double], _ k: Int) -> [Double] {
        let n = x.count
        // Prefix sums make the squared deviation of any run x[i...j] O(1). Values are shifted by
        // their mean first so the sums of squares do not lose precision.
        let mean = x.reduce(0, +) / Double(n)
        var s = [Double](repeating: 0, count: n + 1)
        var s2 = [Double](repeating: 0, count: n + 1)
        for i in 0..<n {
            let v = x[i] - mean
            s[i + 1] = s[i] + v
            s2[i + 1] = s2[i] + v * v
        }
        func ssd(_ i: Int, _ j: Int) -> Double {
            let m = Double(j - i + 1)
            let sum = s[j + 1] - s[i]
            return max(0, s2[j + 1] - s2[i] - sum * sum / m)
        }
        // cost[c][j]: best total for x[0...j] in c + 1 classes; start[c][j]: where its last class begins.
        var cost = [[Double]](repeating: [Double](repeating: .infinity, count: n), count: k)
        var start = [[Int]](repeating: [Int](repeating: 0, count: n), count: k)
        for j in 0..<n { cost[0][j] = ssd(0, j) }
        for c in 1..<k {
            for j in c..<n {
                // A class never starts inside a run of equal values: the optimum never needs to
                // split them, and classes are assigned by value afterwards.
                for i in c...j where x[i] != x[i - 1] {
                    let candidate = cost[c - 1][i - 1] + ssd(i, j)
                    // `<` keeps the earliest split among equals, so results are deterministic.
                    if candidate < cost[c][j] {
                        cost[c][j] = candidate
                        start[c][j] = i
                    }
                }
            }
        }
        var uppers = [Double]()
        var j = n - 1
        for c in stride(from: k - 1, to: 0, by: -1) {
            let i = start[c][j]
            uppers.append(x[i - 1])
            j = i - 1
        }
        return uppers.reversed()
    }
}
