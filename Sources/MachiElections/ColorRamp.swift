/// ColorBrewer's sequential YlGnBu scheme (Cynthia Brewer, Mark Harrower and The Pennsylvania
/// State University, Apache-style licence): light for low turnout, dark blue for high. The
/// schemes are defined for 3–9 classes; each size is its own palette, not a slice of 9.
public enum ColorRamp {
    public static let minClasses = 3
    public static let maxClasses = 9
    /// Fill for a district without figures.
    public static let noData = "#d9d9d9"

    static let ylGnBu: [Int: [String]] = [
        3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
        4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
        5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
        6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
        7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
        8: ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
        9: ["#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58"],
    ]

    /// Colours for `k` classes, lightest first. Fewer than 3 classes (too few distinct values)
    /// take the ends and middle of the 3-class scheme.
    public static func colors(_ k: Int) -> [String] {
        switch k {
        case ..<1: return []
        case 1: return [ylGnBu[3]![1]]
        case 2: return [ylGnBu[3]![0], ylGnBu[3]![2]]
        default: return ylGnBu[min(k, maxClasses)]!
        }
    }
}
