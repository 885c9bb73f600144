import Foundation

/// Matches district numbers as people write them in spreadsheets to the numbers in the
/// polling_districts layer: `第3投票区`, `３`, `03` and `3` all name district 3.
struct DistrictNumbers {
    /// Layer numbers in natural order (2 before 10).
    let ordered: [String]
    private let byKey: [String: String]

    init(_ numbers: [String]) {
        ordered = numbers.sorted(by: Self.naturalOrder)
        var table = [String: String]()
        for n in ordered { table[Self.key(n)] = table[Self.key(n)] ?? n }
        byKey = table
    }

    func resolve(_ text: String) -> String? {
        byKey[Self.key(text)]
    }

    static func key(_ text: String) -> String {
        var s = text.precomposedStringWithCompatibilityMapping.trimmingCharacters(in: .whitespacesAndNewlines)
        if s.hasPrefix("第") { s.removeFirst() }
        if s.hasSuffix("投票区") { s.removeLast(3) }
        if !s.isEmpty, s.allSatisfy(\.isASCII), let n = Int(s) { return String(n) }
        return s
    }

    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.numeric]) == .orderedAscending
    }

    /// "1–20" for a short message, or a few numbers.
    var summary: String {
        guard let first = ordered.first, let last = ordered.last else { return "none" }
        return ordered.count == 1 ? first : "\(ordered.count) districts, \(first) … \(last)"
    }
}
