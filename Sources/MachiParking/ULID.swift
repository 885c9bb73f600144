public import Foundation

/// ULID (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits in
/// Crockford base32, so case ids sort by creation time and never collide across servers.
public enum ULID {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    public static func make(date: Date = Date()) -> String {
        var g = SystemRandomNumberGenerator()
        let ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var chars = [Character]()
        chars.reserveCapacity(26)
        for i in (0..<10).reversed() { chars.append(alphabet[Int((ms >> (UInt64(i) * 5)) & 31)]) }
        let hi = g.next() & ((1 << 40) - 1)
        let lo = g.next() & ((1 << 40) - 1)
        for i in (0..<8).reversed() { chars.append(alphabet[Int((hi >> (UInt64(i) * 5)) & 31)]) }
        for i in (0..<8).reversed() { chars.append(alphabet[Int((lo >> (UInt64(i) * 5)) & 31)]) }
        return String(chars)
    }

    public static func isValid(_ s: String) -> Bool {
        s.count == 26 && s.allSatisfy { alphabet.contains($0) }
    }
}
