/// Fixed-width reads and writes for the shapefile family, which mixes big- and little-endian
/// integers in the same header.
extension Array where Element == UInt8 {
    func uint16LE(at i: Int) -> UInt16 {
        UInt16(self[i]) | UInt16(self[i + 1]) << 8
    }

    func uint32LE(at i: Int) -> UInt32 {
        UInt32(self[i]) | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2]) << 16 | UInt32(self[i + 3]) << 24
    }

    func uint32BE(at i: Int) -> UInt32 {
        UInt32(self[i]) << 24 | UInt32(self[i + 1]) << 16 | UInt32(self[i + 2]) << 8 | UInt32(self[i + 3])
    }

    func int32LE(at i: Int) -> Int32 { Int32(bitPattern: uint32LE(at: i)) }
    func int32BE(at i: Int) -> Int32 { Int32(bitPattern: uint32BE(at: i)) }

    func float64LE(at i: Int) -> Double {
        var bits: UInt64 = 0
        for k in 0..<8 { bits |= UInt64(self[i + k]) << (8 * UInt64(k)) }
        return Double(bitPattern: bits)
    }

    mutating func appendUInt16LE(_ v: UInt16) {
        append(UInt8(truncatingIfNeeded: v))
        append(UInt8(truncatingIfNeeded: v >> 8))
    }

    mutating func appendInt32LE(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: u >> UInt32(shift))) }
    }

    mutating func appendInt32BE(_ v: Int32) {
        let u = UInt32(bitPattern: v)
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: u >> UInt32(shift))) }
    }

    mutating func appendFloat64LE(_ v: Double) {
        let u = v.bitPattern
        for shift in stride(from: 0, to: 64, by: 8) { append(UInt8(truncatingIfNeeded: u >> UInt64(shift))) }
    }
}
