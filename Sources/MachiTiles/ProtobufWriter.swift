/// The few protocol-buffers wire rules a vector tile needs, written by hand: varints,
/// zigzag, field keys, length-delimited and packed fields. No generated code, so the
/// bytes are exactly what the tests compute.
public struct ProtobufWriter: Sendable {
    public enum WireType: UInt8, Sendable {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Field number and wire type, as one varint.
    public mutating func key(_ field: UInt32, _ type: WireType) {
        varint(UInt64(field) << 3 | UInt64(type.rawValue))
    }

    public mutating func uint(_ field: UInt32, _ value: UInt64) {
        key(field, .varint)
        varint(value)
    }

    /// `sint64`: zigzag-encoded so small negative numbers stay short.
    public mutating func sint(_ field: UInt32, _ value: Int64) {
        key(field, .varint)
        varint(Self.zigzag(value))
    }

    public mutating func double(_ field: UInt32, _ value: Double) {
        key(field, .fixed64)
        var bits = value.bitPattern.littleEndian
        withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
    }

    public mutating func bytes(_ field: UInt32, _ value: [UInt8]) {
        key(field, .lengthDelimited)
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    public mutating func string(_ field: UInt32, _ value: String) {
        bytes(field, Array(value.utf8))
    }

    /// A nested message, written into its own buffer first because its length comes first.
    public mutating func message(_ field: UInt32, _ body: (inout ProtobufWriter) -> Void) {
        var inner = ProtobufWriter()
        body(&inner)
        bytes(field, inner.bytes)
    }

    /// A packed repeated `uint32` field (tags and geometry commands).
    public mutating func packed(_ field: UInt32, _ values: [UInt32]) {
        guard !values.isEmpty else { return }
        var inner = ProtobufWriter()
        for v in values { inner.varint(UInt64(v)) }
        bytes(field, inner.bytes)
    }

    /// Bytes `varint` writes for `value`, so a message's length can precede it without a scratch buffer.
    public static func varintSize(_ value: UInt64) -> Int {
        var v = value
        var n = 1
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    /// A packed `uint32` field written in place: its length is computed first.
    public mutating func packedInPlace(_ field: UInt32, _ values: [UInt32]) {
        guard !values.isEmpty else { return }
        key(field, .lengthDelimited)
        varint(UInt64(values.reduce(0) { $0 + Self.varintSize(UInt64($1)) }))
        for v in values { varint(UInt64(v)) }
    }

    public mutating func append(_ other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    public static func zigzag(_ n: Int64) -> UInt64 {
        UInt64(bitPattern: (n << 1) ^ (n >> 63))
    }

    public static func zigzag32(_ n: Int32) -> UInt32 {
        UInt32(bitPattern: (n << 1) ^ (n >> 31))
    }
}
